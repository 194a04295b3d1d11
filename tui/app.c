/*
 * The TUI's loop and shell: the terminal (through term.c), input dispatch
 * (the top view of the stack, then the global table), coalesced redraws,
 * the title and tab bar, and signals (the screens under the stack and the
 * status message are app_screens.c, dialogs dialog.c, sign-in and the
 * connection app_session.c, the shared keys, hints and help app_keys.c).
 * Nothing here knows any one screen or view: it hands keys to the stack.
 */
#include "app.h"
#include "app_keys.h"
#include "app_screens.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "term.h"
#include "protocol.h"
#include "session_file.h"
#include "sub.h"
#include "tls_pin.h"
#include "widgets.h"
#include "xalloc.h"

#define REDRAW_MS 40 /* at most 25 frames a second, whatever the event rate */
/* The smallest terminal the screens lay out in (columns and panels give
 * way by priority down to it); below, a message says what is needed. */
#define MIN_COLS 64
#define MIN_ROWS 16

void
app_dirty(struct app *a)
{
	a->dirty = 1;
}

/* How a tab is labelled: its name, its short name, its number alone. */
enum tab_form { TAB_NAME, TAB_SHORT, TAB_NUMBER };

/* The bar with each tab i in form[i] (spaced: two spaces between tabs). */
static void
tab_bar_text(const size_t *tabs, size_t ntabs, size_t cur,
             const enum tab_form *form, int spaced, char *out, size_t size,
             size_t *cur_b, size_t *cur_n)
{
	out[0] = '\0';
	*cur_n = 0;
	for (size_t i = 0; i < ntabs; i++) {
		const struct screen *t = app_screen_at(tabs[i]);
		const char *name =
		    form[i] == TAB_NAME || !t->tab ? t->name : t->tab;
		size_t b;

		snprintf(out + strlen(out), size - strlen(out), "%s",
		         i ? (spaced ? "  " : " ") : "");
		b = strlen(out);
		snprintf(out + strlen(out), size - strlen(out), "%zu%s%s",
		         i + 1, form[i] == TAB_NUMBER ? "" : " ",
		         form[i] == TAB_NUMBER ? "" : name);
		if (tabs[i] == cur) {
			*cur_b = b;
			*cur_n = strlen(out) - b;
		}
	}
}

/*
 * The tab bar in at most width cells: "1 Pads  2 Dashboard ...", giving
 * way from the last tab on: first the screens' short names ("2 Dash"),
 * then the numbers alone (the title names the screen shown), then single
 * spaces. The first tabs keep their names longest: eight tabs and a
 * username share 80 columns. The tab of screen cur is the *cur_n bytes
 * from out + *cur_b (none: 0).
 */
static void
tab_bar(const size_t *tabs, size_t ntabs, size_t cur, int width, char *out,
        size_t size, size_t *cur_b, size_t *cur_n)
{
	enum tab_form form[SCREEN_COUNT];

	for (size_t i = 0; i < ntabs; i++)
		form[i] = TAB_NAME;
	for (enum tab_form f = TAB_SHORT; f <= TAB_NUMBER; f++)
		for (size_t i = ntabs; i-- > 0;) {
			tab_bar_text(tabs, ntabs, cur, form, 1, out, size,
			             cur_b, cur_n);
			if (text_width(out) <= width)
				return;
			form[i] = f;
		}
	tab_bar_text(tabs, ntabs, cur, form, 1, out, size, cur_b, cur_n);
	if (text_width(out) > width)
		tab_bar_text(tabs, ntabs, cur, form, 0, out, size, cur_b,
		             cur_n);
}

void
app_quit(struct app *a, int exit_code)
{
	a->quitting = 1;
	a->exit_code = exit_code;
	uv_stop(a->loop);
}

int
app_rows(void)
{
	int rows, cols;

	term_size(&rows, &cols);
	return rows;
}

/* ---- the live feed: every screen hears it ---- */

static void
on_live_event(void *ud, json_t *ev)
{
	app_screens_event(ud, ev);
}

static void
on_live_state(void *ud)
{
	on_live_event(ud, NULL);
	app_dirty(ud);
}

int
app_live(struct app *a)
{
	char *pin;

	if (a->feed)
		return 0;
	pin = tls_pin_path();
	a->feed = feed_new(a->loop, a->rpc, a->redis_url, a->server, a->hello,
	                   pin, -1, on_live_event, on_live_state, a);
	free(pin);
	if (!a->feed) {
		app_flash(a, 1, "Bad Redis URL: live updates are off.");
		return -1;
	}
	return 0;
}

/* ---- drawing ---- */

static void
app_draw(struct app *a)
{
	const struct screen *s = app_current(a);
	size_t tabs[SCREEN_COUNT], ntabs = app_tabs(a, tabs);
	char hints[512] = "", tabbar[256] = "", title[160];
	int rows, cols;
	size_t cur_b = 0, cur_n = 0;

	term_size(&rows, &cols);
	ui_cursor_reset();
	ui_clear();
	if (cols < MIN_COLS || rows < MIN_ROWS) {
		ui_attr(UI_ERR);
		ui_putf(rows / 2 - 1, 0, cols, "Terminal too small");
		ui_attr(UI_NORMAL);
		ui_putf(rows / 2, 0, cols, "need %dx%d, have %dx%d", MIN_COLS,
		        MIN_ROWS, cols, rows);
		ui_putf(rows / 2 + 1, 0, cols, "q quits");
		ui_cursor_apply();
		ui_frame_end();
		return;
	}
	ui_attr(UI_STATUS);
	ui_fill(0, 0, cols);
	snprintf(title, sizeof title, "padline · %s%s%s", s->name,
	         a->me ? " · " : "", a->me ? jstr(a->me, "username") : "");
	if (a->me)
		tab_bar(tabs, ntabs, app_current_index(a),
		        cols - 3 - text_width(title), tabbar, sizeof tabbar,
		        &cur_b, &cur_n);
	/* The title gets what the tabs leave (never drawn under them). */
	ui_putf(0, 1, cols - 3 - text_width(tabbar), "%s", title);
	if (tabbar[0])
		ui_put(0, cols - 1 - text_width(tabbar), 0, tabbar);
	if (cur_n && cur_n < 64) {
		char tab[64];

		/* The current tab stands out of the bar (its text again). */
		memcpy(tab, tabbar + cur_b, cur_n);
		tab[cur_n] = '\0';
		ui_attr(UI_TAB);
		ui_put(0,
		       cols - 1 - text_width(tabbar) +
		           text_width_n(tabbar, cur_b),
		       0, tab);
	}
	ui_attr(UI_NORMAL);
	/* The full view on top, its status line, then the dialogs over
	 * it (the help page is one). */
	for (size_t i = view_base_index(&a->views); i < a->views.n; i++) {
		struct view *v = a->views.v[i];

		if (v->ops->modal)
			ui_cursor_reset(); /* the dialog's field has it */
		v->ops->draw(v, rows, cols);
		if (!v->ops->modal) {
			app_hints(a, cols - 2 - status_busy_width(a), hints,
			          sizeof hints);
			status_draw(a, rows, cols, hints);
		}
	}
	ui_cursor_apply();
	ui_frame_end();
}

/* padlined stopped answering or answers again: every screen says so (the
 * status line); back, the screen shown reloads what it shows. */
static void
on_probe_changed(void *ud, int up)
{
	struct app *a = ud;
	int err;

	if (up) {
		app_reconnected(a);
		/* Never over a message: it is what the first request after
		 * the outage said (a retried save's "saved"). */
		if (!app_flash_text(a, &err))
			app_flash(a, 0, "padlined answers again.");
		if (!view_top(&a->views)->ops->modal)
			app_screen_enter(a);
	}
	app_dirty(a);
}

static void
on_redraw(uv_timer_t *t)
{
	struct app *a = t->data;

	app_screens_tick(a); /* and the status message fades */
	/* The spinner needs ticks while busy. */
	if (rpc_pending(a->rpc) && rpc_oldest_ms(a->rpc) > 200)
		a->dirty = 1;
	if (a->probe.down &&
	    probe_age_ms(&a->probe) / 1000 != a->probe_drawn_age) {
		a->probe_drawn_age = probe_age_ms(&a->probe) / 1000;
		a->dirty = 1; /* the age it shows */
	}
	if (!a->dirty)
		return;
	a->dirty = 0;
	app_draw(a);
}

/* ---- input ---- */

static void
on_sign_out_confirmed(struct app *a, void *ud, int ok, const char *input,
                      size_t choice)
{
	(void)ud;
	(void)input;
	(void)choice;
	if (ok && a->me)
		app_sign_out(a);
}

/* The user goes to another screen: the status message was about this
 * one, and stays with it (a flash set while switching, by enter, is the
 * new screen's). */
static void
app_navigate(struct app *a, const struct screen *s)
{
	app_flash_clear(a);
	app_switch(a, s);
}

static void
app_global_key(struct app *a, int key)
{
	size_t tabs[SCREEN_COUNT], ntabs = app_tabs(a, tabs);

	switch (binding_action(app_global_keys, key)) {
	case G_HELP:
		app_help_open(a);
		return;
	case G_NEXT:
	case G_PREV:
		for (size_t i = 0; i < ntabs; i++)
			if (tabs[i] == app_current_index(a)) {
				size_t step = binding_action(app_global_keys,
				                             key) == G_NEXT
				                  ? 1
				                  : ntabs - 1;

				app_navigate(
				    a, app_screen_at(tabs[(i + step) % ntabs]));
				return;
			}
		return;
	case G_BACK:
	case G_CLOSE:
		/* Screens clear their filters and leave their sub-views
		 * first (their own q/Esc); only q on the first screen quits. */
		if (a->views.n > 1)
			view_pop(&a->views); /* a view without its own q */
		else if (app_current_index(a) != app_home_index(a))
			app_navigate(a, app_screen_at(app_home_index(a)));
		else if (binding_action(app_global_keys, key) == G_BACK)
			app_quit(a, 0);
		return;
	case G_SIGN_OUT:
		if (a->me)
			app_confirm(a, "Sign out",
			            "Sign out and forget the saved session?",
			            on_sign_out_confirmed, NULL);
		return;
	case G_REDRAW:
		term_full_redraw();
		return;
	}
	if (key >= '1' && key <= '9' && (size_t)(key - '1') < ntabs)
		app_navigate(a, app_screen_at(tabs[key - '1']));
}

static void
app_key(struct app *a, int key)
{
	int rows, cols;

	app_dirty(a);
	app_flash_seen(a);
	if (key == K_RESIZE) {
		term_resize();
		return;
	}
	term_size(&rows, &cols);
	if (cols < MIN_COLS || rows < MIN_ROWS) {
		if (key == 'q')
			app_quit(a, 0);
		return;
	}
	if (key == K_F1 && !view_top(&a->views)->ops->modal) {
		app_help_open(a); /* help even where ? is text */
		return;
	}
	if (view_stack_key(&a->views, key))
		return;
	app_global_key(a, key);
}

static void
on_input(uv_poll_t *p, int status, int events)
{
	struct app *a = p->data;
	int key;

	(void)events;
	if (status < 0) {
		app_quit(a, 1);
		return;
	}
	while (!a->quitting && (key = term_read()) != K_NONE)
		app_key(a, key);
	if (a->dirty && !a->quitting) {
		/* Typing feels immediate; event storms still go via the timer.
		 */
		a->dirty = 0;
		app_draw(a);
	}
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct app *a = s->data;

	/* SIGCONT: a resize while stopped signalled the shell, which had
	 * the terminal then; the size is read again on resume. */
	if (signum == SIGWINCH || signum == SIGCONT) {
		term_resize();
		app_dirty(a);
		return;
	}
	/* Ctrl-C is 130, as a shell reports an interrupted program. */
	app_quit(a, 128 + signum);
}

void
app_suspend(struct app *a)
{
	uv_poll_stop(&a->input);
	term_suspend();
}

void
app_resume(struct app *a)
{
	term_resume();
	uv_poll_start(&a->input, UV_READABLE, on_input);
	app_dirty(a);
}

static void
on_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int
app_run(const char *server, const char *redis_url)
{
	static const int sigs[5] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGCONT};
	struct app *a;
	char host[256];
	int port, rc, color, utf8;

	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT)) {
		fprintf(stderr, "padline: bad server address '%s'\n", server);
		return 2;
	}
	if (!term_is_tty()) {
		fprintf(stderr,
		        "padline: needs a terminal (try `padline watch`)\n");
		return 2;
	}
	a = xcalloc(1, sizeof *a);
	a->loop = uv_default_loop();
	snprintf(a->server, sizeof a->server, "%s", server);
	snprintf(a->redis_url, sizeof a->redis_url, "%s",
	         redis_url ? redis_url : "");
	a->rpc = rpc_client_new(a->loop, host, port);
	if (rpc_client_tls_for(a->rpc, server) != 0)
		return 2;
	rpc_client_on_connect(a->rpc, app_resume_params, a);
	login_model_init(&a->login);
	if (session_drop_legacy())
		snprintf(a->login.error, sizeof a->login.error,
		         "The old saved session was removed (it named no "
		         "server): sign in again.");
	if (term_begin(&color, &utf8)) {
		fprintf(stderr, "padline: cannot initialise the terminal\n");
		return 1;
	}
	ui_init(color, utf8);
	app_screens_init(a);

	uv_poll_init(a->loop, &a->input, term_input_fd());
	a->input.data = a;
	uv_poll_start(&a->input, UV_READABLE, on_input);
	uv_timer_init(a->loop, &a->redraw);
	a->redraw.data = a;
	uv_timer_start(&a->redraw, on_redraw, REDRAW_MS, REDRAW_MS);
	uv_timer_init(a->loop, &a->retry);
	a->retry.data = a;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		uv_signal_init(a->loop, &a->sig[i]);
		a->sig[i].data = a;
		uv_signal_start(&a->sig[i], on_signal, sigs[i]);
	}
	app_go_home(a);
	app_connect(a);
	probe_start(&a->probe, a->loop, a->rpc, on_probe_changed, a);
	app_draw(a);

	uv_run(a->loop, UV_RUN_DEFAULT);

	/* Dialogs left open are cancelled; the screen stays under the
	 * calls the client fails as it closes (their messages go to it). */
	view_pop_to(&a->views, 1);
	term_end();
	feed_free(a->feed);
	probe_stop(&a->probe);
	rpc_client_free(a->rpc);
	uv_walk(a->loop, on_close_walk, NULL);
	uv_run(a->loop, UV_RUN_DEFAULT);
	view_pop_to(&a->views, 0);
	app_screens_free(a);
	json_decref(a->hello);
	json_decref(a->me);
	rc = a->exit_code;
	free(a);
	return rc;
}
