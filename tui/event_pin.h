/*
 * The events key pinned per server, beside the TLS pins in known_servers:
 * the first server.hello a client sees names the key padlined signs its
 * events with (events.public_key), and from then on a different key for
 * that server is refused loudly, as a changed certificate is. One line per
 * server: "events@HOST:PORT ed25519:<64 hex>" (its first word never names a
 * server, so the TLS pin lookup never reads it).
 */
#ifndef PL_TUI_EVENT_PIN_H
#define PL_TUI_EVENT_PIN_H

#include "pl_error.h"

/*
 * server: as given to padline (tls:// allowed); pk_hex: 64 hex. 0 when the
 * key is the pinned one or was just pinned (first sight);
 * PL_ERR_FORBIDDEN (reason events_key_changed) with a message naming the
 * new key and the file when it differs; PL_ERR_INTERNAL when the pin cannot
 * be written.
 */
int event_pin_check(const char *path, const char *server, const char *pk_hex,
                    struct pl_error *);

#endif
