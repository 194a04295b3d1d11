/*
 * Trust on first use for servers whose certificate does not verify against
 * a CA (self-signed): the SHA-256 fingerprint of the certificate is pinned
 * per HOST:PORT in a known_servers file ($XDG_STATE_HOME/padline/
 * known_servers) and a later change is refused loudly, as ssh does with
 * host keys. One line per server: "HOST:PORT SHA256:<hex>".
 */
#ifndef PL_TLS_PIN_H
#define PL_TLS_PIN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "pl_error.h"

#define TLS_PIN_FP_SIZE 72 /* "SHA256:" + 64 hex + NUL */

enum tls_pin_result { TLS_PIN_MATCH = 0, TLS_PIN_ADDED = 1 };

/* "SHA256:<64 hex>" of the DER certificate. */
void tls_pin_fingerprint(X509 *, char out[TLS_PIN_FP_SIZE]);
/* The known_servers path ($XDG_STATE_HOME, else ~/.local/state); free(). */
char *tls_pin_path(void);
/*
 * Looks server ("host:port") up in path: TLS_PIN_MATCH when pinned to fp,
 * TLS_PIN_ADDED when it was unknown and is now pinned (file and directory
 * created 0600/0700), PL_ERR_FORBIDDEN with a loud message naming the new
 * fingerprint and the file when the pin differs; PL_ERR_INTERNAL when the
 * file cannot be written.
 */
int tls_pin_check(const char *path, const char *server, const char *fp,
                  struct pl_error *);

struct tls_pipe;
/*
 * After a client handshake: TLS_PIN_MATCH when the chain verified against
 * the CAs and the name matched; otherwise the certificate's fingerprint
 * (written to fp) goes through tls_pin_check.
 */
int tls_pin_peer(struct tls_pipe *, const char *server, const char *path,
                 char fp[TLS_PIN_FP_SIZE], struct pl_error *);

#endif
