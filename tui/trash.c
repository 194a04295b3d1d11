/*
 * The Trash of the pads screen: the caller's deleted pads (pad.trash, a
 * page at a time), each of which can be undeleted — asking for another
 * name when a live pad has taken its name (409 name_taken) — or purged for
 * good after a confirmation. Built from the app's dialogs only, so it owns
 * no drawing and no keys of its own.
 *
 * One run is a small state machine (struct trash_flow, as pad_menu.c's):
 * LIST (pad.trash asked) -> PICK (the pads) -> ACTION (undelete or purge)
 * -> UNDELETE (asked; on a taken name: NEW_NAME, asked again) or
 * PURGE_CONFIRM -> PURGE (asked) -> the end. One callback for the
 * dialogs' answers and one for the replies switch on the step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models.h"
#include "pads.h"
#include "xalloc.h"

#define TRASH_PAGE 100

struct trash {
	struct app *app;
	pad_edit_done refresh; /* the pads list changed */
	void *ud;
};

enum trash_step {
	LIST,          /* pad.trash asked */
	PICK,          /* the trashed pads, and More… */
	ACTION,        /* undelete or purge */
	UNDELETE,      /* pad.undelete asked */
	NEW_NAME,      /* the name was taken: another asked */
	PURGE_CONFIRM, /* "Purge ... for good?" */
	PURGE,         /* pad.purge asked */
};

struct trash_flow {
	struct trash *t;
	enum trash_step step;
	json_t *pads;   /* the page shown */
	json_t *next;   /* its next cursor, or null */
	char id[64];    /* the pad chosen */
	char name[128]; /* its name */
	long long backups;
};

enum { ACT_UNDELETE, ACT_PURGE };

struct trash *
trash_new(struct app *a, pad_edit_done refresh, void *ud)
{
	struct trash *t = xcalloc(1, sizeof *t);

	t->app = a;
	t->refresh = refresh;
	t->ud = ud;
	return t;
}

void
trash_free(struct trash *t)
{
	free(t);
}

static void
flow_end(struct trash_flow *f)
{
	json_decref(f->pads);
	json_decref(f->next);
	free(f);
}

static void
flow_drop(void *ud)
{
	flow_end(ud);
}

static void flow_answer(struct app *, void *ud, int ok, const char *input,
                        size_t choice);
static void flow_reply(void *ud, json_t *result, const struct pl_error *err);

/* Its reply ends the flow unheard once the user left the screen. */
static void
flow_call(struct trash_flow *f, enum trash_step step, const char *method,
          json_t *params)
{
	f->step = step;
	app_flow_call(f->t->app, method, params, flow_reply, f, flow_drop);
}

static void
trash_load(struct trash_flow *f, json_t *after)
{
	json_t *params = json_pack("{s:i}", "limit", TRASH_PAGE);

	if (json_is_string(after))
		json_object_set(params, "after", after);
	flow_call(f, LIST, "pad.trash", params);
}

static void
undelete(struct trash_flow *f, const char *new_name)
{
	json_t *params = json_pack("{s:s}", "id", f->id);

	if (new_name) {
		json_object_set_new(params, "new_name", json_string(new_name));
		snprintf(f->name, sizeof f->name, "%s", new_name);
	}
	flow_call(f, UNDELETE, "pad.undelete", params);
}

/* The page of trashed pads as a pick (More… when there is a next). */
static void
pick_pad(struct trash_flow *f)
{
	json_t *choices = json_array(), *p;
	char del[32], purge[32];
	size_t i;

	json_array_foreach (f->pads, i, p) {
		short_time(jstr(p, "deleted_at"), del, sizeof del);
		short_time(jstr(p, "purge_at"), purge, sizeof purge);
		json_array_append_new(
		    choices,
		    json_sprintf("%s  deleted %s, purged %s, %lld backups",
		                 jstr(p, "display_name"), del, purge,
		                 (long long)json_integer_value(
		                     json_object_get(p, "backups"))));
	}
	if (json_is_string(f->next))
		json_array_append_new(choices, json_string("More…"));
	f->step = PICK;
	app_pick(f->t->app, "Trash (Enter: undelete or purge)", choices,
	         flow_answer, f);
}

static void
picked(struct trash_flow *f, size_t choice)
{
	json_t *pad;
	char title[200];

	if (choice == json_array_size(f->pads)) { /* "More…" */
		json_t *after = json_incref(f->next);

		trash_load(f, after);
		json_decref(after);
		return;
	}
	pad = json_array_get(f->pads, choice);
	if (!pad) {
		flow_end(f);
		return;
	}
	snprintf(f->id, sizeof f->id, "%s", jstr(pad, "id"));
	snprintf(f->name, sizeof f->name, "%s", jstr(pad, "display_name"));
	f->backups = json_integer_value(json_object_get(pad, "backups"));
	snprintf(title, sizeof title, "Trashed: %.60s", f->name);
	f->step = ACTION;
	app_pick(f->t->app, title,
	         json_pack("[s, s]", "Undelete", "Purge for good…"),
	         flow_answer, f);
}

/* A dialog's answer: the next step, or the end of the run. */
static void
flow_answer(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct trash_flow *f = ud;
	char text[400];

	if (!ok) {
		flow_end(f);
		return;
	}
	switch (f->step) {
	case PICK:
		picked(f, choice);
		return;
	case ACTION:
		if (choice == ACT_UNDELETE) {
			undelete(f, NULL);
			return;
		}
		snprintf(text, sizeof text,
		         "Purge \"%s\" and its %lld backup%s for good? This "
		         "cannot be undone.",
		         f->name, f->backups, f->backups == 1 ? "" : "s");
		f->step = PURGE_CONFIRM;
		app_confirm(a, "Purge pad", text, flow_answer, f);
		return;
	case NEW_NAME:
		if (!input[0]) {
			app_flash(a, 1, "A pad needs a name.");
			break;
		}
		undelete(f, input);
		return;
	case PURGE_CONFIRM:
		flow_call(f, PURGE, "pad.purge",
		          json_pack("{s:s}", "id", f->id));
		return;
	default:
		break;
	}
	flow_end(f);
}

/* A reply: the next step, or the end of the run. */
static void
flow_reply(void *ud, json_t *result, const struct pl_error *err)
{
	struct trash_flow *f = ud;
	struct trash *t = f->t;
	char why[300], suggestion[160];

	switch (f->step) {
	case LIST:
		if (app_failed(t->app, err, "Could not read the trash"))
			break;
		json_decref(f->pads);
		json_decref(f->next);
		f->pads = json_incref(json_object_get(result, "pads"));
		f->next = json_incref(json_object_get(result, "next"));
		if (json_array_size(f->pads) == 0) {
			app_message(t->app, "Trash", "The trash is empty.");
			break;
		}
		pick_pad(f);
		return;
	case UNDELETE:
		if (err->code == 409 &&
		    strcmp(err->reason, "name_taken") == 0) {
			snprintf(why, sizeof why,
			         "You have a pad named \"%s\" already. "
			         "Undelete as:",
			         f->name);
			snprintf(suggestion, sizeof suggestion, "%s (2)",
			         f->name);
			f->step = NEW_NAME;
			app_prompt(t->app, why, suggestion, flow_answer, f);
			return;
		}
		if (app_failed(t->app, err, "Could not undelete"))
			break;
		app_flash(t->app, 0, "Undeleted %s.",
		          jstr(json_object_get(result, "pad"), "display_name"));
		t->refresh(t->ud);
		break;
	case PURGE:
		if (app_failed(t->app, err, "Could not purge"))
			break;
		app_flash(t->app, 0, "Purged %s for good.", f->name);
		break;
	default:
		break;
	}
	flow_end(f);
}

void
trash_open(struct trash *t)
{
	struct trash_flow *f = xcalloc(1, sizeof *f);

	f->t = t;
	trash_load(f, NULL);
}
