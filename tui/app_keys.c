/*
 * The keys every screen shares and what is generated from the key tables
 * of the view on top (view.h): the hint line (what works now, fitted to
 * the width) and the help page, itself a view pushed on the stack (it
 * scrolls; q Esc ? close it).
 */
#include "app_keys.h"

#include <stdio.h>
#include <string.h>

#include "account.h"
#include "readonly.h"
#include "term.h"
#include "text.h"
#include "widgets.h"
#include "xalloc.h"

const struct binding app_global_keys[] = {
    {'?', G_HELP, "help", "help"},
    {K_F1, G_HELP, NULL, NULL},
    {K_TAB, G_NEXT, "next screen (or its number)", NULL},
    {K_BTAB, G_PREV, "previous screen", NULL},
    {'q', G_BACK, "back; quits on the first screen", "back/quit"},
    {K_ESC, G_CLOSE, "back (never quits)", NULL},
    {'L', G_SIGN_OUT, "sign out (asks first)", NULL},
    {K_CTRL('l'), G_REDRAW, "redraw", NULL},
    {0, 0, NULL, NULL},
};

/* While a text field has the keys, q ? L are letters: F1 alone is global. */
static const struct binding typing_keys[] = {
    {K_F1, G_HELP, "help (q, ? and L are typed here)", "help"},
    {0, 0, NULL, NULL},
};

const struct binding *
app_keys_now(struct app *a)
{
	return view_keys(view_base(&a->views));
}

const struct binding *
global_keys_for(struct view *v)
{
	return view_typing(v) ? typing_keys : app_global_keys;
}

/* The global keys that work now: none of the letters while typing. */
const struct binding *
app_global_keys_now(struct app *a)
{
	return global_keys_for(view_base(&a->views));
}

/* 1 when table b shows key on the status line itself. */
static int
binding_hinted(const struct binding *b, int key)
{
	for (; b && b->key; b++)
		if (b->key == key)
			return b->hint != NULL;
	return 0;
}

/* "k hint" of binding b. */
static void
hint_text(int utf8, const struct binding *b, char *out, size_t size)
{
	char name[16];

	term_key_name(b->key, utf8, name, sizeof name);
	snprintf(out, size, "%s %s", name, b->hint);
}

/*
 * The status line's "k hint · k hint" in at most width cells: the screen's
 * table, then the global keys that work now (a key the screen's table
 * shows is its own), in table order until one does not fit; the help
 * key's hint always, last.
 */
void
hints_text(struct view *v, int utf8, int width, char *buf, size_t size)
{
	const struct binding *tables[2] = {view_keys(v), global_keys_for(v)};
	const struct binding *help = NULL;
	char item[96], last[96] = "";
	int used;

	for (const struct binding *b = tables[1]; b->key; b++)
		if (b->action == G_HELP && b->hint) {
			help = b;
			hint_text(utf8, b, last, sizeof last);
			break;
		}
	used = text_width(last);
	buf[0] = '\0';
	for (int t = 0; t < 2; t++)
		for (const struct binding *b = tables[t]; b && b->key; b++) {
			size_t len = strlen(buf);
			int w;

			if (!b->hint || !b->help || b == help ||
			    !binding_shown(b) ||
			    (t == 1 && binding_hinted(tables[0], b->key)))
				continue;
			hint_text(utf8, b, item, sizeof item);
			w = text_width(item) + 3; /* and " · " */
			if (used + w > width)
				goto full;
			used += w;
			snprintf(buf + len, size - len, "%s%s",
			         len ? " · " : "", item);
		}
full:
	if (last[0])
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		         buf[0] ? " · " : "", last);
}

void
binding_hints(const struct binding *b, int utf8, char *buf, size_t size)
{
	char item[96];

	buf[0] = '\0';
	for (; b && b->key; b++) {
		size_t len = strlen(buf);

		if (!b->hint || !binding_shown(b))
			continue;
		hint_text(utf8, b, item, sizeof item);
		snprintf(buf + len, size - len, "%s%s", len ? " · " : "", item);
	}
}

void
app_hints(struct app *a, int width, char *buf, size_t size)
{
	hints_text(view_base(&a->views), ui_utf8(), width, buf, size);
}

/* The names of the keys of the action at *b (its entry and those after it
 * without help), space-separated, leaving out a key taken earlier in
 * table; *b moves past them. "" when every one is taken. */
static void
group_keys(const struct binding *table, const struct binding **b, int utf8,
           char *keys, size_t size)
{
	char name[16];

	keys[0] = '\0';
	do {
		size_t len = strlen(keys);

		term_key_name((*b)->key, utf8, name, sizeof name);
		if (!binding_shadowed(table, *b))
			snprintf(keys + len, size - len, "%s%s", len ? " " : "",
			         name);
		(*b)++;
	} while ((*b)->key && !(*b)->help);
}

/* One line per action: its keys, then what it does (none for the keys
 * that act, on a read-only console). */
static void
help_add(int utf8, const struct binding *b, char *buf, size_t size)
{
	const struct binding *table = b;

	while (b && b->key) {
		const char *help = b->help ? b->help : "";
		char keys[64], padded[96];
		size_t len;

		if (!binding_shown(b)) {
			do
				b++;
			while (b->key && !b->help);
			continue;
		}
		group_keys(table, &b, utf8, keys, sizeof keys);
		if (!keys[0])
			continue;
		text_fit(keys, 16, "…", padded, sizeof padded); /* cells */
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s %s\n", padded, help);
	}
}

void
help_text(struct view *v, int utf8, char *buf, size_t size)
{
	const char *about = v->ops->about;

	snprintf(buf, size, "%s\n\n", about ? about : "");
	text_reflow(buf); /* help_draw wraps it to the window */
	if (readonly_on())
		snprintf(buf + strlen(buf), size - strlen(buf),
		         "Read-only console: the keys that change something "
		         "are left out.\n\n");
	help_add(utf8, view_keys(v), buf, size);
	snprintf(buf + strlen(buf), size - strlen(buf), "\nEverywhere:\n");
	help_add(utf8, global_keys_for(v), buf, size);
}

/* ---- the help page: scrolls like a list, closes with q, Esc, ? or F1 ---- */

enum { H_CLOSE = 1 };
static const struct binding help_keys[] = {
    {'q', H_CLOSE, "close", NULL},
    {K_ESC, H_CLOSE, NULL, NULL},
    {'?', H_CLOSE, NULL, NULL},
    {K_F1, H_CLOSE, NULL, NULL},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

struct help_view {
	struct view v;
	char *text; /* of the view beneath, when it opened */
	int scroll; /* the first line shown */
	int page;   /* its lines on screen, from the last frame */
};

static void
help_view_draw(struct view *v, int rows, int cols)
{
	struct help_view *h = (struct help_view *)v;

	help_draw(rows, cols, h->text, &h->scroll, &h->page);
}

static int
help_view_key(struct view *v, int action, int key)
{
	struct help_view *h = (struct help_view *)v;
	int page = h->page > 1 ? h->page : 1;

	(void)key;
	switch (action) {
	case H_CLOSE:
		app_pop(v->app, v);
		return 1;
	case NAV_UP:
		h->scroll--;
		break;
	case NAV_DOWN:
		h->scroll++;
		break;
	case NAV_PGUP:
		h->scroll -= page;
		break;
	case NAV_PGDN:
		h->scroll += page;
		break;
	case NAV_HOME:
		h->scroll = 0;
		break;
	case NAV_END:
		h->scroll = 1 << 20; /* help_draw clamps it */
		break;
	}
	if (h->scroll < 0)
		h->scroll = 0;
	return 1;
}

static void
help_view_free(struct view *v)
{
	free(((struct help_view *)v)->text);
}

static const struct view_ops help_view_ops = {
    .name = "Help",
    .keys = help_keys,
    .draw = help_view_draw,
    .key = help_view_key,
    .free = help_view_free,
    .modal = 1,
};

void
app_help_open(struct app *a)
{
	struct help_view *h = view_new(sizeof *h, &help_view_ops, a);
	char text[8192];

	help_text(view_base(&a->views), ui_utf8(), text, sizeof text);
	h->text = xstrdup(text);
	app_push(a, &h->v);
}

/* ---- the man page's KEYS section ---- */

/* s for troff: \e for a backslash, \- for a minus, \& before a leading
 * dot or quote (a control line otherwise). */
static void
man_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
}

/* One .TP per action: its keys in bold, then what it does; * marks a
 * key that acts (off on a read-only console). */
static void
man_table(FILE *out, const char *title, const struct binding *b)
{
	const struct binding *table = b;

	fputs(".SS ", out);
	man_text(out, title);
	fputc('\n', out);
	while (b && b->key) {
		const char *help = b->help ? b->help : "";
		int acts = b->action & BIND_ACTS;
		char keys[64];

		group_keys(table, &b, 0, keys, sizeof keys);
		if (!keys[0])
			continue;
		fputs(".TP 18\n\\fB", out);
		man_text(out, keys);
		fprintf(out, "\\fR%s\n", acts ? " *" : "");
		man_text(out, help);
		fputc('\n', out);
	}
}

/* A screen's or view's table, then those of its other modes. */
static void
man_tables(FILE *out, const char *name, const struct binding *keys,
           const struct key_mode *m)
{
	char title[128];

	man_table(out, name, keys);
	for (; m && m->keys; m++) {
		snprintf(title, sizeof title, "%s, %s", name, m->name);
		man_table(out, title, m->keys);
	}
}

void
keys_man(FILE *out)
{
#define SCREEN_REF(n) &screen_##n,
	static const struct screen *const screens_all[] = {SCREENS(SCREEN_REF)};
#undef SCREEN_REF
	static const struct view_ops *const views[] = {
	    &pad_viewer_ops,    &backups_view_ops,  &user_detail_ops,
	    &timeline_view_ops, &attempts_view_ops, &totp_view_ops,
	    &help_view_ops};

	fputs(
	    ".SH KEYS\n"
	    ".\\\" Generated from the key tables by padline \\-\\-keys\\-man:\n"
	    ".\\\" change a table, then put its output here.\n"
	    "What \\fB?\\fR lists on each screen and view, from the same "
	    "key tables.\n"
	    "A key marked \\fB*\\fR changes something: a read\\-only "
	    "console (\\fB\\-\\-readonly\\fR) neither shows nor takes "
	    "it.\n"
	    ".PD 0\n",
	    out);
	man_table(out, "Everywhere", app_global_keys);
	man_table(out, "While typing in a field", typing_keys);
	for (size_t i = 0; i < sizeof screens_all / sizeof screens_all[0]; i++)
		man_tables(out, screens_all[i]->name, screens_all[i]->keys,
		           screens_all[i]->modes);
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
		man_tables(out, views[i]->name, views[i]->keys,
		           views[i]->modes);
	man_table(out, "A form of the Account screen", account_form_keys);
	fputs(".PD\n", out);
}
