/*
 * Trust on first use for servers whose certificate does not verify against
 * a CA (self-signed): the SHA-256 fingerprint of the certificate is pinned
 * per HOST:PORT in a known_servers file ($XDG_STATE_HOME/padline/
 * known_servers) and a later change is refused loudly, as ssh does with
 * host keys. One line per server: "HOST:PORT SHA256:<hex>" (fields after
 * the fingerprint are ignored; lines of any length are read whole).
 */
#ifndef PL_TLS_PIN_H
#define PL_TLS_PIN_H

#include <stddef.h>

#include <openssl/x509.h>

#include "pl_error.h"

#define TLS_PIN_FP_SIZE 72 /* "SHA256:" + 64 hex + NUL */

enum tls_pin_result { TLS_PIN_MATCH = 0, TLS_PIN_UNKNOWN = 1 };

/* "SHA256:<64 hex>" of the DER certificate. */
void tls_pin_fingerprint(X509 *, char out[TLS_PIN_FP_SIZE]);
/* The known_servers path ($XDG_STATE_HOME, else ~/.local/state); free(). */
char *tls_pin_path(void);
/*
 * The fingerprint path pins server ("host:port") to, normalized as
 * tls_pin_normalize writes it: TLS_PIN_MATCH with fp filled,
 * TLS_PIN_UNKNOWN (fp "") when no line pins it, or an error code when the
 * file may not be read (state_dir.h: a symbolic link, an unsafe directory).
 */
int tls_pin_lookup(const char *path, const char *server,
                   char fp[TLS_PIN_FP_SIZE], struct pl_error *);
/*
 * Looks server ("host:port") up in path: TLS_PIN_MATCH when pinned to fp,
 * TLS_PIN_UNKNOWN when it has no pin (nothing is written: the user decides),
 * PL_ERR_FORBIDDEN with a loud message naming the new fingerprint and the
 * file when the pin differs (fingerprints compare without regard to case
 * or colons), or tls_pin_lookup's error.
 */
int tls_pin_check(const char *path, const char *server, const char *fp,
                  struct pl_error *);
/* Pins server to fp: the file is replaced atomically, 0600 in a 0700
 * directory (state_file_write). 0 or an error code with a message. */
int tls_pin_add(const char *path, const char *server, const char *fp,
                struct pl_error *);
/*
 * A fingerprint as people copy it -- "SHA256:<hex>", bare hex, or openssl's
 * "sha256 Fingerprint=AB:CD:..." -- written as "SHA256:<64 lowercase hex>".
 * 0, or -1 when it is not 32 bytes of hex.
 */
int tls_pin_normalize(const char *in, char out[TLS_PIN_FP_SIZE]);

struct tls_pipe;
/*
 * After a client handshake: TLS_PIN_MATCH when the chain verified against
 * the CAs and the name matched; otherwise the certificate's fingerprint
 * (written to fp) goes through tls_pin_check (nothing is pinned).
 */
int tls_pin_peer(struct tls_pipe *, const char *server, const char *path,
                 char fp[TLS_PIN_FP_SIZE], struct pl_error *);

#endif
