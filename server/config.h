/*
 * padlined's configuration: defaults, then the environment (the names in
 * docs/operations.md), then command-line flags. config_usage() is the --help
 * text, so the table in config.c is the single list of every setting.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include <stdio.h>

#include "pl_error.h"
#include "proxy_proto.h"

enum registration_mode { REG_OPEN, REG_INVITE, REG_CLOSED };

/* Default workers: 2 per core, but never fewer than a durable PostgreSQL
 * wants in flight to share its WAL flushes (docs/operations.md, "How
 * transactions reach PostgreSQL"). */
#define CONFIG_WORKERS_MIN 32
#define CONFIG_WORKERS_MAX 128

struct config {
	char *database_url; /* libpq conninfo or URL */
	char *redis_url;    /* redis://[user[:password]@]host[:port][/db] */
	char *listen_host;  /* from PADLINE_LISTEN host:port */
	int listen_port;
	char *schema;         /* PostgreSQL schema, default pad_ws */
	char *events_channel; /* Redis channel; padline:events:<schema> */
	int events_gather_ms; /* the longest wait for a full signed group */
	char *tls_cert;       /* PEM; with tls_key the listener is TLS-only */
	char *tls_key;
	char *trusted_proxies;          /* PADLINE_TRUSTED_PROXIES as given */
	struct proxy_trust proxy_trust; /* ... parsed by config_validate */
	int workers;   /* libuv threadpool size: requests in flight at once */
	int pool_size; /* PostgreSQL connections */
	int hash_concurrency; /* argon2 hashes at once, < workers */
	enum registration_mode registration;
	char *secret; /* form-token signing secret */
	char *log_level;
	long max_line;              /* bytes per request line */
	int max_connections;        /* client connections at once */
	int idle_timeout;           /* seconds without a request before close */
	int max_output;             /* bytes of unread replies before a drop */
	int max_connections_per_ip; /* client connections from one address */
	int max_input_total; /* bytes of queued input over all connections */
	int max_batch;       /* requests in one JSON-RPC batch */
	char *migrations_dir;
	char *templates_dir;
	int max_backups;          /* backups kept per pad */
	int backup_min_interval;  /* seconds between backups of one pad */
	int max_pad_bytes;        /* bytes of a pad's data (compact JSON) */
	int trash_days;           /* days a deleted pad stays in the trash */
	int trash_purge_interval; /* seconds between purges of expired pads */
	int session_ttl;          /* seconds, absolute */
	int session_idle;         /* seconds without a request */
	int reauth_window;        /* seconds a session stays fresh */
	unsigned long long pwhash_opslimit;
	unsigned long long pwhash_memlimit;
	int login_max_failures;     /* per username within login_window */
	int login_max_failures_ip;  /* per peer address within login_window */
	int login_window;           /* seconds */
	char *login_limit_fallback; /* memory, postgres or closed: where the
	                               login counters go while Redis is away */
	int form_token_ttl;         /* seconds */
	int db_connect_timeout;     /* seconds, per attempt */
	int db_query_timeout;       /* seconds per statement or batch */
	int startup_db_wait;  /* seconds to keep retrying PostgreSQL at start */
	int migrate_wait;     /* seconds a waiter polls the migration status */
	char *db_prepare;     /* "on": named prepared statements; "off":
	                         unnamed ones (PgBouncer transaction pooling) */
	char *metrics_listen; /* PADLINE_METRICS_LISTEN; NULL or "": no
	                         metrics endpoint */
	char *metrics_host;   /* split from metrics_listen by config_validate */
	int metrics_port;
	/* Signup defense. */
	char *breached_passwords; /* breach list file, NULL: no check */
	char *disposable_extra;   /* admin's disposable domains, or NULL */
	int signup_retention;     /* days registration attempts are kept */
	int reject_purge_days;    /* days a rejected account is kept */
	int drain_timeout; /* seconds a stop waits for answers and clients */
};

/* Fills defaults and applies the environment. */
int config_init(struct config *, struct pl_error *);
/*
 * Applies flags from argv starting at *optind-style index; unknown flags are
 * an error. Non-flag words are left in place: returns the index of the first
 * one (the subcommand) in *first_arg. Sets *want_help / *want_version.
 */
int config_parse_args(struct config *, int argc, char **argv, int *first_arg,
                      int *want_help, int *want_version, struct pl_error *);
/* Checks cross-field rules (hash_concurrency < workers, ...). */
int config_validate(struct config *, struct pl_error *);
void config_usage(FILE *);
void config_free(struct config *);
const char *config_registration_name(enum registration_mode);

#endif
