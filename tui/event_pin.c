/*
 * Owns the events-key lines of known_servers (event_pin.h): lookup, the
 * pin on first sight, the refusal on a change. Writing goes through
 * tls_pin_add, the file's one writer.
 */
#include "event_pin.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "protocol.h"
#include "rpc_client.h"
#include "tls_pin.h"

int
event_pin_check(const char *path, const char *server, const char *pk_hex,
                struct pl_error *err)
{
	char host[256], key[300], want[80], line[512], name[300], pinned[80];
	int port, found = 0;
	FILE *f;

	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT))
		return pl_error_set(err, PL_ERR_INTERNAL, "bad_server",
		                    "bad server address");
	snprintf(key, sizeof key, "events@%s:%d", host, port);
	snprintf(want, sizeof want, "ed25519:%s", pk_hex);
	if ((f = fopen(path, "r")) != NULL) {
		while (!found && fgets(line, sizeof line, f))
			found = sscanf(line, "%299s %79s", name, pinned) == 2 &&
			        strcmp(name, key) == 0;
		fclose(f);
	}
	if (!found)
		return tls_pin_add(path, key, want, err);
	if (strcasecmp(pinned, want) == 0)
		return 0;
	return pl_error_set(
	    err, PL_ERR_FORBIDDEN, "events_key_changed",
	    "EVENTS KEY OF %s:%d HAS CHANGED to %s: refused (someone may be "
	    "forging events); if intended, delete its events@ line in %s",
	    host, port, pk_hex, path);
}
