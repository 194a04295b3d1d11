/*
 * The saved sessions, one per server, so a token only ever goes back to the
 * server that issued it and signing in elsewhere signs nobody out. A file
 * in $XDG_STATE_HOME/padline/sessions/ (0600 in a 0700 directory, through
 * state_dir.c) names its server -- the address as "host:port" or
 * "tls://host:port", and for a pinned TLS server the fingerprint pinned in
 * known_servers -- and a token is loaded only when that matches exactly.
 */
#include "session_file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "protocol.h"
#include "rpc_client.h"
#include "state_dir.h"
#include "tls_pin.h"
#include "xalloc.h"

#define SESSION_FILE_MAX 4096

/* "tls://host:port" or "host:port" into addr; -1 for a bad address. */
static int
session_addr(const char *server, char *addr, size_t size)
{
	char host[256];
	int port, n;

	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT))
		return -1;
	n = snprintf(addr, size, "%s%s:%d",
	             strncmp(server, "tls://", 6) == 0 ? "tls://" : "", host,
	             port);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The server as a session names it: its address, then the pinned
 * fingerprint of a tls:// one (none when a CA verifies it). -1 when the
 * address is bad or known_servers may not be read. */
static int
session_key(const char *server, char *key, size_t size)
{
	char addr[300], fp[TLS_PIN_FP_SIZE], *path;
	struct pl_error err;
	int rc = 0;

	if (session_addr(server, addr, sizeof addr))
		return -1;
	fp[0] = '\0';
	if (strncmp(addr, "tls://", 6) == 0) {
		path = tls_pin_path();
		pl_error_init(&err);
		rc = tls_pin_lookup(path, addr + 6, fp, &err);
		rc = rc == TLS_PIN_MATCH || rc == TLS_PIN_UNKNOWN ? 0 : -1;
		pl_error_clear(&err);
		free(path);
	}
	if (rc == 0 && (size_t)snprintf(key, size, "%s%s%s", addr,
	                                fp[0] ? " " : "", fp) >= size)
		rc = -1;
	return rc;
}

/* sessions/<address as a file name>-<hash of the address>: one file per
 * server, the hash keeping apart addresses that read alike. */
static int
session_file(const char *server, char *buf, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char addr[300], name[400], dir[1024];
	unsigned int mdlen = 0;
	size_t i;
	int n;

	if (session_addr(server, addr, sizeof addr) ||
	    state_path("sessions", dir, sizeof dir))
		return -1;
	EVP_Digest(addr, strlen(addr), md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; addr[i] && i < 64; i++)
		name[i] = isalnum((unsigned char)addr[i]) || addr[i] == '.'
		              ? addr[i]
		              : '-';
	name[i++] = '-';
	for (unsigned int j = 0; j < 8 && j < mdlen; j++, i += 2)
		snprintf(name + i, 3, "%02x", md[j]);
	n = snprintf(buf, size, "%s/%s", dir, name);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* A token as padlined issues it: printable, no spaces, not empty. */
static int
token_ok(const char *t, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isgraph((unsigned char)t[i]))
			return 0;
	return 1;
}

int
session_save(const char *server, const char *token, struct pl_error *err)
{
	char path[1200], key[400], *text;
	int rc;

	if (!token_ok(token, strlen(token)) ||
	    session_key(server, key, sizeof key) ||
	    session_file(server, path, sizeof path))
		return pl_error_set(err, PL_ERR_INTERNAL, "session_file",
		                    "no place to save the session of %s",
		                    server);
	text = xasprintf("server %s\ntoken %s\n", key, token);
	rc = state_file_write(path, text, strlen(text), err);
	free(text);
	return rc;
}

int
session_load(const char *server, char *token, size_t size)
{
	char path[1200], key[400], *text, *line2, *end;
	struct pl_error err;
	size_t klen, tlen;
	int rc = -1;

	token[0] = '\0';
	if (session_key(server, key, sizeof key) ||
	    session_file(server, path, sizeof path))
		return -1;
	pl_error_init(&err);
	if (state_file_read(path, SESSION_FILE_MAX, &text, NULL, &err)) {
		pl_error_clear(&err);
		return -1;
	}
	/* "server KEY\ntoken TOKEN\n": another key (a new pin, another
	 * scheme) means another server, and nothing is sent. */
	klen = strlen(key);
	line2 = text + 7 + klen;
	if (strncmp(text, "server ", 7) == 0 &&
	    strncmp(text + 7, key, klen) == 0 && *line2 == '\n' &&
	    strncmp(line2 + 1, "token ", 6) == 0) {
		line2 += 7;
		end = strchr(line2, '\n');
		tlen = end ? (size_t)(end - line2) : strlen(line2);
		if (token_ok(line2, tlen) && tlen < size) {
			memcpy(token, line2, tlen);
			token[tlen] = '\0';
			rc = 0;
		}
	}
	free(text);
	return rc;
}

void
session_forget(const char *server)
{
	char path[1200];

	if (session_file(server, path, sizeof path) == 0)
		(void)state_file_remove(path);
}

int
session_drop_legacy(void)
{
	char path[1024];

	/* Older clients kept one token for every server in "session". It
	 * cannot say which server issued it, so it is never sent: removed. */
	if (state_path("session", path, sizeof path) || access(path, F_OK) != 0)
		return 0;
	return state_file_remove(path) == 0;
}
