/*
 * X and u (act.h): a bulk action on every account a filter matches, and
 * its undo. The server's dry run comes first so the operator sees how many
 * accounts and which before anything changes, and is asked once; both
 * calls need a fresh session, so a stale one is asked for the password
 * inline (app_call_fresh). The batch to undo is the session's (struct app).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "app.h"
#include "readonly.h"
#include "xalloc.h"

/* What X offers, in the pick's order; the last only where enable is. */
static const struct {
	const char *action, *choice, *ask, *done;
} bulk_actions[] = {
    {"disable", "d  disable: active accounts can't sign in", "Disable",
     "Disabled"},
    {"approve", "a  approve: held accounts become active", "Approve",
     "Approved"},
    {"reject", "r  reject: disable and mark for deletion", "Reject",
     "Rejected"},
    {"enable", "e  enable: disabled accounts sign in again", "Enable",
     "Enabled"},
};
#define BULK_ACTIONS (sizeof bulk_actions / sizeof bulk_actions[0])

struct bulk_flow {
	struct app *app;
	char *filter;
	size_t action; /* index into bulk_actions */
};

static void
flow_free(struct bulk_flow *f)
{
	free(f->filter);
	free(f);
}

/* The flow's answer comes after the user left its view: it ends unsaid. */
static void
flow_drop(void *ud)
{
	flow_free(ud);
}

static json_t *
flow_params(const struct bulk_flow *f, int dry_run)
{
	json_t *p = json_pack("{s:s, s:s}", "filter", f->filter, "action",
	                      bulk_actions[f->action].action);

	if (dry_run)
		json_object_set_new(p, "dry_run", json_true());
	return p;
}

/* A bad filter is the operator's typo: said with where it is. */
static int
flow_failed(struct bulk_flow *f, const struct pl_error *err)
{
	if (err->code == PL_ERR_INVALID_PARAMS &&
	    strcmp(err->reason, "bad_filter") == 0) {
		app_flash(f->app, 1, "The filter: %s", err->message);
		return 1;
	}
	return app_failed(f->app, err, "user.bulk");
}

static void
on_done(void *ud, json_t *result, const struct pl_error *err)
{
	struct bulk_flow *f = ud;
	long long n = json_integer_value(json_object_get(result, "count"));
	long long batch =
	    json_integer_value(json_object_get(result, "batch_id"));

	if (!flow_failed(f, err)) {
		if (batch > 0)
			f->app->bulk_batch = batch;
		app_flash(f->app, 0, "%s %lld account%s%s.",
		          bulk_actions[f->action].done, n, n == 1 ? "" : "s",
		          batch > 0 ? " (u undoes it)" : "");
	}
	flow_free(f);
}

static void
on_confirmed(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct bulk_flow *f = ud;

	(void)input;
	(void)choice;
	if (!ok) {
		app_flash(a, 0, "Nothing changed.");
		flow_free(f);
		return;
	}
	app_call_fresh(a, "user.bulk", flow_params(f, 0), on_done, f,
	               flow_drop);
}

static void
on_dry_run(void *ud, json_t *result, const struct pl_error *err)
{
	struct bulk_flow *f = ud;
	json_t *sample = json_object_get(result, "sample"), *u;
	long long n = json_integer_value(json_object_get(result, "count"));
	char text[1024], title[64];
	size_t i, len;

	if (flow_failed(f, err)) {
		flow_free(f);
		return;
	}
	if (n <= 0) {
		app_flash(f->app, 0, "No account matching %s to %s.", f->filter,
		          bulk_actions[f->action].action);
		flow_free(f);
		return;
	}
	len = (size_t)snprintf(
	    text, sizeof text, "%lld account%s match%s %.200s:\n", n,
	    n == 1 ? "" : "s", n == 1 ? "es" : "", f->filter);
	json_array_foreach (sample, i, u)
		if (len < sizeof text)
			len += (size_t)snprintf(
			    text + len, sizeof text - len, "%s%.40s",
			    i ? ", " : "",
			    json_string_value(json_object_get(u, "username"))
			        ? json_string_value(
			              json_object_get(u, "username"))
			        : "?");
	if (len < sizeof text && (long long)json_array_size(sample) < n)
		len += (size_t)snprintf(text + len, sizeof text - len,
		                        " and %lld more",
		                        n - (long long)json_array_size(sample));
	if (len < sizeof text)
		snprintf(text + len, sizeof text - len, "\n\n%s %s?",
		         bulk_actions[f->action].ask,
		         n == 1 ? "it" : "them all");
	snprintf(title, sizeof title, "Bulk %s (dry run)",
	         bulk_actions[f->action].action);
	app_confirm(f->app, title, text, on_confirmed, f);
}

static void
on_action(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct bulk_flow *f = ud;

	(void)input;
	if (!ok || choice >= BULK_ACTIONS) {
		flow_free(f);
		return;
	}
	f->action = choice;
	app_call_fresh(a, "user.bulk", flow_params(f, 1), on_dry_run, f,
	               flow_drop);
}

void
bulk_flow_start(struct app *a, const char *filter, int with_enable)
{
	struct bulk_flow *f;
	json_t *choices;
	char text[300];

	if (readonly_refuse(a, "a bulk action"))
		return;
	if (!filter || !filter[strspn(filter, " ")]) {
		app_flash(a, 1,
		          "A bulk action needs a filter: / sets one, "
		          "then X.");
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->app = a;
	f->filter = xstrdup(filter);
	choices = json_array();
	for (size_t i = 0; i < BULK_ACTIONS - !with_enable; i++)
		json_array_append_new(choices,
		                      json_string(bulk_actions[i].choice));
	snprintf(text, sizeof text,
	         "Every account matching\n  %.200s\n(a dry run shows how many "
	         "first):",
	         filter);
	app_choose(a, "Bulk action", text, choices, on_action, f);
}

static void
on_undone(void *ud, json_t *result, const struct pl_error *err)
{
	struct app *a = ud;
	long long n = json_integer_value(json_object_get(result, "count"));

	if (err->code == PL_ERR_CONFLICT &&
	    strcmp(err->reason, "already_undone") == 0) {
		app_flash(a, 1, "The last bulk action is already undone.");
		return;
	}
	if (err->code == PL_ERR_NOT_FOUND) {
		app_flash(a, 1, "The last bulk action is no longer kept.");
		return;
	}
	if (app_failed(a, err, "user.bulk_undo"))
		return;
	app_flash(a, 0, "Undone: %lld account%s back as %s were.", n,
	          n == 1 ? "" : "s", n == 1 ? "it" : "they");
}

void
bulk_flow_undo(struct app *a)
{
	if (readonly_refuse(a, "undoing a bulk action"))
		return;
	if (a->bulk_batch <= 0) {
		app_flash(a, 1, "No bulk action of this session to undo.");
		return;
	}
	app_call_fresh(
	    a, "user.bulk_undo",
	    json_pack("{s:I}", "batch_id", (json_int_t)a->bulk_batch),
	    on_undone, a, NULL);
}
