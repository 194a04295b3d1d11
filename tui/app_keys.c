/*
 * The keys every screen shares and what is generated from the key tables:
 * the hint line (what works now, fitted to the width) and the help page
 * (its text and its own keys: it scrolls, q Esc ? close it).
 */
#include "app_keys.h"

#include <stdio.h>
#include <string.h>

#include "term.h"
#include "text.h"
#include "widgets.h"

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

int
binding_action(const struct binding *b, int key)
{
	for (; b && b->key; b++)
		if (b->key == key)
			return b->action;
	return 0;
}

const struct binding *
app_keys_now(struct app *a)
{
	const struct screen *s = app_current(a);

	return s->keys_now ? s->keys_now(a, a->state[a->screen]) : s->keys;
}

/* The global keys that work now: none of the letters while typing. */
const struct binding *
app_global_keys_now(struct app *a)
{
	const struct screen *s = app_current(a);

	if (s->signed_out || (s->typing && s->typing(a, a->state[a->screen])))
		return typing_keys;
	return app_global_keys;
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
hint_text(const struct app *a, const struct binding *b, char *out, size_t size)
{
	char name[16];

	term_key_name(b->key, a->utf8, name, sizeof name);
	snprintf(out, size, "%s %s", name, b->hint);
}

/*
 * The status line's "k hint · k hint" in at most width cells: the screen's
 * table, then the global keys that work now (a key the screen's table
 * shows is its own), in table order until one does not fit; the help
 * key's hint always, last.
 */
void
app_hints(struct app *a, int width, char *buf, size_t size)
{
	const struct binding *tables[2] = {app_keys_now(a),
	                                   app_global_keys_now(a)};
	const struct binding *help = NULL;
	char item[96], last[96] = "";
	int used;

	for (const struct binding *b = tables[1]; b->key; b++)
		if (b->action == G_HELP && b->hint) {
			help = b;
			hint_text(a, b, last, sizeof last);
			break;
		}
	used = text_width(last);
	buf[0] = '\0';
	for (int t = 0; t < 2; t++)
		for (const struct binding *b = tables[t]; b && b->key; b++) {
			size_t len = strlen(buf);
			int w;

			if (!b->hint || !b->help || b == help ||
			    (t == 1 && binding_hinted(tables[0], b->key)))
				continue;
			hint_text(a, b, item, sizeof item);
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

/* One line per action: its keys, then what it does. */
static void
help_add(const struct app *a, const struct binding *b, char *buf, size_t size)
{
	while (b && b->key) {
		const char *help = b->help ? b->help : "";
		char keys[64] = "", name[16], padded[96];
		size_t len;

		do {
			term_key_name(b->key, a->utf8, name, sizeof name);
			len = strlen(keys);
			snprintf(keys + len, sizeof keys - len, "%s%s",
			         len ? " " : "", name);
			b++;
		} while (b->key && !b->help);
		text_fit(keys, 16, "…", padded, sizeof padded); /* cells */
		len = strlen(buf);
		snprintf(buf + len, size - len, "%s %s\n", padded, help);
	}
}

void
app_help_text(struct app *a, char *buf, size_t size)
{
	const struct screen *s = app_current(a);

	snprintf(buf, size, "%s\n\n", s->about ? s->about : "");
	text_reflow(buf); /* help_draw wraps it to the window */
	help_add(a, app_keys_now(a), buf, size);
	snprintf(buf + strlen(buf), size - strlen(buf), "\nEverywhere:\n");
	help_add(a, app_global_keys_now(a), buf, size);
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

void
app_help_open(struct app *a)
{
	a->help = 1;
	a->help_scroll = 0;
}

void
app_help_key(struct app *a, int key)
{
	int action = binding_action(help_keys, key);
	int page = a->help_page > 1 ? a->help_page : 1;

	switch (action) {
	case H_CLOSE:
		a->help = 0;
		return;
	case NAV_UP:
		a->help_scroll--;
		break;
	case NAV_DOWN:
		a->help_scroll++;
		break;
	case NAV_PGUP:
		a->help_scroll -= page;
		break;
	case NAV_PGDN:
		a->help_scroll += page;
		break;
	case NAV_HOME:
		a->help_scroll = 0;
		break;
	case NAV_END:
		a->help_scroll = 1 << 20; /* help_draw clamps it */
		break;
	}
	if (a->help_scroll < 0)
		a->help_scroll = 0;
}
