/* libFuzzer target: event_sig_verify on arbitrary bytes (what anyone who may
 * PUBLISH can send a client): no crash, no overrun, and a message it accepts
 * names an event inside the message that runs to its end. The corpus holds a
 * message signed with the key below, so mutations start from a valid one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_sig.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_sig_verifier v;
	static int ready;
	char *msg = malloc(size ? size : 1);
	const char *ev;
	size_t ev_len;

	if (!ready) {
		unsigned char pk[EVENT_SIG_PK_BYTES], sk[EVENT_SIG_SK_BYTES];

		event_sig_keys("fuzz-secret-0123456789abcdef", pk, sk);
		event_sig_verifier_init(&v, pk);
		ready = 1;
	}
	memcpy(msg, data, size);
	if (event_sig_verify(&v, msg, size, &ev, &ev_len) == EVENT_SIG_OK &&
	    (ev < msg || ev + ev_len != msg + size))
		abort();
	free(msg);
	return 0;
}
