/*
 * The least-privileged Redis user for dashboards and `padline watch`. The
 * command carries the password's SHA-256 (#hex), never the password, so it
 * can be piped, logged or pasted; a generated password is shown once on
 * stderr together with the URL to give the TUI.
 */
#include "cli_redis_acl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "redis_url.h"
#include "xalloc.h"

#define ACL_PASSWORD_BYTES 24
#define ACL_PASSWORD_MAX 512

static int
usage(void)
{
	fprintf(stderr,
	        "usage: padlined [options] redis-acl NAME [--password-stdin]\n"
	        "  prints ACL SETUSER for a Redis user that may only "
	        "SUBSCRIBE to this\n"
	        "  deployment's events channel (and PING); run it with "
	        "redis-cli.\n"
	        "  --password-stdin  the user's password is the first line "
	        "of stdin\n"
	        "                    (else one is generated and printed on "
	        "stderr)\n");
	return 2;
}

static int
name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		      *s == '.'))
			return 0;
	return 1;
}

static int
read_stdin_password(char *buf, size_t size)
{
	if (fgets(buf, (int)size, stdin) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? 0 : -1;
}

/* The URL to give dashboards: the server's Redis, this user, db dropped
 * (pub/sub ignores it and SELECT is not granted). */
static void
print_dashboard_url(const struct config *cfg, const char *name,
                    const char *password)
{
	struct redis_url u;
	struct pl_error err;

	pl_error_init(&err);
	if (redis_url_parse(cfg->redis_url, &u, &err) != 0) {
		pl_error_clear(&err);
		return;
	}
	fprintf(stderr,
	        "padlined: password for Redis user %s (shown once): %s\n"
	        "padlined: dashboards: padline --redis "
	        "redis://%s:%s@%s%s%s:%d\n",
	        name, password, name, password, strchr(u.host, ':') ? "[" : "",
	        u.host, strchr(u.host, ':') ? "]" : "", u.port);
	redis_url_clear(&u);
}

int
cli_redis_acl(const struct config *cfg, int argc, char **argv)
{
	char password[ACL_PASSWORD_MAX], hex[crypto_hash_sha256_BYTES * 2 + 1];
	unsigned char raw[ACL_PASSWORD_BYTES], digest[crypto_hash_sha256_BYTES];
	const char *name = NULL;
	int from_stdin = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = 1;
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else
			return usage();
	}
	if (name == NULL)
		return usage();
	if (!name_ok(name)) {
		fprintf(stderr,
		        "padlined: Redis user name \"%s\": use "
		        "letters, digits, '_', '-' and '.'\n",
		        name);
		return 2;
	}
	if (from_stdin) {
		if (read_stdin_password(password, sizeof password) != 0) {
			fprintf(stderr, "padlined: no password on stdin\n");
			return 2;
		}
	} else {
		randombytes_buf(raw, sizeof raw);
		sodium_bin2hex(password, sizeof password, raw, sizeof raw);
	}
	crypto_hash_sha256(digest, (const unsigned char *)password,
	                   strlen(password));
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	/* reset first: whatever the user could do before is gone. */
	printf("ACL SETUSER %s reset on #%s resetchannels &%s -@all "
	       "+subscribe +unsubscribe +ping\n",
	       name, hex, cfg->events_channel);
	if (!from_stdin)
		print_dashboard_url(cfg, name, password);
	sodium_memzero(password, sizeof password);
	return 0;
}
