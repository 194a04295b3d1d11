/*
 * The question asked before padline's first TLS connection, as ssh asks
 * about a new host key: a certificate that neither verifies against a CA
 * nor is pinned is shown by its fingerprint, and only "yes" (or --trust
 * with that fingerprint, for scripts) pins it. Shared by the TUI (before
 * curses starts) and `padline watch`.
 */
#ifndef PL_TUI_TRUST_H
#define PL_TUI_TRUST_H

#include <stdio.h>

#define TRUST_REFUSED_EXIT 3 /* padline's exit status on a refusal */

/*
 * For a tls:// server: one probe handshake (blocking, before the loop);
 * --ca from PADLINE_CA, --trust from PADLINE_TLS_TRUST. When the
 * certificate is unknown it asks on out and reads the answer from in if
 * interactive, else explains how to trust it without a terminal. Returns
 * 0 to go on (verified, pinned, just pinned, or unreachable: the client
 * reports that itself), TRUST_REFUSED_EXIT (said on out, nothing pinned),
 * or 2 for unusable settings.
 */
int trust_server(const char *server, FILE *in, FILE *out, int interactive);

#endif
