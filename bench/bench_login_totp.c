/*
 * Login latency with TOTP against without: starts its own padlined (via
 * tsupport, so PADLINE_BIN names the binary), registers N users with TOTP
 * and N without, then signs each in once, alternating, and prints p50/p99
 * of both and their difference. Codes are computed here with liboath.
 *   bench_login_totp [--users N]
 * argon2 limits come from PADLINE_PWHASH_OPSLIMIT / _MEMLIMIT (tsupport's
 * fast test limits unless set), so the TOTP step is not lost in the hash.
 * Then the TOTP check alone, in this process on one connection
 * (svc_totp_verify: read, unseal, check, record the step): the whole extra
 * work a login with TOTP does, without the network and the hash around it.
 */
#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "svc_totp.h"
#include "totp.h"
#include "tsupport.h"

#define PASSWORD "Corr3ct-Horse!"
#define SECRET "bench-login-totp-secret-0123456789"

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
call_ok(struct ts_client *c, const char *method, json_t *params,
        json_t **result)
{
	json_t *r = ts_call(c, method, params);
	int ok = r && ts_error_code(r) == 0;

	if (ok && result)
		*result = json_incref(ts_result(r));
	if (!ok)
		fprintf(stderr, "%s failed: %d %s\n", method,
		        r ? ts_error_code(r) : -1, r ? ts_error_reason(r) : "");
	json_decref(r);
	return ok;
}

static int
register_user(struct ts_client *c, const char *name)
{
	json_t *h = NULL;
	int ok;

	if (!call_ok(c, "server.hello", NULL, &h))
		return 0;
	ok = call_ok(c, "user.register",
	             json_pack("{s:O, s:s, s:s}", "form_token",
	                       json_object_get(h, "form_token"), "username",
	                       name, "password", PASSWORD),
	             NULL);
	json_decref(h);
	return ok;
}

static void
code_now(const char *raw, size_t len, char out[8])
{
	oath_totp_generate(raw, len, time(NULL), 30, 0, 6, out);
}

/* Registers and enrols name; *raw and *len get its secret, id its id. */
static int
enrol(struct ts_client *c, const char *name, char **raw, size_t *len,
      char id[40])
{
	json_t *b = NULL, *l = NULL;
	char code[8];
	const char *secret;

	if (!register_user(c, name) ||
	    !call_ok(
	        c, "session.login",
	        json_pack("{s:s, s:s}", "username", name, "password", PASSWORD),
	        &l) ||
	    !call_ok(c, "user.totp_begin", NULL, &b))
		return 0;
	snprintf(id, 40, "%s",
	         json_string_value(
	             json_object_get(json_object_get(l, "user"), "id")));
	json_decref(l);
	secret = json_string_value(json_object_get(b, "secret"));
	oath_base32_decode(secret, strlen(secret), raw, len);
	json_decref(b);
	code_now(*raw, *len, code);
	return call_ok(c, "user.totp_enable", json_pack("{s:s}", "code", code),
	               NULL);
}

static void
report(const char *what, long long *us, int n)
{
	qsort(us, (size_t)n, sizeof *us, cmp_ll);
	printf("  %-14s n=%d  p50 %.3f ms  p99 %.3f ms\n", what, n,
	       us[n / 2] / 1000.0, us[(n * 99) / 100] / 1000.0);
}

/* svc_totp_verify alone, n times (one per user, each with a fresh step);
 * us is scratch space of n. */
static void
inproc(const char *schema, char (*ids)[40], char **raw, size_t *len, int n,
       long long *us)
{
	struct config cfg = {.secret = (char *)SECRET};
	struct padlined app = {.cfg = &cfg};
	struct pl_error err;
	struct db_conn *db;
	int ok = 0;

	pl_error_init(&err);
	db = db_conn_new(ts_db_connect(schema), schema, 1, &err);
	ts_db_exec(db_conn_pg(db), "UPDATE users SET totp_last_step = NULL");
	for (int i = 0; i < n; i++) {
		char code[8];
		long long t0;

		code_now(raw[i], len[i], code);
		t0 = now_us();
		ok += svc_totp_verify(&app, db, ids[i], code, &err) == 0;
		us[i] = now_us() - t0;
		pl_error_clear(&err);
	}
	db_conn_free(db);
	printf("TOTP check alone (svc_totp_verify in process, %d/%d "
	       "accepted):\n",
	       ok, n);
	report("check", us, n);
}

/* The CPU part alone (unseal + RFC 6238 check of a ±1 window), no
 * database: what stays when the two round trips are free. */
static void
cpu_only(long long *us, int n)
{
	unsigned char secret[TOTP_SECRET_BYTES], back[TOTP_SECRET_BYTES];
	char sealed[TOTP_SEALED_HEX], code[8];
	struct pl_error err;
	long long step;

	pl_error_init(&err);
	totp_secret_new(secret);
	totp_seal(SECRET, secret, sealed);
	code_now((const char *)secret, sizeof secret, code);
	for (int i = 0; i < n; i++) {
		long long t0 = now_us();

		totp_open(SECRET, sealed, back, &err);
		totp_check(back, time(NULL), code, &step);
		us[i] = now_us() - t0;
	}
	printf("TOTP CPU work alone (unseal + check, no database):\n");
	report("cpu", us, n);
}

int
main(int argc, char **argv)
{
	struct ts_server srv;
	char schema[64], name[64], loadavg[64] = "?";
	int n = 200;
	char **raw, (*ids)[40];
	size_t *len;
	long long *plain_us, *totp_us;
	struct ts_client *c;
	PGconn *db;
	FILE *f;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--users") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
	setenv("PADLINE_LOG", "warn", 0);
	setenv("PADLINE_SECRET", SECRET, 1);
	oath_init();
	ts_unique_schema("bench_totp", schema, sizeof schema);
	if (ts_server_start(&srv, schema, NULL, NULL) != 0)
		return 1;
	raw = calloc((size_t)n, sizeof *raw);
	len = calloc((size_t)n, sizeof *len);
	ids = calloc((size_t)n, sizeof *ids);
	plain_us = calloc((size_t)n, sizeof *plain_us);
	totp_us = calloc((size_t)n, sizeof *totp_us);
	c = ts_client_connect(srv.port);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof name, "plain%d", i);
		if (!register_user(c, name))
			return 1;
		snprintf(name, sizeof name, "twofa%d", i);
		if (!enrol(c, name, &raw[i], &len[i], ids[i]))
			return 1;
	}
	/* Each user signs in once below with the current step's code: the
	 * enrolment's step must not count as already used. */
	db = ts_db_connect(schema);
	ts_db_exec(db, "UPDATE users SET totp_last_step = NULL");
	PQfinish(db);
	for (int i = 0; i < n; i++) {
		char code[8];
		long long t0;

		snprintf(name, sizeof name, "plain%d", i);
		t0 = now_us();
		if (!call_ok(c, "session.login",
		             json_pack("{s:s, s:s}", "username", name,
		                       "password", PASSWORD),
		             NULL))
			return 1;
		plain_us[i] = now_us() - t0;
		snprintf(name, sizeof name, "twofa%d", i);
		code_now(raw[i], len[i], code);
		t0 = now_us();
		if (!call_ok(c, "session.login",
		             json_pack("{s:s, s:s, s:s}", "username", name,
		                       "password", PASSWORD, "totp", code),
		             NULL))
			return 1;
		totp_us[i] = now_us() - t0;
	}
	if ((f = fopen("/proc/loadavg", "r")) != NULL) {
		if (fgets(loadavg, sizeof loadavg, f))
			loadavg[strcspn(loadavg, "\n")] = '\0';
		fclose(f);
	}
	/* Pairs ran back to back: their differences cancel most of the
	 * machine's drift, so their median is the steadier figure. */
	long long *diff = calloc((size_t)n, sizeof *diff);

	for (int i = 0; i < n; i++)
		diff[i] = totp_us[i] - plain_us[i];
	qsort(diff, (size_t)n, sizeof *diff, cmp_ll);
	printf("login latency, one connection, sequential (loadavg %s):\n",
	       loadavg);
	report("without TOTP", plain_us, n);
	report("with TOTP", totp_us, n);
	printf("  extra cost     p50 %+.2f ms  p99 %+.2f ms\n",
	       (totp_us[n / 2] - plain_us[n / 2]) / 1000.0,
	       (totp_us[(n * 99) / 100] - plain_us[(n * 99) / 100]) / 1000.0);
	printf("  paired difference (with - without), median %+.3f ms\n",
	       diff[n / 2] / 1000.0);
	free(diff);
	inproc(schema, ids, raw, len, n, totp_us);
	cpu_only(totp_us, n);
	ts_client_free(c);
	ts_server_stop(&srv);
	ts_db_drop_schema(schema);
	for (int i = 0; i < n; i++)
		free(raw[i]);
	free(raw);
	free(ids);
	free(len);
	free(plain_us);
	free(totp_us);
	return 0;
}
