/*
 * padlined settings. One table lists every setting with its flag, its
 * environment name, its default and its help line; defaults, the
 * environment, flags and --help are all driven by it, so they cannot drift.
 */
#include "config.h"
#include "db.h"
#include "protocol.h"
#include "redis_url.h"
#include "xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

enum cfg_type { CFG_STR, CFG_INT, CFG_U64, CFG_LISTEN, CFG_REG };

struct cfg_entry {
	const char *flag;
	const char *env;
	enum cfg_type type;
	size_t off;
	const char *def;
	long long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)
static const struct cfg_entry cfg_table[] = {
    {"--database-url", "DATABASE_URL", CFG_STR, OFF(database_url), NULL, 0, 0,
     "PostgreSQL URL or conninfo (else built from POSTGRES_*)"},
    {"--redis-url", "REDIS_URL", CFG_STR, OFF(redis_url),
     "redis://127.0.0.1:6379", 0, 0,
     "Redis for events, locks, rate limits "
     "(redis://[user[:password]@]host[:port][/db], or through Sentinel "
     "redis+sentinel://[user[:password]@]host[:port][,host[:port]...]"
     "/MASTER[/db])"},
    {"--listen", "PADLINE_LISTEN", CFG_LISTEN, 0, PL_DEFAULT_ADDR, 0, 0,
     "HOST:PORT to accept clients on"},
    {"--tls-cert", "PADLINE_TLS_CERT", CFG_STR, OFF(tls_cert), NULL, 0, 0,
     "PEM certificate chain: the listener speaks TLS only"},
    {"--tls-key", "PADLINE_TLS_KEY", CFG_STR, OFF(tls_key), NULL, 0, 0,
     "PEM private key of --tls-cert"},
    {"--trusted-proxies", "PADLINE_TRUSTED_PROXIES", CFG_STR,
     OFF(trusted_proxies), NULL, 0, 0,
     "addresses/networks (CIDR, comma-separated) whose connections start "
     "with a PROXY protocol header naming the client"},
    {"--events-channel", "PADLINE_EVENTS_CHANNEL", CFG_STR, OFF(events_channel),
     NULL, 0, 0,
     "Redis channel for events (default " PL_EVENTS_CHANNEL_PREFIX "<schema>)"},
    {"--events-gather-ms", "PADLINE_EVENTS_GATHER_MS", CFG_INT,
     OFF(events_gather_ms), "20", 0, 1000,
     "milliseconds an event waits for a full signed group of 8 before it "
     "goes out with fewer (0 = at once, one signature for each few)"},
    {"--schema", "PADLINE_SCHEMA", CFG_STR, OFF(schema), "pad_ws", 0, 0,
     "PostgreSQL schema holding padline's tables"},
    {"--workers", "PADLINE_WORKERS", CFG_INT, OFF(workers), "0", 0,
     CONFIG_WORKERS_MAX,
     "worker threads running requests, the most in flight at once but "
     "for pad.create, pad.get and pad.list, which need none (0 = 2 per "
     "core, at least " PL_STR(CONFIG_WORKERS_MIN) ")"},
    {"--pool-size", "PADLINE_POOL_SIZE", CFG_INT, OFF(pool_size), "0", 0, 512,
     "PostgreSQL connections (0 = as many as workers)"},
    {"--hash-concurrency", "PADLINE_HASH_CONCURRENCY", CFG_INT,
     OFF(hash_concurrency), "0", 0, 127,
     "password hashes at once, fewer than workers (0 = one per core, in a quarter of the memory)"},
    {"--registration", "PADLINE_REGISTRATION", CFG_REG, 0, "open", 0, 0,
     "open, invite or closed"},
    {"--secret", "PADLINE_SECRET", CFG_STR, OFF(secret), NULL, 0, 0,
     "secret signing form tokens and events; same on every instance (>= 16 chars)"},
    {"--log", "PADLINE_LOG", CFG_STR, OFF(log_level), "info", 0, 0,
     "log level: debug, info, warn, error"},
    {"--max-line", "PADLINE_MAX_LINE", CFG_INT, OFF(max_line),
     PL_STR(PL_MAX_LINE_DEFAULT), 1024, INT_MAX,
     "longest request line in bytes"},
    {"--max-connections", "PADLINE_MAX_CONNECTIONS", CFG_INT,
     OFF(max_connections), "1024", 1, 1000000, "client connections at once"},
    {"--idle-timeout", "PADLINE_IDLE_TIMEOUT", CFG_INT, OFF(idle_timeout),
     "300", 1, 86400, "seconds a client may stay silent"},
    {"--max-output", "PADLINE_MAX_OUTPUT", CFG_INT, OFF(max_output), "8388608",
     4096, INT_MAX, "bytes of unread replies past which further requests wait"},
    {"--max-connections-per-ip", "PADLINE_MAX_CONNECTIONS_PER_IP", CFG_INT,
     OFF(max_connections_per_ip), "64", 1, 1000000,
     "client connections from one address at once"},
    {"--max-input-total", "PADLINE_MAX_INPUT_TOTAL", CFG_INT,
     OFF(max_input_total), "33554432", 65536, INT_MAX,
     "bytes of request input held for all clients together"},
    {"--max-batch", "PADLINE_MAX_BATCH", CFG_INT, OFF(max_batch), "100", 1,
     100000, "requests in one JSON-RPC batch"},
    {"--migrations-dir", "PADLINE_MIGRATIONS_DIR", CFG_STR, OFF(migrations_dir),
     NULL, 0, 0, "directory of *.sql migrations"},
    {"--templates-dir", "PADLINE_TEMPLATES_DIR", CFG_STR, OFF(templates_dir),
     NULL, 0, 0, "directory of *.json pad templates"},
    {"--max-backups", "PADLINE_MAX_BACKUPS", CFG_INT, OFF(max_backups), "10", 0,
     10000, "backups kept per pad"},
    {"--backup-min-interval", "PADLINE_BACKUP_MIN_INTERVAL", CFG_INT,
     OFF(backup_min_interval), "0", 0, 86400 * 365,
     "seconds between two backups of a pad (0 = every change)"},
    {"--max-pad-bytes", "PADLINE_MAX_PAD_BYTES", CFG_INT, OFF(max_pad_bytes),
     "1048576", 2, INT_MAX, "largest pad data in bytes (as compact JSON)"},
    {"--trash-days", "PADLINE_TRASH_DAYS", CFG_INT, OFF(trash_days), "30", 0,
     36500, "days a deleted pad stays in the trash before it is purged"},
    {"--trash-purge-interval", "PADLINE_TRASH_PURGE_INTERVAL", CFG_INT,
     OFF(trash_purge_interval), "600", 1, 86400,
     "seconds between purges of expired pads from the trash"},
    {"--session-ttl", "PADLINE_SESSION_TTL", CFG_INT, OFF(session_ttl), "43200",
     1, 86400 * 365,
     "seconds a session lives at most after its sign-in, used or not"},
    {"--session-idle", "PADLINE_SESSION_IDLE", CFG_INT, OFF(session_idle),
     "1800", 1, 86400 * 365, "seconds a session lives without a request"},
    {"--reauth-window", "PADLINE_REAUTH_WINDOW", CFG_INT, OFF(reauth_window),
     "300", 0, 86400,
     "seconds after a sign-in or session.reauth that user.update, "
     "user.delete and user.totp_disable are allowed"},
    {"--pwhash-opslimit", "PADLINE_PWHASH_OPSLIMIT", CFG_U64,
     OFF(pwhash_opslimit), NULL, 1, 64,
     "argon2id passes (default INTERACTIVE)"},
    {"--pwhash-memlimit", "PADLINE_PWHASH_MEMLIMIT", CFG_U64,
     OFF(pwhash_memlimit), NULL, 8192, 1LL << 32,
     "argon2id memory in bytes (default INTERACTIVE, 64 MiB)"},
    {"--login-max-failures", "PADLINE_LOGIN_MAX_FAILURES", CFG_INT,
     OFF(login_max_failures), "5", 1, 1000000,
     "wrong guesses (sign-ins, current passwords, codes) per account within "
     "the window before 429"},
    {"--login-max-failures-ip", "PADLINE_LOGIN_MAX_FAILURES_IP", CFG_INT,
     OFF(login_max_failures_ip), "50", 1, 1000000,
     "wrong guesses per client address within the window before 429"},
    {"--login-window", "PADLINE_LOGIN_WINDOW", CFG_INT, OFF(login_window),
     "900", 1, 86400, "seconds the login failure counters cover"},
    {"--login-limit-fallback", "PADLINE_LOGIN_LIMIT_FALLBACK", CFG_STR,
     OFF(login_limit_fallback), "postgres", 0, 0,
     "while Redis is away, login failures count in postgres (shared), "
     "memory (per instance) or closed (sign-ins refused, 503)"},
    {"--form-token-ttl", "PADLINE_FORM_TOKEN_TTL", CFG_INT, OFF(form_token_ttl),
     "600", 1, 86400, "seconds a form token is valid"},
    {"--db-connect-timeout", "PADLINE_DB_CONNECT_TIMEOUT", CFG_INT,
     OFF(db_connect_timeout), "3", 1, 60,
     "seconds per PostgreSQL connection attempt"},
    {"--db-query-timeout", "PADLINE_DB_QUERY_TIMEOUT", CFG_INT,
     OFF(db_query_timeout), PL_STR(DB_QUERY_TIMEOUT_DEFAULT), 1, 3600,
     "seconds a statement may take before it is cancelled (503)"},
    {"--startup-db-wait", "PADLINE_STARTUP_DB_WAIT", CFG_INT,
     OFF(startup_db_wait), "60", 0, 3600,
     "seconds to keep retrying PostgreSQL at startup"},
    {"--migrate-wait", "PADLINE_MIGRATE_WAIT", CFG_INT, OFF(migrate_wait),
     "300", 1, 3600, "seconds to wait for another instance's migration"},
    {"--db-prepare", "PADLINE_DB_PREPARE", CFG_STR, OFF(db_prepare), "on", 0, 0,
     "on: prepare statements per connection; off: unnamed (PgBouncer)"},
    {"--metrics-listen", "PADLINE_METRICS_LISTEN", CFG_STR, OFF(metrics_listen),
     NULL, 0, 0, "HOST:PORT serving GET /metrics for Prometheus (unset: none)"},
    /* Signup defense. */
    {"--breached-passwords", "PADLINE_BREACHED_PASSWORDS", CFG_STR,
     OFF(breached_passwords), NULL, 0, 0,
     "SHA-1 breach list (HASH:COUNT text or breached-import's binary): "
     "passwords in it are refused"},
    {"--disposable-extra", "PADLINE_DISPOSABLE_EXTRA", CFG_STR,
     OFF(disposable_extra), NULL, 0, 0,
     "more disposable email domains, one a line, besides the shipped list"},
    {"--signup-retention", "PADLINE_SIGNUP_RETENTION", CFG_INT,
     OFF(signup_retention), "30", 1, 3650,
     "days registration attempts are kept"},
    {"--reject-purge-days", "PADLINE_REJECT_PURGE_DAYS", CFG_INT,
     OFF(reject_purge_days), "30", 0, 3650,
     "days a rejected account is kept before it is deleted (0: at the next "
     "purge)"},
    {"--drain-timeout", "PADLINE_DRAIN_TIMEOUT", CFG_INT, OFF(drain_timeout),
     "10", 0, 3600,
     "seconds a stopping padlined waits for answers and for its clients to "
     "leave"},
};
#undef OFF
#define CFG_COUNT (sizeof cfg_table / sizeof cfg_table[0])

const char *
config_registration_name(enum registration_mode m)
{
	return m == REG_INVITE ? "invite" : m == REG_CLOSED ? "closed" : "open";
}

/* HOST:PORT into a new host string and a port (0 to 65535); -1 when value
 * is not that. */
static int
split_host_port(const char *value, char **host, int *port)
{
	const char *colon = strrchr(value, ':');
	char *end;
	long long n;

	errno = 0;
	n = colon ? strtoll(colon + 1, &end, 10) : -1;
	if (colon == NULL || colon == value || errno || *end || n < 0 ||
	    n > 65535)
		return -1;
	*host = xstrndup(value, (size_t)(colon - value));
	*port = (int)n;
	return 0;
}

static int
config_set(struct config *c, const struct cfg_entry *e, const char *value,
           struct pl_error *err)
{
	char *end;
	long long n;

	switch (e->type) {
	case CFG_STR: {
		char **slot = (char **)((char *)c + e->off);

		free(*slot);
		*slot = xstrdup(value);
		return 0;
	}
	case CFG_INT:
	case CFG_U64:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end || n < e->min || n > e->max)
			return pl_error_set(
			    err, PL_ERR_VALIDATION, "config",
			    "%s/%s: expected a number from %lld "
			    "to %lld, got \"%s\"",
			    e->flag, e->env, e->min, e->max, value);
		if (e->type == CFG_U64)
			*(unsigned long long *)((char *)c + e->off) =
			    (unsigned long long)n;
		else if (e->off == offsetof(struct config, max_line))
			c->max_line = (long)n;
		else
			*(int *)((char *)c + e->off) = (int)n;
		return 0;
	case CFG_LISTEN: {
		char *host;
		int port;

		if (split_host_port(value, &host, &port) != 0)
			return pl_error_set(err, PL_ERR_VALIDATION, "config",
			                    "%s/%s: expected HOST:PORT, got "
			                    "\"%s\"",
			                    e->flag, e->env, value);
		free(c->listen_host);
		c->listen_host = host;
		c->listen_port = port;
		return 0;
	}
	case CFG_REG:
		if (strcmp(value, "open") == 0)
			c->registration = REG_OPEN;
		else if (strcmp(value, "invite") == 0)
			c->registration = REG_INVITE;
		else if (strcmp(value, "closed") == 0)
			c->registration = REG_CLOSED;
		else
			return pl_error_set(err, PL_ERR_VALIDATION, "config",
			                    "%s/%s: expected open, invite or "
			                    "closed, got \"%s\"",
			                    e->flag, e->env, value);
		return 0;
	}
	return 0;
}

/* The POSTGRES_* settings, used when DATABASE_URL is not given. */
static char *
config_conninfo_from_parts(void)
{
	const char *host = getenv("POSTGRES_HOST"),
	           *port = getenv("POSTGRES_PORT");
	const char *user = getenv("POSTGRES_USER"),
	           *pass = getenv("POSTGRES_PASSWORD");
	const char *db = getenv("POSTGRES_DB");
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);

	if (f == NULL)
		return NULL;
	/* Each value is quoted per libpq's conninfo rules. */
	const char *keys[] = {"host", "port", "user", "password", "dbname"};
	const char *vals[] = {host ? host : "127.0.0.1", port ? port : "5432",
	                      user ? user : "postgres", pass,
	                      db ? db : "padline"};
	for (int i = 0; i < 5; i++) {
		if (vals[i] == NULL)
			continue;
		fprintf(f, "%s%s='", i ? " " : "", keys[i]);
		for (const char *p = vals[i]; *p; p++) {
			if (*p == '\'' || *p == '\\')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputc('\'', f);
	}
	fclose(f);
	return s;
}

int
config_init(struct config *c, struct pl_error *err)
{
	memset(c, 0, sizeof *c);
	c->pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	c->pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	for (size_t i = 0; i < CFG_COUNT; i++) {
		const struct cfg_entry *e = &cfg_table[i];
		const char *v = getenv(e->env);

		if (e->def && config_set(c, e, e->def, err) != 0)
			return err->code;
		if (v && *v && config_set(c, e, v, err) != 0)
			return err->code;
	}
	if (c->database_url == NULL)
		c->database_url = config_conninfo_from_parts();
	return 0;
}

int
config_parse_args(struct config *c, int argc, char **argv, int *first_arg,
                  int *want_help, int *want_version, struct pl_error *err)
{
	*first_arg = -1;
	*want_help = *want_version = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *value;
		size_t flen;
		const struct cfg_entry *e = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*want_help = 1;
			continue;
		}
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			*want_version = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			/* Subcommand words and their own flags are left for
			 * the subcommand; global flags must come first. */
			*first_arg = i;
			return 0;
		}
		eq = strchr(a, '=');
		flen = eq ? (size_t)(eq - a) : strlen(a);
		for (size_t k = 0; k < CFG_COUNT; k++)
			if (strlen(cfg_table[k].flag) == flen &&
			    strncmp(cfg_table[k].flag, a, flen) == 0)
				e = &cfg_table[k];
		if (e == NULL)
			return pl_error_set(err, PL_ERR_VALIDATION, "config",
			                    "unknown option %s (see --help)",
			                    a);
		if (eq)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return pl_error_set(err, PL_ERR_VALIDATION, "config",
			                    "option %s needs a value", a);
		if (config_set(c, e, value, err) != 0)
			return err->code;
	}
	return 0;
}

/* The trusted proxies, parsed once here for the listener. */
static int
config_validate_proxies(struct config *c, struct pl_error *err)
{
	struct pl_error perr;

	pl_error_init(&perr);
	proxy_trust_clear(&c->proxy_trust);
	if (proxy_trust_parse(c->trusted_proxies, &c->proxy_trust, &perr) == 0)
		return 0;
	pl_error_set(err, perr.code, "config",
	             "PADLINE_TRUSTED_PROXIES (or --trusted-proxies): %s",
	             perr.message);
	pl_error_clear(&perr);
	return err->code;
}

int
config_validate(struct config *c, struct pl_error *err)
{
	struct redis_url ru;
	struct pl_error url_err;

	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cores < 1)
		cores = 1;
	/* Requests mostly wait on PostgreSQL, and a worker waits with its
	 * request: the workers (and so the pool) are what may be in flight
	 * at once, not what keeps the cores busy. A durable server commits
	 * the transactions that wait together with one WAL flush, so more
	 * in flight is more commits per flush; a slow statement holds only
	 * its own worker. Hashes are all CPU, so one per core is the most
	 * that helps, and fewer than the workers leaves some for the rest. */
	if (c->workers == 0) {
		long w = cores * 2;

		c->workers = (int)(w < CONFIG_WORKERS_MIN   ? CONFIG_WORKERS_MIN
		                   : w > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX
		                                            : w);
	}
	if (c->workers < 2)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "at least 2 workers are needed (one may "
		                    "hash a password while the other answers)");
	if (c->pool_size == 0)
		c->pool_size = c->workers;
	if (c->hash_concurrency == 0) {
		/* ... and never more hashes at once than a quarter of the
		 * memory holds (each takes pwhash_memlimit). */
		long pages = sysconf(_SC_PHYS_PAGES),
		     psz = sysconf(_SC_PAGESIZE);
		unsigned long long quarter =
		    pages > 0 && psz > 0 ? (unsigned long long)pages *
		                               (unsigned long long)psz / 4
		                         : 0;
		long n = cores < c->workers - 1 ? cores : c->workers - 1;

		if (quarter > 0 && c->pwhash_memlimit > 0 &&
		    (unsigned long long)n * c->pwhash_memlimit > quarter)
			n = (long)(quarter / c->pwhash_memlimit);
		c->hash_concurrency = n < 1 ? 1 : (int)n;
	}
	if (c->hash_concurrency >= c->workers)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "hash concurrency (%d) must be below the "
		                    "worker count (%d) so hashing never "
		                    "starves other requests",
		                    c->hash_concurrency, c->workers);
	/* A pad at the limit must fit a request line, with its envelope and
	 * a client's escaping (\u00e9 for é) around it. */
	if ((long long)c->max_pad_bytes + 65536 > (long long)c->max_line)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "PADLINE_MAX_LINE (%ld) must exceed "
		                    "PADLINE_MAX_PAD_BYTES (%d) by at least "
		                    "65536 bytes, or a pad at the size limit "
		                    "cannot be saved",
		                    c->max_line, c->max_pad_bytes);
	if (c->secret == NULL || strlen(c->secret) < 16)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "PADLINE_SECRET (or --secret) must be set "
		                    "to at least 16 characters; it signs form "
		                    "tokens and must match on every instance");
	if (c->database_url == NULL)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "no database configured: set DATABASE_URL");
	pl_error_init(&url_err);
	if (redis_url_parse(c->redis_url, &ru, &url_err)) {
		pl_error_set(err, url_err.code, "config",
		             "REDIS_URL (or --redis-url): %s", url_err.message);
		pl_error_clear(&url_err);
		return err->code;
	}
	redis_url_clear(&ru);
	for (const char *p = c->schema; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return pl_error_set(err, PL_ERR_VALIDATION, "config",
			                    "schema name \"%s\": use lowercase "
			                    "letters, digits and _",
			                    c->schema);
	if (strcmp(c->db_prepare, "on") != 0 &&
	    strcmp(c->db_prepare, "off") != 0)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "PADLINE_DB_PREPARE must be on or off, not "
		                    "\"%s\"",
		                    c->db_prepare);
	if (strcmp(c->login_limit_fallback, "memory") != 0 &&
	    strcmp(c->login_limit_fallback, "postgres") != 0 &&
	    strcmp(c->login_limit_fallback, "closed") != 0)
		return pl_error_set(
		    err, PL_ERR_VALIDATION, "config",
		    "PADLINE_LOGIN_LIMIT_FALLBACK must be memory, "
		    "postgres or closed, not \"%s\"",
		    c->login_limit_fallback);
	if ((c->tls_cert == NULL) != (c->tls_key == NULL))
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "TLS needs both PADLINE_TLS_CERT and "
		                    "PADLINE_TLS_KEY");
	if (config_validate_proxies(c, err) != 0)
		return err->code;
	if (c->events_channel == NULL)
		c->events_channel =
		    xasprintf("%s%s", PL_EVENTS_CHANNEL_PREFIX, c->schema);
	if (c->events_channel[0] == '\0' ||
	    strpbrk(c->events_channel, " \t\r\n*?[") != NULL)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "events channel \"%s\": use a plain name "
		                    "without spaces or glob characters",
		                    c->events_channel);
	free(c->metrics_host);
	c->metrics_host = NULL;
	if (c->metrics_listen != NULL && c->metrics_listen[0] != '\0' &&
	    split_host_port(c->metrics_listen, &c->metrics_host,
	                    &c->metrics_port) != 0)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "--metrics-listen/PADLINE_METRICS_LISTEN: "
		                    "expected HOST:PORT, got \"%s\"",
		                    c->metrics_listen);
	if (strcmp(c->log_level, "debug") != 0 &&
	    strcmp(c->log_level, "info") != 0 &&
	    strcmp(c->log_level, "warn") != 0 &&
	    strcmp(c->log_level, "error") != 0)
		return pl_error_set(err, PL_ERR_VALIDATION, "config",
		                    "unknown log level \"%s\"", c->log_level);
	return 0;
}

void
config_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: padlined [options] [command]\n"
	    "\n"
	    "commands:\n"
	    "  serve                         serve clients (the default)\n"
	    "  migrate                       apply migrations and exit\n"
	    "  migrate --to VERSION [--force]\n"
	    "                                move the schema up or down "
	    "to VERSION\n"
	    "  migrate --status              list applied and pending "
	    "migrations;\n"
	    "                                exit 3 if one is changed, "
	    "unknown or newer\n"
	    "  create-user NAME [--admin] [--email ADDR]\n"
	    "                                create a user; password on "
	    "stdin\n"
	    "  passwd NAME                   set a password (on stdin); "
	    "ends\n"
	    "                                all the user's sessions\n"
	    "  disable NAME | enable NAME    disabling ends all the "
	    "user's\n"
	    "                                sessions\n"
	    "  list-users                    users: roles, state, 2FA, "
	    "last login\n"
	    "  rules list | rules rm ID|NAME signup defense rules\n"
	    "  rules add NAME WHEN alarm|hold|block [--mode enforce|shadow]\n"
	    "            [--threshold N] [--window SECONDS] [--disabled]\n"
	    "                                add, or replace by name\n"
	    "  rules test [--since 24h] [--rule ID|NAME]\n"
	    "                                replay stored attempts against the rules\n"
	    "  breached-import IN OUT        turn a sorted HASH:COUNT "
	    "breach list into\n"
	    "                                the binary form "
	    "PADLINE_BREACHED_PASSWORDS\n"
	    "                                searches fastest\n"
	    "  redis-acl NAME [--password-stdin]\n"
	    "                                print ACL SETUSER for a "
	    "subscribe-only\n"
	    "                                Redis user (dashboards)\n"
	    "\n"
	    "options (each also read from the environment variable "
	    "shown):\n");
	for (size_t i = 0; i < CFG_COUNT; i++) {
		const struct cfg_entry *e = &cfg_table[i];
		char left[64];

		snprintf(left, sizeof left, "%s VALUE", e->flag);
		fprintf(f, "  %-30s %s\n  %-30s   env %s%s%s\n", left, e->help,
		        "", e->env, e->def ? ", default " : "",
		        e->def ? e->def : "");
	}
	fprintf(f, "  %-30s %s\n  %-30s %s\n", "--help", "show this help",
	        "--version", "show the version");
	fprintf(f, "\nWithout DATABASE_URL the settings POSTGRES_HOST, "
	           "POSTGRES_PORT, POSTGRES_USER,\nPOSTGRES_PASSWORD and "
	           "POSTGRES_DB are used (defaults 127.0.0.1, 5432,\npostgres, "
	           "none, padline).\n");
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < CFG_COUNT; i++)
		if (cfg_table[i].type == CFG_STR)
			free(*(char **)((char *)c + cfg_table[i].off));
	free(c->listen_host);
	proxy_trust_clear(&c->proxy_trust);
	free(c->metrics_host);
	memset(c, 0, sizeof *c);
}
