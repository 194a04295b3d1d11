/*
 * Owns the known_servers file: fingerprints, lookup, pinning (once the user
 * said yes) and the refusal when a pinned certificate changes.
 */
#include "tls_pin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "state_dir.h"
#include "tls_pipe.h"
#include "xalloc.h"

/* known_servers is read whole: a bound on what a client will load. */
#define KNOWN_SERVERS_MAX (1024 * 1024)

void
tls_pin_fingerprint(X509 *cert, char out[TLS_PIN_FP_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	X509_digest(cert, EVP_sha256(), md, &n);
	memcpy(out, "SHA256:", 7);
	for (unsigned int i = 0; i < n && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

char *
tls_pin_path(void)
{
	char path[4096];

	if (state_path("known_servers", path, sizeof path) == 0)
		return xstrdup(path);
	/* Neither XDG_STATE_HOME nor HOME: below the working directory. */
	return xstrdup("./.local/state/padline/known_servers");
}

/* The server's fingerprint in text (the whole file), normalized: 1, or 0
 * when no line pins it. A line is "HOST:PORT FINGERPRINT", maybe with more
 * fields after; anything else (a comment, garbage of any length, a
 * fingerprint that does not read) is skipped whole, never split. */
static int
find_pin(const char *text, const char *server, char fp[TLS_PIN_FP_SIZE])
{
	size_t slen = strlen(server);

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		size_t name = strcspn(p, " \t\n"), skip, flen;
		char field[TLS_PIN_FP_SIZE * 2];

		if (name == slen && memcmp(p, server, slen) == 0) {
			skip = slen + strspn(p + slen, " \t");
			flen = strcspn(p + skip, " \t\n");
			if (p + skip + flen <= end && flen < sizeof field) {
				memcpy(field, p + skip, flen);
				field[flen] = '\0';
				if (tls_pin_normalize(field, fp) == 0)
					return 1;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int
tls_pin_lookup(const char *path, const char *server, char fp[TLS_PIN_FP_SIZE],
               struct pl_error *err)
{
	char *text;
	int rc, found;

	fp[0] = '\0';
	rc = state_file_read(path, KNOWN_SERVERS_MAX, &text, NULL, err);
	if (rc == PL_ERR_NOT_FOUND) { /* nothing pinned yet */
		pl_error_clear(err);
		return TLS_PIN_UNKNOWN;
	}
	if (rc != 0)
		return rc;
	found = find_pin(text, server, fp);
	free(text);
	return found ? TLS_PIN_MATCH : TLS_PIN_UNKNOWN;
}

int
tls_pin_check(const char *path, const char *server, const char *fp,
              struct pl_error *err)
{
	char pinned[TLS_PIN_FP_SIZE], seen[TLS_PIN_FP_SIZE];
	int rc = tls_pin_lookup(path, server, pinned, err);

	if (rc != TLS_PIN_MATCH)
		return rc;
	/* Both as "SHA256:<lowercase hex>": case and colons do not count. */
	if (tls_pin_normalize(fp, seen) == 0 && strcmp(pinned, seen) == 0)
		return TLS_PIN_MATCH;
	return pl_error_set(err, PL_ERR_FORBIDDEN, "certificate_changed",
	                    "CERTIFICATE OF %s HAS CHANGED to %s: refused "
	                    "(someone may be intercepting); if intended, "
	                    "delete its line in %s",
	                    server, fp, path);
}

int
tls_pin_add(const char *path, const char *server, const char *fp,
            struct pl_error *err)
{
	char *text = NULL, *out;
	size_t len = 0;
	int rc = state_file_read(path, KNOWN_SERVERS_MAX, &text, &len, err);

	if (rc == PL_ERR_NOT_FOUND)
		pl_error_clear(err); /* the first pin */
	else if (rc != 0)
		return rc;
	/* The other lines stay as they are; the whole file is replaced. */
	out =
	    xasprintf("%s%s%s %s\n", text ? text : "",
	              len > 0 && text[len - 1] != '\n' ? "\n" : "", server, fp);
	rc = state_file_write(path, out, strlen(out), err);
	free(out);
	free(text);
	return rc;
}

int
tls_pin_normalize(const char *in, char out[TLS_PIN_FP_SIZE])
{
	const char *eq = strchr(in, '=');
	size_t n = 0;

	if (eq != NULL) /* openssl x509 -fingerprint: "sha256 Fingerprint=" */
		in = eq + 1;
	else if (strncasecmp(in, "SHA256:", 7) == 0)
		in += 7;
	memcpy(out, "SHA256:", 7);
	for (; *in; in++) {
		if (*in == ':' || isspace((unsigned char)*in))
			continue;
		if (!isxdigit((unsigned char)*in) || n == 64)
			return -1;
		out[7 + n++] = (char)tolower((unsigned char)*in);
	}
	out[7 + n] = '\0';
	return n == 64 ? 0 : -1;
}

int
tls_pin_peer(struct tls_pipe *p, const char *server, const char *path,
             char fp[TLS_PIN_FP_SIZE], struct pl_error *err)
{
	X509 *cert;

	fp[0] = '\0';
	if (tls_pipe_verify_result(p) == X509_V_OK)
		return TLS_PIN_MATCH; /* the chain and the name verified */
	if ((cert = tls_pipe_peer_cert(p)) == NULL)
		return pl_error_set(err, PL_ERR_FORBIDDEN,
		                    "certificate_missing",
		                    "%s sent no certificate", server);
	tls_pin_fingerprint(cert, fp);
	X509_free(cert);
	return tls_pin_check(path, server, fp, err);
}
