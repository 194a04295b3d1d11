/*
 * Actions on one pad for the pads screen: create (a name, then a template),
 * rename, delete to the trash (asked first), and its menu: share read-only
 * with a user, the shares (unshare, asked first), backups, the trash.
 *
 * Each action is a small state machine, one struct pad_flow per run: a
 * step, what the steps gathered (the pad's id and name, the new name, the
 * user), one callback for every dialog's answer (flow_answer) and one for
 * every reply (flow_reply), each a switch on the step. A dialog always
 * answers (ok 0 when closed otherwise) and a call always replies, so every
 * flow ends and frees itself; two flows never share a field, and a refresh
 * of the list meanwhile cannot retarget one. A reply that comes after the
 * user left the view the flow started on ends it unheard (view_flow_call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pads.h"
#include "xalloc.h"

enum flow_step {
	NEW_NAME,        /* the name prompt */
	NEW_TEMPLATES,   /* template.list asked (the name came first) */
	NEW_TEMPLATE,    /* the template pick */
	RENAME,          /* the name prompt, with the name */
	DELETE_CONFIRM,  /* "Move ... to the trash?" */
	MENU,            /* the pad's menu */
	SHARE_USER,      /* the username prompt */
	SHARES,          /* pad.shares asked */
	SHARE_PICK,      /* the shares, Enter unshares */
	UNSHARE_CONFIRM, /* "Stop sharing ... ?" */
	SENT,            /* the change is sent: its reply ends the flow */
};

struct pad_flow {
	struct pad_actions *pa;
	struct view *owner; /* the view it started on: its replies go to it */
	enum flow_step step;
	char id[64];           /* the pad */
	char name[128];        /* its name, for the dialogs */
	char new_name[128];    /* a new pad's */
	char user[64];         /* the user a share is ended for */
	json_t *shares;        /* pad.shares, for the pick */
	size_t first_template; /* NEW_TEMPLATE: the choice of templates[0] */
	const char *fail_what; /* SENT: "Could not …" */
	/* SENT: what the flash says when it succeeds. */
	enum { DONE_MSG, DONE_CREATED, DONE_SHARED } done;
	char done_msg[256]; /* DONE_MSG's text */
};

enum {
	MENU_SHARE,
	MENU_SHARES,
	MENU_BACKUPS,
	MENU_RENAME,
	MENU_DELETE,
	MENU_TRASH
};

static const char *const menu_items[] = {
    [MENU_SHARE] = "Share with a user (read-only)…",
    [MENU_SHARES] = "Shared with… (unshare)",
    [MENU_BACKUPS] = "Backups (preview, diff, restore)",
    [MENU_RENAME] = "Rename…",
    [MENU_DELETE] = "Delete… (to the trash)",
    [MENU_TRASH] = "Trash (undelete, purge)…",
};

void
pad_actions_init(struct pad_actions *pa, struct app *a, pad_edit_done refresh,
                 void *ud)
{
	memset(pa, 0, sizeof *pa);
	pa->app = a;
	pa->refresh = refresh;
	pa->ud = ud;
	pa->trash = trash_new(a, refresh, ud);
}

void
pad_actions_free(struct pad_actions *pa)
{
	json_decref(pa->templates);
	pa->templates = NULL;
	trash_free(pa->trash);
	pa->trash = NULL;
}

static void
on_templates(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_actions *pa = ud;

	/* Creating from a template is optional: an error means none. */
	if (!err->code) {
		json_decref(pa->templates);
		pa->templates =
		    json_incref(json_object_get(result, "templates"));
	}
}

void
pad_actions_load_templates(struct pad_actions *pa)
{
	if (!pa->templates)
		rpc_send(pa->app->rpc, "template.list", NULL, on_templates, pa);
}

/* ---- the machine ---- */

static struct pad_flow *
flow_new(struct pad_actions *pa, json_t *pad)
{
	struct pad_flow *f = xcalloc(1, sizeof *f);

	f->pa = pa;
	f->owner = view_base(&pa->app->views);
	if (pad) {
		snprintf(f->id, sizeof f->id, "%s", jstr(pad, "id"));
		snprintf(f->name, sizeof f->name, "%s",
		         jstr(pad, "display_name"));
	}
	return f;
}

static void
flow_end(struct pad_flow *f)
{
	json_decref(f->shares);
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

static void
flow_call(struct pad_flow *f, enum flow_step step, const char *method,
          json_t *params)
{
	f->step = step;
	view_flow_call(f->owner, f->pa->app->rpc, method, params, flow_reply, f,
	               flow_drop);
}

/* The last step of most flows: send the change, flash done_msg after. */
static void
flow_send(struct pad_flow *f, const char *method, json_t *params,
          const char *fail_what)
{
	f->fail_what = fail_what;
	flow_call(f, SENT, method, params);
}

static void
ask_name(struct pad_flow *f, enum flow_step step, const char *title,
         const char *initial)
{
	f->step = step;
	app_prompt(f->pa->app, title, initial, flow_answer, f);
}

static void
ask_confirm(struct pad_flow *f, enum flow_step step, const char *title,
            const char *text)
{
	f->step = step;
	app_confirm(f->pa->app, title, text, flow_answer, f);
}

static void
pick_template(struct pad_flow *f)
{
	struct pad_actions *pa = f->pa;
	json_t *choices, *t;
	size_t i;

	f->done = DONE_CREATED;
	if (json_array_size(pa->templates) == 0) {
		flow_send(f, "pad.create",
		          json_pack("{s:s}", "display_name", f->new_name),
		          "Could not create the pad");
		return;
	}
	choices = json_array();
	/* One blank choice: the server's blank template when it has one,
	 * else ours (no template). */
	f->first_template = 1;
	json_array_foreach (pa->templates, i, t)
		if (strcmp(jstr(t, "name"), "blank") == 0)
			f->first_template = 0;
	if (f->first_template)
		json_array_append_new(choices, json_string("Blank pad"));
	json_array_foreach (pa->templates, i, t) {
		const char *dn = jstr(t, "display_name");

		json_array_append_new(choices, json_string(dn[0] ? dn
		                                           : jstr(t, "name")[0]
		                                               ? jstr(t, "name")
		                                               : "?"));
	}
	f->step = NEW_TEMPLATE;
	app_pick(pa->app, "Template", choices, flow_answer, f);
}

static void
pick_share(struct pad_flow *f)
{
	json_t *choices = json_array(), *s;
	char t[32];
	size_t i;

	json_array_foreach (f->shares, i, s) {
		short_time(jstr(s, "created_at"), t, sizeof t);
		json_array_append_new(choices,
		                      json_sprintf("%s  %s since %s",
		                                   jstr(s, "username"),
		                                   jstr(s, "role"), t));
	}
	f->step = SHARE_PICK;
	app_pick(f->pa->app, "Shared with (Enter unshares)", choices,
	         flow_answer, f);
}

/* What delete asks first. */
static void
ask_delete(struct pad_flow *f)
{
	char text[300];

	snprintf(text, sizeof text, "Move \"%s\" and its backups to the trash?",
	         f->name);
	ask_confirm(f, DELETE_CONFIRM, "Delete pad", text);
}

static void
menu_chosen(struct pad_flow *f, size_t choice)
{
	struct pad_actions *pa = f->pa;

	switch (choice) {
	case MENU_SHARE:
		ask_name(f, SHARE_USER, "Share with (username)", "");
		return;
	case MENU_SHARES:
		flow_call(f, SHARES, "pad.shares",
		          json_pack("{s:s}", "id", f->id));
		return;
	case MENU_BACKUPS:
		backups_view_push(pa->app, f->id, f->name, pa->refresh, pa->ud);
		break;
	case MENU_RENAME:
		ask_name(f, RENAME, "Rename pad", f->name);
		return;
	case MENU_DELETE:
		ask_delete(f);
		return;
	case MENU_TRASH:
		trash_open(pa->trash);
		break;
	}
	flow_end(f);
}

/* A dialog's answer: the next step, or the end of the flow. */
static void
flow_answer(struct app *a, void *ud, int ok, const char *input, size_t choice)
{
	struct pad_flow *f = ud;
	char text[400];

	if (!ok) {
		flow_end(f);
		return;
	}
	switch (f->step) {
	case NEW_NAME:
		if (!input[0]) {
			app_flash(a, 1, "A pad needs a name.");
			break;
		}
		snprintf(f->new_name, sizeof f->new_name, "%s", input);
		if (!f->pa->templates) /* not answered yet: asked again */
			flow_call(f, NEW_TEMPLATES, "template.list", NULL);
		else
			pick_template(f);
		return;
	case NEW_TEMPLATE: {
		json_t *params =
		    json_pack("{s:s}", "display_name", f->new_name);

		if (choice >= f->first_template)
			json_object_set_new(
			    params, "template",
			    json_string(
			        jstr(json_array_get(f->pa->templates,
			                            choice - f->first_template),
			             "name")));
		flow_send(f, "pad.create", params, "Could not create the pad");
		return;
	}
	case RENAME:
		if (!input[0])
			break;
		snprintf(f->done_msg, sizeof f->done_msg, "Saved.");
		flow_send(
		    f, "pad.update",
		    json_pack("{s:s, s:s}", "id", f->id, "display_name", input),
		    "Could not save");
		return;
	case DELETE_CONFIRM:
		snprintf(f->done_msg, sizeof f->done_msg,
		         "Deleted. In the trash: t undeletes.");
		flow_send(f, "pad.delete", json_pack("{s:s}", "id", f->id),
		          "Could not delete");
		return;
	case MENU:
		menu_chosen(f, choice);
		return;
	case SHARE_USER:
		if (!input[0]) {
			app_flash(a, 1, "Sharing needs a username.");
			break;
		}
		f->done = DONE_SHARED;
		flow_send(f, "pad.share",
		          json_pack("{s:s, s:s, s:s}", "id", f->id, "username",
		                    input, "role", "viewer"),
		          "Could not share");
		return;
	case SHARE_PICK:
		if (choice >= json_array_size(f->shares))
			break;
		snprintf(f->user, sizeof f->user, "%s",
		         jstr(json_array_get(f->shares, choice), "username"));
		snprintf(text, sizeof text, "Stop sharing \"%s\" with %s?",
		         f->name, f->user);
		ask_confirm(f, UNSHARE_CONFIRM, "Unshare", text);
		return;
	case UNSHARE_CONFIRM:
		snprintf(f->done_msg, sizeof f->done_msg,
		         "%s can no longer read %s.", f->user, f->name);
		flow_send(
		    f, "pad.unshare",
		    json_pack("{s:s, s:s}", "id", f->id, "username", f->user),
		    "Could not stop sharing");
		return;
	default:
		break;
	}
	flow_end(f);
}

/* A reply: the next step, or the end of the flow. */
static void
flow_reply(void *ud, json_t *result, const struct pl_error *err)
{
	struct pad_flow *f = ud;
	struct pad_actions *pa = f->pa;
	struct app *a = pa->app;

	switch (f->step) {
	case NEW_TEMPLATES:
		on_templates(pa, result, err); /* none is an answer too */
		pick_template(f);
		return;
	case SHARES:
		if (app_failed(a, err, "Could not list the shares"))
			break;
		f->shares = json_incref(json_object_get(result, "shares"));
		if (json_array_size(f->shares) == 0) {
			app_message(a, "Shares", "Not shared with anyone.");
			break;
		}
		pick_share(f);
		return;
	case SENT:
		if (app_failed(a, err, f->fail_what))
			break;
		if (f->done == DONE_CREATED)
			app_flash(a, 0, "Created %s.",
			          jstr(json_object_get(result, "pad"),
			               "display_name"));
		else if (f->done == DONE_SHARED)
			app_flash(
			    a, 0, "Shared %s with %s (read-only).", f->name,
			    jstr(json_object_get(result, "share"), "username"));
		else
			app_flash(a, 0, "%s", f->done_msg);
		pa->refresh(pa->ud);
		break;
	default:
		break;
	}
	flow_end(f);
}

/* ---- the ways in ---- */

void
pad_actions_new(struct pad_actions *pa)
{
	ask_name(flow_new(pa, NULL), NEW_NAME, "New pad name", "");
}

void
pad_actions_rename(struct pad_actions *pa, json_t *pad)
{
	ask_name(flow_new(pa, pad), RENAME, "Rename pad",
	         jstr(pad, "display_name"));
}

void
pad_actions_delete(struct pad_actions *pa, json_t *pad)
{
	ask_delete(flow_new(pa, pad));
}

void
pad_actions_menu(struct pad_actions *pa, json_t *pad)
{
	struct pad_flow *f = flow_new(pa, pad);
	json_t *choices = json_array();
	char title[64];

	for (size_t i = 0; i < sizeof menu_items / sizeof menu_items[0]; i++)
		json_array_append_new(choices, json_string(menu_items[i]));
	snprintf(title, sizeof title, "Pad: %.50s", f->name);
	f->step = MENU;
	app_pick(pa->app, title, choices, flow_answer, f);
}
