/*
 * Who is signed in: hello and session resume at connect (retrying while the
 * server is briefly away, and again once it answers after longer), signing
 * in and out, and a session ended by the server (401) sending the user back
 * to sign in, saying when it expired; after a sign-in, what happened to the
 * account since the last one.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "pad_edit.h"
#include "protocol.h"
#include "session_file.h"

/* After a sign-in: what happened since the last one, when anything did. */
static void
on_activity(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	char text[320];

	if (err->code || !a->me ||
	    !acct_activity_summary(json_object_get(result, "events"), text,
	                           sizeof text))
		return;
	app_flash(a, 1, "Since your last sign-in: %s.", text);
}

void
app_signed_in(struct app *a, json_t *user, const char *token)
{
	/* An answer that signs in the user already signed in (the sign-in
	 * form sent twice, a saved session resumed as the form's answer
	 * came) came late: the user may be on any screen by now, and stays.
	 * Another user starts from the first screen. */
	int late = a->me &&
	           strcmp(jstr(a->me, "username"), jstr(user, "username")) == 0;

	json_decref(a->me);
	a->me = json_incref(user);
	a->admin = user_has_role(user, "admin");
	if (token) {
		struct pl_error err;

		snprintf(a->token, sizeof a->token, "%s", token);
		pl_error_init(&err);
		if (session_save(a->server, token, &err))
			app_flash(a, 1, "Session not saved: %s", err.message);
		pl_error_clear(&err);
	}
	memset(a->login.password, 0, sizeof a->login.password);
	if (late)
		return;
	app_go_home(a);
	if (token)
		rpc_send(a->rpc, "account.activity",
		         json_pack("{s:i}", "limit", 50), on_activity, a);
	/* Edits a failed save kept (this server, this user): offered now. */
	pad_edit_offer_recovery(a);
}

void
app_sign_out(struct app *a)
{
	if (a->token[0])
		rpc_send(a->rpc, "session.logout", NULL, NULL, NULL);
	a->token[0] = '\0';
	session_forget(a->server);
	/* Signing back in (or as someone else) starts from who this was. */
	snprintf(a->login.username, sizeof a->login.username, "%s",
	         jstr(a->me, "username"));
	json_decref(a->me);
	a->me = NULL;
	a->admin = 0;
	a->bulk_batch = 0;
	app_go_home(a);
}

int
app_auth_lost(struct app *a, const struct pl_error *err)
{
	if (!session_lost(err) || !a->me)
		return 0;
	a->token[0] = '\0';
	app_sign_out(a);
	snprintf(a->login.error, sizeof a->login.error, "%s",
	         session_lost_text(err));
	return 1;
}

json_t *
app_resume_params(void *ud)
{
	struct app *a = ud;

	return a->token[0] ? json_pack("{s:s}", "token", a->token) : NULL;
}

void
app_set_hello(struct app *a, json_t *result)
{
	json_decref(a->hello);
	a->hello = json_incref(result);
	a->hello_seen++;
}

static void
on_hello(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (err->code) {
		login_model_apply_error(&a->login, err);
		app_dirty(a);
		return;
	}
	app_set_hello(a, result);
	if (a->login.server_down) {
		a->login.server_down = 0;
		a->login.error[0] = '\0';
	}
	app_dirty(a);
}

static void
on_retry(uv_timer_t *t)
{
	struct app *a = t->data;

	if (!a->me)
		app_connect(a);
}

static void
on_resume(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;

	if (err->code) {
		if (err->code == PL_ERR_UNAUTHORIZED) {
			session_forget(a->server);
			a->token[0] = '\0';
			if (strcmp(err->reason, "session_expired") == 0)
				snprintf(a->login.error, sizeof a->login.error,
				         "%s", session_lost_text(err));
		} else {
			/* Server or database briefly away: the session is still
			 * good, so keep trying for a while instead of asking
			 * for the password again. */
			login_model_apply_error(&a->login, err);
			if (a->resume_tries++ < 30)
				uv_timer_start(&a->retry, on_retry, 1000, 0);
		}
		app_dirty(a);
		return;
	}
	a->resume_tries = 0;
	a->login.error[0] = '\0';
	app_signed_in(a, json_object_get(result, "user"), NULL);
}

/* What the first connection's failure left unasked: hello (the sign-in
 * form said "Press Enter to retry") and the saved session, whose resume
 * gives up after 30 tries. */
void
app_reconnected(struct app *a)
{
	if (a->me)
		return; /* the client resumes the session on every connection */
	a->resume_tries = 0;
	app_connect(a);
}

void
app_connect(struct app *a)
{
	char token[256];

	rpc_send(a->rpc, "server.hello", NULL, on_hello, a);
	if (!a->me && session_load(a->server, token, sizeof token) == 0) {
		/* Not via the hook: the first resume decides the screen. */
		rpc_send(a->rpc, "session.resume",
		         json_pack("{s:s}", "token", token), on_resume, a);
		snprintf(a->token, sizeof a->token, "%s", token);
	}
}
