/*
 * Actions that need a fresh session (user.update, user.delete,
 * user.totp_disable): when padlined answers 401 reauth_required, the
 * password (and the two-factor code when it is on) is asked for inline,
 * session.reauth sent, and the action repeated once. Each call is a step
 * of the view's flow (app_flow_call): an answer that comes after the user
 * left that view opens no prompt over another screen and is dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "models.h"
#include "xalloc.h"

struct fresh_call {
	struct app *app;
	char *method;
	json_t *params; /* kept for the repeat */
	rpc_cb done;
	view_drop_fn drop; /* the caller's, when done will not run */
	void *ud;
	char password[256];
	int repeated;
};

static void
fresh_free(struct fresh_call *f)
{
	explicit_bzero(f->password, sizeof f->password);
	json_decref(f->params);
	free(f->method);
	free(f);
}

/* Hands the answer to the caller and forgets the call. */
static void
fresh_end(struct fresh_call *f, json_t *result, const struct pl_error *err)
{
	f->done(f->ud, result, err);
	fresh_free(f);
}

/* The user left the view the call was made in: nothing more is said. */
static void
fresh_dropped(void *ud)
{
	struct fresh_call *f = ud;

	if (f->drop)
		f->drop(f->ud);
	fresh_free(f);
}

static void on_answer(void *ud, json_t *result, const struct pl_error *err);

static void
on_reauth(void *ud, json_t *result, const struct pl_error *err)
{
	struct fresh_call *f = ud;

	(void)result;
	explicit_bzero(f->password, sizeof f->password);
	if (err->code) {
		fresh_end(f, NULL, err);
		return;
	}
	f->repeated = 1;
	app_flow_call(f->app, f->method, json_incref(f->params), on_answer, f,
	              fresh_dropped);
}

static void
send_reauth(struct fresh_call *f, const char *code)
{
	json_t *p = json_pack("{s:s}", "password", f->password);

	if (code)
		json_object_set_new(p, "totp", json_string(code));
	app_flow_call(f->app, "session.reauth", p, on_reauth, f, fresh_dropped);
}

/* Nothing confirmed: the action did not happen. */
static void
fresh_cancelled(struct fresh_call *f)
{
	struct pl_error err;

	pl_error_init(&err);
	pl_error_set(&err, PL_ERR_UNAUTHORIZED, "reauth_required",
	             "not confirmed; nothing changed");
	fresh_end(f, NULL, &err);
	pl_error_clear(&err);
}

static void
on_code(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct fresh_call *f = ud;
	char code[16];

	(void)a;
	(void)choice;
	if (!ok) {
		fresh_cancelled(f);
		return;
	}
	/* A recovery code is sent as typed; six digits lose their spaces. */
	if (acct_totp_code(input, code, sizeof code) == 0)
		send_reauth(f, code);
	else
		send_reauth(f, input);
	explicit_bzero(code, sizeof code);
}

static void
on_password(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct fresh_call *f = ud;

	(void)choice;
	if (!ok) {
		fresh_cancelled(f);
		return;
	}
	snprintf(f->password, sizeof f->password, "%s", input);
	if (json_is_true(json_object_get(a->me, "totp_enabled")))
		app_prompt_secret(a, "Confirm it's you",
		                  "And the code from your authenticator app "
		                  "(or a recovery code):",
		                  on_code, f);
	else
		send_reauth(f, NULL);
}

static void
on_answer(void *ud, json_t *result, const struct pl_error *err)
{
	struct fresh_call *f = ud;

	if (err->code == PL_ERR_UNAUTHORIZED && !f->repeated &&
	    strcmp(err->reason, "reauth_required") == 0) {
		app_prompt_secret(f->app, "Confirm it's you",
		                  "This needs your password again (you signed "
		                  "in a while ago).\nPassword:",
		                  on_password, f);
		return;
	}
	fresh_end(f, result, err);
}

void
app_call_fresh(struct app *a, const char *method, json_t *params, rpc_cb done,
               void *ud, view_drop_fn drop)
{
	struct fresh_call *f = xcalloc(1, sizeof *f);

	f->app = a;
	f->method = xstrdup(method);
	f->params = params ? params : json_object();
	f->done = done;
	f->drop = drop;
	f->ud = ud;
	app_flow_call(a, method, json_incref(f->params), on_answer, f,
	              fresh_dropped);
}
