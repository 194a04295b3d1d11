/*
 * Owns the known_servers file: fingerprints, lookup, pinning (once the user
 * said yes) and the refusal when a pinned certificate changes.
 */
#include "tls_pin.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "state_dir.h"
#include "tls_pipe.h"
#include "xalloc.h"

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

int
tls_pin_check(const char *path, const char *server, const char *fp,
              struct pl_error *err)
{
	FILE *f = fopen(path, "r");
	char line[512], name[300], pinned[TLS_PIN_FP_SIZE];
	int found = 0;

	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%299s %71s", name, pinned) == 2 &&
		    strcmp(name, server) == 0) {
			found = 1;
			break;
		}
	}
	if (f)
		fclose(f);
	if (found && strcmp(pinned, fp) == 0)
		return TLS_PIN_MATCH;
	if (found)
		return pl_error_set(
		    err, PL_ERR_FORBIDDEN, "certificate_changed",
		    "CERTIFICATE OF %s HAS CHANGED to %s: refused (someone may "
		    "be intercepting); if intended, delete its line in %s",
		    server, fp, path);
	return TLS_PIN_UNKNOWN;
}

int
tls_pin_add(const char *path, const char *server, const char *fp,
            struct pl_error *err)
{
	char *dirs = xstrdup(path); /* state_mkdirs writes into it */
	FILE *f;
	int fd;

	state_mkdirs(dirs);
	free(dirs);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (fd < 0 || (f = fdopen(fd, "a")) == NULL)
		return pl_error_set(err, PL_ERR_INTERNAL, "known_servers",
		                    "cannot write %s: %s", path,
		                    strerror(errno));
	fprintf(f, "%s %s\n", server, fp);
	if (fclose(f) != 0)
		return pl_error_set(err, PL_ERR_INTERNAL, "known_servers",
		                    "cannot write %s: %s", path,
		                    strerror(errno));
	return 0;
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
