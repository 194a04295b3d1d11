/*
 * Test support shared by every suite: real padlined processes, a line-based
 * JSON-RPC client over TCP, and direct PostgreSQL / Redis access for
 * asserting what landed. Services come from scripts/stack via DATABASE_URL
 * and REDIS_URL; the padlined binary from PADLINE_BIN (set by CMake).
 * Nothing here mocks anything: every call talks to a real server.
 */
#ifndef PL_TSUPPORT_H
#define PL_TSUPPORT_H

#include <check.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <sys/types.h>

/* A padlined child process. */
struct ts_server {
	pid_t pid;
	int port;
	char schema[64];
	char log_path[512]; /* its stderr, kept for grepping */
};

/*
 * A fresh schema name, unique per process and call ("t_<prefix>_<pid>_<n>"),
 * written to buf. The schema does not exist yet. PADLINE_TEST_SCHEMA, when
 * set, is used instead (and PADLINE_TEST_SERVER_DATABASE_URL, when set, is
 * the DATABASE_URL padlined children get): pgbouncer_test routes suites
 * through a pooler that way.
 */
const char *ts_unique_schema(const char *prefix, char *buf, size_t size);

/*
 * Starts padlined (serve) on a free loopback port with PADLINE_SCHEMA=schema,
 * the stack's DATABASE_URL/REDIS_URL, PADLINE_SECRET set, and extra_env
 * ("NAME=value" strings, NULL-terminated, may be NULL) added or overriding.
 * args (NULL-terminated, may be NULL) are extra command-line flags. Waits up
 * to 60 s until it accepts connections. PADLINE_TEST_LISTEN_HOST, when set
 * in the test's environment, replaces 127.0.0.1 as the listen host (say
 * 0.0.0.0, which loopback still reaches). Returns 0, or -1 (and prints its log)
 * if it exited or never listened.
 */
int ts_server_start(struct ts_server *, const char *schema,
                    const char *const *extra_env, const char *const *args);
/* Starts s again (after it stopped) on its port and schema, as
 * ts_server_start would: a load balancer in front finds it where it was. */
int ts_server_restart(struct ts_server *, const char *const *extra_env,
                      const char *const *args);
/* SIGTERM, wait up to 15 s, then SIGKILL. Returns the exit status (waitpid). */
int ts_server_stop(struct ts_server *);
/* The same wait without the SIGTERM, for a test that sent its own (a
 * second one could meet padlined after it let go of its handler). */
int ts_server_wait(struct ts_server *);
/* SIGKILL and reap. */
void ts_server_kill(struct ts_server *);
/* Runs `padlined <args...>` to completion with the same environment as
 * ts_server_start; stdin_text (may be NULL) is written to its stdin; stdout
 * and stderr are captured into *out / *errout (malloc'd, caller frees; either
 * pointer may be NULL). Returns the exit code, or -1 if it did not exit
 * normally within timeout_s. */
int ts_padlined_run(const char *schema, const char *const *extra_env,
                    const char *const *args, const char *stdin_text,
                    int timeout_s, char **out, char **errout);

/*
 * How long a test waits for something that should happen promptly (a reply,
 * an event, a relay pass). Generous on purpose: it only catches a hang, so a
 * loaded 2-core CI machine never fails a test by being slow.
 */
#define TS_PATIENCE_MS 60000

/* A client connection to a padlined. */
struct ts_client;
struct ts_client *ts_client_connect(int port); /* NULL on failure */
/* The same from a given local IPv4 address (any of 127.0.0.0/8 is loopback
 * on Linux): how a test looks like several hosts. */
struct ts_client *ts_client_connect_from(const char *src, int port);
/* The socket, for tests that poll it themselves. */
int ts_client_fd(const struct ts_client *);
/*
 * A PROXY protocol v2 header in out (at least 16 + 36 + tlv_bytes bytes):
 * LOCAL when src is NULL, else PROXY over TCP from src (IPv4 or IPv6 text)
 * to dst, followed by tlv_bytes of a padding TLV (0, or at least 3).
 * Returns its length.
 */
size_t ts_proxy_v2(unsigned char *out, const char *src, const char *dst,
                   size_t tlv_bytes);
/* A connection to port on which a trusted proxy (padlined trusting
 * 127.0.0.1) says it speaks for src (IPv4 or IPv6 text): how a test gives
 * a client an address. NULL on failure. */
struct ts_client *ts_client_proxied(int port, const char *src);
void ts_client_free(struct ts_client *);
/* Sends bytes as is (no newline added). Returns 0 or -1. */
int ts_client_send_raw(struct ts_client *, const char *data, size_t len);
/* Reads one line (without '\n'), waiting up to timeout_ms; malloc'd or NULL
 * on timeout / EOF (then *eof, if given, tells which). */
char *ts_client_read_line(struct ts_client *, int timeout_ms, int *eof);
/* Ends the sending side (the server reads the end of the stream) and
 * keeps reading possible. Returns 0 or -1. */
int ts_client_shutdown_write(struct ts_client *);
/* Reads until the server closes the connection, waiting up to timeout_ms
 * in all: everything not read yet (malloc'd, NUL-terminated, its length in
 * *len when len is not NULL), or NULL on timeout or a read error. */
char *ts_client_read_all(struct ts_client *, int timeout_ms, size_t *len);
/*
 * Sends {"jsonrpc":"2.0","id":<next>,"method":method,"params":params} and
 * returns the parsed response whose id matches (new reference), or NULL on
 * timeout (TS_PATIENCE_MS) or a closed connection. params is stolen (may be
 * NULL).
 */
json_t *ts_call(struct ts_client *, const char *method, json_t *params);
/* The error code of a response, 0 if it has a result. */
int ts_error_code(const json_t *response);
/* response.error.data.reason, or "" */
const char *ts_error_reason(const json_t *response);
/* response.result (borrowed), or NULL */
json_t *ts_result(const json_t *response);

/* Direct database access for assertions (search_path = schema, public). */
PGconn *ts_db_connect(const char *schema);
/* First column of the first row of sql as a long long; fails the test on
 * error. Parameters are text, nparams may be 0. */
long long ts_db_count(PGconn *, const char *sql, int nparams,
                      const char *const *params);
/* Polls ts_db_count until it returns want or timeout_ms passes; returns
 * the last value (for things done shortly after a reply, like marking an
 * event published). */
long long ts_db_wait_count(PGconn *, const char *sql, int nparams,
                           const char *const *params, long long want,
                           int timeout_ms);
/* Runs sql, fails the test on error. */
void ts_db_exec(PGconn *, const char *sql);
/* DROP SCHEMA ... CASCADE, ignoring errors. */
void ts_db_drop_schema(const char *schema);

/* The channel padlined publishes schema's events on by default
 * (padline:events:<schema>), written to buf. */
const char *ts_events_channel(const char *schema, char *buf, size_t size);

/* A message from an events channel, checked against the key padlined
 * derives from the suites' secret (event_sig.h): the event (new reference),
 * or NULL when it is not signed by that key or not JSON. */
json_t *ts_event_open(const char *msg, size_t len);
/* That key pair (32 and 64 bytes), for suites that sign as padlined does. */
void ts_event_keys(unsigned char *pk, unsigned char *sk);

/* A Redis connection to the stack's REDIS_URL, NULL on failure. */
redisContext *ts_redis_connect(void);
/* The same to any Redis URL (AUTH and SELECT from it); NULL on failure. */
redisContext *ts_redis_connect_url(const char *url);

/* A private redis-server child on a free loopback port, for suites that
 * need a Redis configured their way (requirepass, ACL users). */
struct ts_redis {
	pid_t pid;
	int port;
};
/* Starts redis-server with extra args ("--requirepass", "pw", NULL-ended,
 * may be NULL) and waits until it listens. Returns 0 or -1. */
int ts_redis_start(struct ts_redis *, const char *const *args);
/* SIGKILL and reap (nothing in it is worth saving). */
void ts_redis_stop(struct ts_redis *);

/* HAProxy running dist/haproxy.cfg (the configuration docs/operations.md
 * shows) with only its addresses replaced, plus a stats socket. */
struct ts_haproxy {
	pid_t pid;
	int port; /* the frontend, on 127.0.0.1 */
	char dir[64];
	char sock[100];     /* admin stats socket */
	char log_path[128]; /* its output: server state changes */
};
/* The frontend on a free port and the file's first n server lines (of
 * those it has) on 127.0.0.1 ports[0..n-1]; waits until it listens.
 * Returns 0 or -1 (the reason on stderr). */
int ts_haproxy_start(struct ts_haproxy *, const int *ports, int n);
/* Polls server.health through it (connecting from src, NULL for
 * 127.0.0.1) until an instance answers: 0, or -1 when it never did or
 * HAProxy exited. */
int ts_haproxy_wait_served(const struct ts_haproxy *, const char *src);
/* SIGTERM, reap, and remove its files. */
void ts_haproxy_stop(struct ts_haproxy *);
/* A runtime API command's answer ("show stat"), malloc'd; NULL when the
 * socket does not answer. */
char *ts_haproxy_command(const struct ts_haproxy *, const char *command);
/* Writes path: dist/haproxy.cfg with a global section for the stats
 * socket sock, its bind on 127.0.0.1:lb_port and its first n server lines
 * on 127.0.0.1 ports[0..n-1] (the others left out). 0, or -1 when the file
 * does not have n server lines and one bind line (said on stderr). */
int ts_haproxy_write_config(const char *path, const char *sock, int lb_port,
                            const int *ports, int n);
/* A server of backend padlined as "show stat" has it. */
struct ts_haproxy_server {
	char name[64];
	char status[32]; /* UP, DOWN, "UP 1/2", MAINT... */
	int went_down;   /* chkdown: UP to DOWN transitions */
};
/* The backend's servers in the config's order, at most max into out: how
 * many, or -1 when the stats socket did not answer. The one reader of
 * "show stat" (tests/support/ts_haproxy_cli.c gives it to the shell). */
int ts_haproxy_servers(const struct ts_haproxy *, struct ts_haproxy_server *out,
                       int max);
/* Polls the stats socket until the i'th server (0-based, in the order of
 * ports) has status exactly: 0, or -1 when it never had. */
int ts_haproxy_wait_status(const struct ts_haproxy *, int i,
                           const char *status);
/* ts_haproxy_wait_status(UP), as an operator waits before restarting the
 * next one. */
int ts_haproxy_wait_up(const struct ts_haproxy *, int i);
/* Connects to port and resumes the session of token (session.resume),
 * trying again until it works or timeout_ms passes (then NULL): how a
 * client gets back in after losing its instance behind a balancer. */
struct ts_client *ts_client_resume(int port, const char *token, int timeout_ms);

/*
 * A fresh self-signed certificate (EC P-256, CN=cn, SAN 127.0.0.1 and
 * localhost) and its key as PEM files dir/<cn>.crt and dir/<cn>.key; the
 * paths are written to cert and key (size 512 each). Returns 0 or -1.
 */
int ts_tls_make_cert(const char *dir, const char *cn, char *cert, char *key);

/* What the TLS suites share: a temporary directory with a server
 * certificate ("padlined") and another one ("impostor"), and the
 * PADLINE_TLS_CERT=/PADLINE_TLS_KEY= strings for ts_server_start. */
struct ts_tls_files {
	char dir[64];
	char cert[512], key[512];
	char other_cert[512], other_key[512];
	char env_cert[600], env_key[600];
};
/* Fails the test when the files cannot be made. */
void ts_tls_files_make(struct ts_tls_files *);
/* Removes the directory and everything in it. */
void ts_tls_files_remove(struct ts_tls_files *);

/* The whole file as a string (malloc'd; "" if unreadable), for grepping
 * logs. */
char *ts_file_read(const char *path);
/* Removes dir and everything below it (links themselves, never their
 * targets): a test's own temporary directory. */
void ts_remove_tree(const char *dir);

/* Runs `scripts/stack <action>` (start-pg, stop-pg, kill-pg, start-redis,
 * stop-redis, kill-redis ...); returns its exit code. Only e2e_fault_*
 * suites, which ctest runs alone, may stop the shared services. */
int ts_stack(const char *action);

/* A free TCP port on loopback (not handed out twice in this process), for
 * a second listener of a server or a helper process; -1 if none. */
int ts_free_port(void);

/*
 * HTTP/1.1 to 127.0.0.1:port (tsupport_http.c): the request bytes as
 * given, then everything until the server closes (Connection: close).
 * Returns the status code, or -1 when there was no answer within
 * TS_PATIENCE_MS; *response (when not NULL) gets the whole answer, head
 * and body (malloc'd, NUL-terminated, "" when none).
 */
int ts_http_exchange(int port, const char *request, size_t len,
                     char **response);
/* GET path with a Host header; *body (when not NULL) gets the body only. */
int ts_http_get(int port, const char *path, char **body);
/* ts_server_start with PADLINE_METRICS_LISTEN on a free loopback port
 * (another one should a process take it first; extra_env, up to 14, as
 * ts_server_start's): that port. Fails the test when padlined does not
 * start. */
int ts_server_start_metrics(struct ts_server *, const char *schema,
                            const char *const *extra_env);
/* GET /metrics from padlined's metrics port: the body (malloc'd), after
 * asserting 200 and Prometheus' text content type. */
char *ts_metrics_scrape(int port);
/* The value of the sample written exactly as name (with its labels, as
 * padlined writes them) in a scrape's text, or NAN when there is none. */
double ts_metrics_sample(const char *text, const char *name);
/* promtool check metrics on text: its exit status; what it said goes to
 * *said (malloc'd). */
int ts_promtool(const char *text, char **said);

/* Runs every test of suite s (CK_NORMAL) and returns the process exit
 * code: 0 when all passed. */
int ts_run(Suite *s);

/* Milliseconds on a monotonic clock. */
long long ts_now_ms(void);

/* Registration helpers used by many suites: gets a form token from
 * server.hello and calls user.register; returns the response. */
json_t *ts_register(struct ts_client *, const char *username,
                    const char *password, const char *email);
/* Creates a user directly with `padlined create-user` (admin if admin != 0)
 * and returns 0 on success. */
int ts_create_user(const char *schema, const char *username,
                   const char *password, int admin);
/* session.login on c; returns 0 when it succeeded. */
int ts_login(struct ts_client *, const char *username, const char *password);

/*
 * The one password of the test tree: the users a fixture creates, and
 * those a test registers or creates itself, sign in with it. A test that
 * needs a second password (a change, a refused one) names its own.
 */
#define TS_PASSWORD "Corr3ct-Horse!"

/*
 * The fixture of the e2e suites (tsupport_env.c): a fresh schema, a
 * padlined started on it (which migrates it), a direct database connection
 * and the users the suite asks for, created with `padlined create-user`
 * (password TS_PASSWORD) and each signed in on its own connection.
 * Suite-wide as a Check unchecked fixture, per test as a checked one, or
 * inside a test that restarts with other settings.
 */
#define TS_ENV_MAX_USERS 8
struct ts_env_user {
	const char *name;
	int admin;                 /* created with --admin */
	struct ts_client **client; /* gets its signed-in connection, or
	                              NULL: created only */
};
struct ts_env_opts {
	const char *prefix;      /* of the schema name */
	const char *const *env;  /* padlined's extra "NAME=value", NULL-ended */
	const char *const *args; /* padlined's extra flags, NULL-ended */
	int templates;           /* PADLINE_TEMPLATES_DIR: the source tree's */
	const char *restore;     /* ts_stack action run first at stop */
	struct ts_env_user users[TS_ENV_MAX_USERS];
};
struct ts_env {
	struct ts_server srv;
	char schema[64];
	PGconn *db;
	struct ts_env_user users[TS_ENV_MAX_USERS]; /* as opts had them */
	const char *restore;
};
/* What the pad suites start: the source tree's templates and users alice
 * and bob, signed in on *a and *b. */
#define TS_PADS_OPTS(a, b)                                                     \
	{                                                                      \
		.prefix = "pads", .templates = 1,                              \
		.users = {{"alice", 0, (a)}, {"bob", 0, (b)}},                 \
	}
/* Starts everything opts asks for; fails the running test or fixture
 * (after stopping whatever it started) when anything cannot be set up. */
void ts_env_start(struct ts_env *, const struct ts_env_opts *);
/* The restore action, the users' connections (set back to NULL), the
 * database connection, padlined (SIGTERM) and the schema. Returns
 * padlined's exit status; one that is not 0 is printed with the log path
 * and, when stopped in the runner's process (an unchecked fixture), fails
 * ts_run. Safe on an env that never started or is stopped already. */
int ts_env_stop(struct ts_env *);
/* Makes env (started with opts) the fixture of tc: TS_PER_SUITE starts it
 * once before tc's tests (unchecked fixture), TS_PER_TEST before each one
 * (checked), TS_PER_TEST_CLEAN too and fails the test when its padlined
 * did not exit cleanly (under ASan: a leak). Up to 4 calls per process (tcases
 * that run one after the other may share an env); opts must outlive the run. */
enum ts_env_scope { TS_PER_SUITE, TS_PER_TEST, TS_PER_TEST_CLEAN };
void ts_env_fixture(TCase *tc, struct ts_env *env,
                    const struct ts_env_opts *opts, enum ts_env_scope scope);
/* A new connection signed in as name with TS_PASSWORD; NULL on failure. */
struct ts_client *ts_env_login(const struct ts_env *, const char *name);
/* Creates admin name (TS_PASSWORD) and signs it in on a new connection;
 * NULL on failure. */
struct ts_client *ts_env_admin(const struct ts_env *, const char *name);
/* Registers name (user.register, TS_PASSWORD) and signs it in on a new
 * connection; fails the test when either fails. */
struct ts_client *ts_env_register(const struct ts_env *, const char *name);
/* The source tree's templates directory (PADLINE_SOURCE_DIR/templates). */
const char *ts_templates_dir(void);

/*
 * Calls that assert on the reply (tsupport_calls.c).
 */
/* method's result (new reference); fails the test on an error or none. */
json_t *ts_ok(struct ts_client *, const char *method, json_t *params);
/* Asserts method fails with code (and reason, when not NULL); returns
 * error.data (new reference, may be NULL). */
json_t *ts_err_data(struct ts_client *, const char *method, json_t *params,
                    int code, const char *reason);
void ts_expect_err(struct ts_client *, const char *method, json_t *params,
                   int code, const char *reason);
/* Asserts a 400 whose violations include {field, rule}. */
void ts_expect_violation(struct ts_client *, const char *method, json_t *params,
                         const char *field, const char *rule);
/* A method's error code (0 = result), -1 when no answer. */
int ts_call_code(struct ts_client *, const char *method, json_t *params);
/* 1 when the error response lists {field, rule}; how many it lists. */
int ts_has_violation(const json_t *resp, const char *field, const char *rule);
size_t ts_violation_count(const json_t *resp);
/* A fresh form token from server.hello (malloc'd), NULL on failure. */
char *ts_form_token(struct ts_client *);
/* user.register with exactly these params (NULL = absent). */
json_t *ts_register_with(struct ts_client *, const char *token,
                         const char *username, const char *password,
                         const char *email, const char *invitation);
/* A registration (TS_PASSWORD; email may be NULL) on a new connection to
 * port whose PROXY header says it comes from src, as a load balancer
 * sends it: the response, NULL when it could not be made. */
json_t *ts_register_proxied(int port, const char *src, const char *username,
                            const char *email);
/* hello + register: the common case. */
json_t *ts_register_fresh(struct ts_client *, const char *username,
                          const char *password, const char *invitation);
/* session.login with a TOTP code when totp is not NULL: the response. */
json_t *ts_login_totp(struct ts_client *, const char *name, const char *pw,
                      const char *totp);
/* The signed-in user's id (malloc'd); fails the test when none. */
char *ts_my_id(struct ts_client *);
/* The usernames of res's "users" (a user.list or user.held result), in
 * order, space-separated, into buf. */
void ts_usernames(const json_t *res, char *buf, size_t size);

/* TOTP codes computed here with liboath, independently of the server. */
struct ts_totp_secret {
	char *raw;
	size_t len;
};
void ts_totp_decode(const char *b32, struct ts_totp_secret *);
/* The code of absolute 30 s step `step`. */
void ts_totp_code_at(const struct ts_totp_secret *, long long step,
                     char out[8]);
long long ts_totp_step_now(void);

/* Pads (tsupport_calls.c). pad.create for c: the new id (a rotation of 4
 * static buffers). */
const char *ts_pad_create(struct ts_client *, const char *name, json_t *data);
/* result.pad.<key> as an integer. */
long long ts_pad_int(json_t *res, const char *key);
/* pad.update of data, asserted. */
void ts_pad_update(struct ts_client *, const char *id, json_t *data);
/* ts_db_count with one text parameter. */
long long ts_db_count1(PGconn *, const char *sql, const char *param);
/* How many backups pad_id has. */
long long ts_pad_backups(PGconn *, const char *pad_id);

/* A Redis connection subscribed to schema's events channel, NULL on
 * failure. */
redisContext *ts_event_subscribe(const char *schema);
/* The next event of action (NULL: any) that arrives before end_ms
 * (ts_now_ms()), skipping others and messages not signed by padlined's
 * key: the event (new reference) or NULL. */
json_t *ts_event_next(redisContext *, const char *action, long long end_ms);
/* Waits up to timeout_ms for an event of action whose subject has
 * field == value: the event (new reference) or NULL. */
json_t *ts_event_wait(redisContext *, const char *action, const char *field,
                      const char *value, long long timeout_ms);

/* Migrations (tsupport_env.c). The source tree's directory (malloc'd). */
char *ts_migrations_dir(void);
/* A temporary copy of the shipped migrations (malloc'd path; remove it
 * with ts_remove_tree); extra names a file to add with text, or NULL. */
char *ts_migrations_copy(const char *extra, const char *text);
/* Removes such a copy and frees dir. */
void ts_migrations_remove(char *dir);
/* `padlined migrate <a1> <a2> <a3>` (trailing NULLs end the list) on
 * schema with the migrations in dir (NULL: the shipped ones): the exit
 * code; *out / *err (either may be NULL) get stdout / stderr. */
int ts_migrate(const char *schema, const char *dir, const char *a1,
               const char *a2, const char *a3, char **out, char **err);
/* The first value sql returns, as a new string; fails the test when none. */
char *ts_db_text(PGconn *, const char *sql);

#endif
