/*
 * Kept edits at the next start: after sign-in, each recovery file of this
 * server and user is offered in turn — open it in the editor and save it
 * (through pad_edit.c, if_version = the version it was edited from),
 * discard it after a confirmation, or leave it for later.
 */
#include <stdio.h>
#include <stdlib.h>

#include "models.h"
#include "pad_edit.h"
#include "text.h"
#include "xalloc.h"

struct offer {
	struct app *app;
	struct recovery *v;
	size_t n, i;
};

static void offer_next(struct offer *);

static void
offer_continue(void *ud)
{
	struct offer *o = ud;

	o->i++;
	offer_next(o);
}

static void
offer_discard_confirmed(struct app *a, void *ud, int ok, const char *input,
                        size_t choice)
{
	struct offer *o = ud;

	(void)input;
	(void)choice;
	if (ok) {
		recovery_remove(&o->v[o->i]);
		app_flash(a, 0, "Discarded your kept edit of %s.",
		          o->v[o->i].name);
		o->i++;
	}
	offer_next(o);
}

static void
on_offer_choice(struct app *a, void *ud, int ok, const char *input,
                size_t choice)
{
	struct offer *o = ud;
	struct recovery *r = &o->v[o->i];
	char text[400];

	(void)input;
	if (ok && choice == 0) {
		struct pad_edit *ed = pad_edit_new(a, offer_continue, o);

		recovery_copy(&ed->rec, r);
		ed->kept = 1;
		pad_edit_editor(ed, ed->rec.text);
	} else if (ok && choice == 1) {
		snprintf(text, sizeof text,
		         "Discard your unsaved edit of %s? It cannot be "
		         "recovered afterwards.",
		         r->name);
		app_confirm(a, "Discard the kept edit", text,
		            offer_discard_confirmed, o);
	} else
		offer_continue(o);
}

static void
offer_next(struct offer *o)
{
	char text[600], since[32];
	struct recovery *r;
	json_t *choices;

	if (o->i >= o->n) {
		recovery_list_free(o->v, o->n);
		free(o);
		return;
	}
	r = &o->v[o->i];
	/* As every screen writes a time (short_time), said to be UTC. */
	short_time(r->saved_at, since, sizeof since);
	snprintf(text, sizeof text,
	         "An edit of pad \"%s\" was not saved: it is kept since %s UTC "
	         "(edited from version %lld). Edit %zu of %zu kept.",
	         r->name, since, r->base_version, o->i + 1, o->n);
	choices = json_pack("[s, s, s]", "e  open it in the editor, then save",
	                    "d  discard it (asks first)", "l  later (keep it)");
	app_choose(o->app, "Recover an unsaved edit", text, choices,
	           on_offer_choice, o);
}

void
pad_edit_offer_recovery(struct app *a)
{
	struct offer *o = xcalloc(1, sizeof *o);

	o->app = a;
	o->n = recovery_list(a->server, jstr(a->me, "id"), &o->v);
	offer_next(o);
}
