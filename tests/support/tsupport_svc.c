/*
 * Test support: direct PostgreSQL and Redis access for assertions, private
 * Redis servers, self-signed TLS certificates and reading files back.
 */
#include "tsupport.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "event_sig.h"
#include "protocol.h"
#include "redis_url.h"
#include "tsupport_int.h"
#include "xalloc.h"

PGconn *
ts_db_connect(const char *schema)
{
	const char *url = getenv("DATABASE_URL");
	PGconn *db = PQconnectdb(url ? url : "");
	char *ident;
	char sql[256];
	PGresult *r;

	TS_CHECK(PQstatus(db) == CONNECTION_OK, "connect: %s",
	         PQerrorMessage(db));
	if (schema == NULL)
		return db;
	ident = PQescapeIdentifier(db, schema, strlen(schema));
	snprintf(sql, sizeof sql, "SET search_path TO %s, public", ident);
	PQfreemem(ident);
	r = PQexec(db, sql);
	TS_CHECK(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql,
	         PQerrorMessage(db));
	PQclear(r);
	return db;
}

long long
ts_db_count(PGconn *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *r =
	    PQexecParams(db, sql, nparams, NULL, params, NULL, NULL, 0);
	long long v;

	TS_CHECK(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	         PQerrorMessage(db));
	TS_CHECK(PQntuples(r) > 0, "%s: no rows", sql);
	v = PQgetisnull(r, 0, 0) ? 0 : atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

long long
ts_db_wait_count(PGconn *db, const char *sql, int nparams,
                 const char *const *params, long long want, int timeout_ms)
{
	long long deadline = ts_now_ms() + timeout_ms, v;

	while ((v = ts_db_count(db, sql, nparams, params)) != want &&
	       ts_now_ms() < deadline)
		usleep(50000);
	return v;
}

void
ts_db_exec(PGconn *db, const char *sql)
{
	PGresult *r = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(r);

	TS_CHECK(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
	         PQerrorMessage(db));
	PQclear(r);
}

void
ts_db_drop_schema(const char *schema)
{
	const char *url = getenv("DATABASE_URL");
	PGconn *db = PQconnectdb(url ? url : "");
	char *ident, sql[256];

	if (PQstatus(db) == CONNECTION_OK) {
		ident = PQescapeIdentifier(db, schema, strlen(schema));
		snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE",
		         ident);
		PQfreemem(ident);
		PQclear(PQexec(db, sql));
	}
	PQfinish(db);
}

const char *
ts_events_channel(const char *schema, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", PL_EVENTS_CHANNEL_PREFIX, schema);
	return buf;
}

void
ts_event_keys(unsigned char *pk, unsigned char *sk)
{
	event_sig_keys(TS_SECRET, pk, sk);
}

json_t *
ts_event_open(const char *msg, size_t len)
{
	static __thread struct event_sig_verifier v;
	static __thread int ready;
	const char *ev;
	size_t ev_len;

	if (!ready) {
		unsigned char pk[EVENT_SIG_PK_BYTES], sk[EVENT_SIG_SK_BYTES];

		ts_event_keys(pk, sk);
		event_sig_verifier_init(&v, pk);
		ready = 1;
	}
	if (event_sig_verify(&v, msg, len, &ev, &ev_len) != EVENT_SIG_OK)
		return NULL;
	return json_loadb(ev, ev_len, 0, NULL);
}

redisContext *
ts_redis_connect_url(const char *url)
{
	struct pl_error err;
	redisContext *rc;

	pl_error_init(&err);
	if (redis_url_connect_str(url, TS_PATIENCE_MS, &rc, &err)) {
		fprintf(stderr, "ts_redis_connect: %s\n", err.message);
		pl_error_clear(&err);
	}
	return rc;
}

redisContext *
ts_redis_connect(void)
{
	return ts_redis_connect_url(getenv("REDIS_URL"));
}

redisContext *
ts_event_subscribe(const char *schema)
{
	redisContext *rc = ts_redis_connect();
	redisReply *r;
	char channel[128];

	if (rc == NULL)
		return NULL;
	r = redisCommand(rc, "SUBSCRIBE %s",
	                 ts_events_channel(schema, channel, sizeof channel));
	if (r == NULL) {
		redisFree(rc);
		return NULL;
	}
	freeReplyObject(r);
	return rc;
}

/* Other suites publish on the same Redis: their events and anything not
 * signed by padlined's key are skipped. */
json_t *
ts_event_next(redisContext *rc, const char *action, long long end_ms)
{
	while (ts_now_ms() < end_ms) {
		long long left = end_ms - ts_now_ms();
		struct timeval tv = {left / 1000, (left % 1000) * 1000};
		redisReply *r = NULL;
		json_t *ev = NULL;
		const char *a;

		redisSetTimeout(rc, tv);
		if (redisGetReply(rc, (void **)&r) != REDIS_OK || r == NULL)
			return NULL;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_STRING)
			ev = ts_event_open(r->element[2]->str,
			                   r->element[2]->len);
		freeReplyObject(r);
		if (ev == NULL)
			continue;
		a = json_string_value(json_object_get(ev, "action"));
		if (a && (action == NULL || strcmp(a, action) == 0))
			return ev;
		json_decref(ev);
	}
	return NULL;
}

json_t *
ts_event_wait(redisContext *rc, const char *action, const char *field,
              const char *value, long long timeout_ms)
{
	long long end = ts_now_ms() + timeout_ms;
	json_t *ev;

	while ((ev = ts_event_next(rc, action, end)) != NULL) {
		const char *v = json_string_value(
		    json_object_get(json_object_get(ev, "subject"), field));

		if (v && strcmp(v, value) == 0)
			return ev;
		json_decref(ev);
	}
	return NULL;
}

int
ts_redis_start(struct ts_redis *r, const char *const *args)
{
	const char *argv[48] = {
	    "redis-server", "--bind", "127.0.0.1",    "--port", NULL,
	    "--save",       "",       "--appendonly", "no"};
	char port[16];
	int n = 9, fd;
	long long deadline = ts_now_ms() + TS_PATIENCE_MS;

	memset(r, 0, sizeof *r);
	r->port = ts_free_port();
	snprintf(port, sizeof port, "%d", r->port);
	argv[4] = port;
	for (; args && *args && n < 47; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (r->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		execvp("redis-server", (char *const *)argv);
		_exit(127);
	}
	/* Listening means loaded: redis-server binds after its start-up. */
	while (ts_now_ms() < deadline) {
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			return -1;
		}
		if (ts_can_connect(r->port))
			return 0;
		usleep(20000);
	}
	ts_redis_stop(r);
	return -1;
}

void
ts_redis_stop(struct ts_redis *r)
{
	if (r->pid <= 0)
		return;
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

int
ts_tls_make_cert(const char *dir, const char *cn, char *cert, char *key)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	FILE *f;
	int rc = -1;

	if (pk == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)ts_now_ms());
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	                          "IP:127.0.0.1,DNS:localhost");
	if (ext == NULL)
		goto out;
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	                          "critical,CA:TRUE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto out;
	snprintf(cert, 512, "%s/%s.crt", dir, cn);
	snprintf(key, 512, "%s/%s.key", dir, cn);
	if ((f = fopen(cert, "w")) == NULL)
		goto out;
	PEM_write_X509(f, x);
	fclose(f);
	if ((f = fopen(key, "w")) == NULL)
		goto out;
	PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

void
ts_tls_files_make(struct ts_tls_files *t)
{
	memset(t, 0, sizeof *t);
	snprintf(t->dir, sizeof t->dir, "/tmp/padline-tls-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	ck_assert_int_eq(ts_tls_make_cert(t->dir, "padlined", t->cert, t->key),
	                 0);
	ck_assert_int_eq(
	    ts_tls_make_cert(t->dir, "impostor", t->other_cert, t->other_key),
	    0);
	snprintf(t->env_cert, sizeof t->env_cert, "PADLINE_TLS_CERT=%s",
	         t->cert);
	snprintf(t->env_key, sizeof t->env_key, "PADLINE_TLS_KEY=%s", t->key);
}

void
ts_tls_files_remove(struct ts_tls_files *t)
{
	char *cmd;

	if (t->dir[0] == '\0' || strncmp(t->dir, "/tmp/padline-tls-", 17))
		return;
	cmd = xasprintf("rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->dir);
	free(cmd);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
ts_remove_tree(const char *dir)
{
	if (dir[0])
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
ts_file_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, n;
	char tmp[4096];

	if (f == NULL)
		return xstrdup("");
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, tmp, n);
		len += n;
	}
	fclose(f);
	if (buf == NULL)
		return xstrdup("");
	buf[len] = '\0';
	return buf;
}
