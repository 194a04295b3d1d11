/* What the e2e_register_* suites share: their padlined (one per suite),
 * counting a name's users, and racing registrations, each racer on a
 * connection of its own. */
#ifndef REGISTER_SUITE_H
#define REGISTER_SUITE_H

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsupport.h"

static struct ts_env tenv;

static long long
count_users(const char *sch, const char *name)
{
	PGconn *db = ts_db_connect(sch);
	const char *p[1] = {name};
	long long n = ts_db_count(
	    db, "SELECT count(*) FROM users WHERE lower(username) = lower($1)",
	    1, p);

	PQfinish(db);
	return n;
}

static const struct ts_env_opts opts = {.prefix = "reg"};

/* One registration of a race: what it sends, then what it got. */
struct racer {
	int port;
	const char *username;
	const char *password;
	const char *invitation;
	const char *token; /* NULL: the racer asks for its own */
	pthread_barrier_t *go;
	int code;
	char reason[32];
	int invitation_used; /* 400 with invitation/used */
	int token_reused;    /* 400 with form_token/reused */
};

static void *
race_one(void *arg)
{
	struct racer *r = arg;
	struct ts_client *c = ts_client_connect(r->port);
	char *tok = r->token ? strdup(r->token) : c ? ts_form_token(c) : NULL;
	json_t *resp;

	pthread_barrier_wait(r->go);
	r->code = -1;
	if (tok == NULL)
		return NULL;
	resp = ts_register_with(c, tok, r->username, r->password, NULL,
	                        r->invitation);
	if (resp) {
		r->code = ts_error_code(resp);
		snprintf(r->reason, sizeof r->reason, "%s",
		         ts_error_reason(resp));
		r->invitation_used =
		    ts_has_violation(resp, "invitation", "used");
		r->token_reused =
		    ts_has_violation(resp, "form_token", "reused");
	}
	json_decref(resp);
	free(tok);
	ts_client_free(c);
	return NULL;
}

/* Runs n racers; counts successes and 409 username_taken. */
static void
race(struct racer *rs, int n, int *ok, int *conflicts)
{
	pthread_t th[64];
	pthread_barrier_t go;

	pthread_barrier_init(&go, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		rs[i].go = &go;
		pthread_create(&th[i], NULL, race_one, &rs[i]);
	}
	*ok = *conflicts = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		*ok += rs[i].code == 0;
		*conflicts += rs[i].code == 409 &&
		              strcmp(rs[i].reason, "username_taken") == 0;
	}
	pthread_barrier_destroy(&go);
}

#endif
