/*
 * The TUI's loop and shell: curses setup and guaranteed teardown (exit,
 * SIGINT/SIGTERM/SIGHUP), input dispatch (dialog, help, screen, global
 * keys), coalesced redraws, resize, screen switching and the session file.
 */
#include "app.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "protocol.h"
#include "widgets.h"

#define REDRAW_MS 40 /* at most 25 frames a second, whatever the event rate */
#define MIN_COLS 80
#define MIN_ROWS 24

static const struct screen *const screens[SCR_COUNT] = {
    [SCR_LOGIN] = &screen_login, [SCR_REGISTER] = &screen_register,
    [SCR_PADS] = &screen_pads,   [SCR_DASH] = &screen_dash,
    [SCR_USERS] = &screen_users,
};

static int curses_on;

static void
curses_restore(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

/* ---- state changes ---- */

void
app_dirty(struct app *a)
{
	a->dirty = 1;
}

void
app_flash(struct app *a, int is_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->flash, sizeof a->flash, fmt, ap);
	va_end(ap);
	a->flash_err = is_error;
	a->flash_at = uv_now(a->loop);
	app_dirty(a);
}

void
app_switch(struct app *a, enum screen_id s)
{
	if ((s == SCR_DASH || s == SCR_USERS) && !a->admin) {
		app_flash(a, 1, "That screen is for administrators.");
		return;
	}
	a->screen = s;
	a->help = 0;
	if (screens[s]->enter)
		screens[s]->enter(a);
	app_dirty(a);
}

void
app_quit(struct app *a)
{
	a->quitting = 1;
	uv_stop(a->loop);
}

static void
dlg_open(struct app *a, enum dlg_kind k, const char *title, const char *text,
         dlg_done done)
{
	json_decref(a->dlg.choices);
	memset(&a->dlg, 0, sizeof a->dlg);
	a->dlg.kind = k;
	snprintf(a->dlg.title, sizeof a->dlg.title, "%s", title);
	snprintf(a->dlg.text, sizeof a->dlg.text, "%s", text ? text : "");
	a->dlg.done = done;
	app_dirty(a);
}

void
app_confirm(struct app *a, const char *title, const char *text, dlg_done d)
{
	dlg_open(a, DLG_CONFIRM, title, text, d);
}

void
app_prompt(struct app *a, const char *title, const char *initial, dlg_done d)
{
	dlg_open(a, DLG_PROMPT, title, "", d);
	snprintf(a->dlg.input, sizeof a->dlg.input, "%s",
	         initial ? initial : "");
}

void
app_message(struct app *a, const char *title, const char *text)
{
	dlg_open(a, DLG_MESSAGE, title, text, NULL);
}

void
app_pick(struct app *a, const char *title, json_t *choices, dlg_done d)
{
	dlg_open(a, DLG_PICK, title, "", d);
	a->dlg.choices = choices;
}

void
app_signed_in(struct app *a, json_t *user, const char *token)
{
	json_t *roles = json_object_get(user, "roles");
	size_t i;
	json_t *r;

	json_decref(a->me);
	a->me = json_incref(user);
	a->admin = 0;
	json_array_foreach (roles, i, r)
		if (json_is_string(r) &&
		    strcmp(json_string_value(r), "admin") == 0)
			a->admin = 1;
	if (json_is_true(json_object_get(user, "is_admin")))
		a->admin = 1;
	if (token) {
		snprintf(a->token, sizeof a->token, "%s", token);
		if (session_save(token))
			app_flash(a, 1, "Could not save the session file.");
	}
	memset(a->login.password, 0, sizeof a->login.password);
	app_switch(a, SCR_PADS);
}

void
app_sign_out(struct app *a)
{
	if (a->token[0])
		rpc_call(a->rpc, "session.logout", NULL, NULL, NULL);
	a->token[0] = '\0';
	session_forget();
	/* Signing back in (or as someone else) starts from who this was. */
	snprintf(a->login.username, sizeof a->login.username, "%s",
	         jstr(a->me, "username"));
	json_decref(a->me);
	a->me = NULL;
	a->admin = 0;
	app_switch(a, SCR_LOGIN);
}

int
app_auth_lost(struct app *a, const struct pl_error *err)
{
	if (err->code != PL_ERR_UNAUTHORIZED || !a->me)
		return 0;
	a->token[0] = '\0';
	app_sign_out(a);
	snprintf(a->login.error, sizeof a->login.error,
	         "Your session has ended: sign in again.");
	return 1;
}

int
app_failed(struct app *a, const struct pl_error *err, const char *what)
{
	if (!err->code)
		return 0;
	if (!app_auth_lost(a, err))
		app_flash(a, 1, "%s: %s", what, err->message);
	return 1;
}

static json_t *
app_resume_params(void *ud)
{
	struct app *a = ud;

	return a->token[0] ? json_pack("{s:s}", "token", a->token) : NULL;
}

/* ---- drawing ---- */

static void
app_draw(struct app *a)
{
	const struct screen *s = screens[a->screen];
	int rows = LINES, cols = COLS;

	ui_cursor_reset();
	erase();
	if (cols < MIN_COLS || rows < MIN_ROWS) {
		ui_attr(UI_ERR);
		ui_putf(rows / 2 - 1, 0, cols, "Terminal too small");
		ui_attr(UI_NORMAL);
		ui_putf(rows / 2, 0, cols, "need %dx%d, have %dx%d", MIN_COLS,
		        MIN_ROWS, cols, rows);
		ui_putf(rows / 2 + 1, 0, cols, "q quits");
		curs_set(0);
		refresh();
		return;
	}
	ui_attr(UI_STATUS);
	mvhline(0, 0, ' ', cols);
	ui_putf(0, 1, cols - 2, "padline · %s%s%s", s->name, a->me ? " · " : "",
	        a->me ? json_string_value(json_object_get(a->me, "username"))
	              : "");
	if (a->me) {
		char tabs[128];

		snprintf(tabs, sizeof tabs, "1 Pads%s",
		         a->admin ? "  2 Dashboard  3 Users" : "");
		ui_put(0, cols - 1 - text_width(tabs), 0, tabs);
	}
	ui_attr(UI_NORMAL);
	s->draw(a, rows, cols);
	status_draw(a, rows, cols, s->keys_now ? s->keys_now(a) : s->keys);
	if (a->help)
		help_draw(a, rows, cols, s->help);
	if (a->dlg.kind != DLG_NONE) {
		ui_cursor_reset();
		dialog_draw(a, rows, cols);
	}
	ui_cursor_apply();
	refresh();
}

void dash_tick(struct app *);

static void
on_redraw(uv_timer_t *t)
{
	struct app *a = t->data;

	dash_tick(a);
	/* Flash messages fade after 6 s; the spinner needs ticks while busy. */
	if (a->flash[0] && uv_now(a->loop) - a->flash_at > 6000) {
		a->flash[0] = '\0';
		a->dirty = 1;
	}
	if (rpc_pending(a->rpc) && rpc_oldest_ms(a->rpc) > 200)
		a->dirty = 1;
	if (!a->dirty)
		return;
	a->dirty = 0;
	a->dash.redraws++;
	app_draw(a);
}

static void
app_resize(struct app *a)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row &&
	    ws.ws_col)
		resize_term(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	app_dirty(a);
}

/* ---- input ---- */

static void
app_key(struct app *a, int is_key, wint_t ch)
{
	const struct screen *s = screens[a->screen];

	if (is_key && ch == KEY_RESIZE) {
		app_resize(a);
		return;
	}
	if (!is_key && ch == 12) { /* Ctrl-L */
		clearok(curscr, TRUE);
		app_dirty(a);
		return;
	}
	app_dirty(a);
	if (COLS < MIN_COLS || LINES < MIN_ROWS) {
		if (!is_key && ch == 'q')
			app_quit(a);
		return;
	}
	if (a->dlg.kind != DLG_NONE) {
		dialog_key(a, is_key, ch);
		return;
	}
	if (a->help) {
		a->help = 0;
		return;
	}
	if (is_key && ch == KEY_F(1)) { /* help even where ? is text */
		a->help = 1;
		return;
	}
	if (s->key(a, is_key, ch))
		return;
	if (is_key)
		return;
	switch (ch) {
	case '?':
		a->help = 1;
		break;
	case '\t':
		if (a->me) {
			enum screen_id n = a->screen == SCR_PADS && a->admin
			                       ? SCR_DASH
			                   : a->screen == SCR_DASH ? SCR_USERS
			                                           : SCR_PADS;
			app_switch(a, n);
		}
		break;
	case '1':
		if (a->me)
			app_switch(a, SCR_PADS);
		break;
	case '2':
		if (a->me)
			app_switch(a, SCR_DASH);
		break;
	case '3':
		if (a->me)
			app_switch(a, SCR_USERS);
		break;
	case 'q':
		app_quit(a);
		break;
	case 'L':
		if (a->me)
			app_sign_out(a);
		break;
	}
}

static void
on_input(uv_poll_t *p, int status, int events)
{
	struct app *a = p->data;
	wint_t ch;
	int r;

	(void)events;
	if (status < 0) {
		app_quit(a);
		return;
	}
	while (!a->quitting && (r = get_wch(&ch)) != ERR)
		app_key(a, r == KEY_CODE_YES, ch);
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

	if (signum == SIGWINCH) {
		app_resize(a);
		return;
	}
	app_quit(a);
}

void
app_suspend(struct app *a)
{
	uv_poll_stop(&a->input);
	def_prog_mode();
	endwin();
}

void
app_resume(struct app *a)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	uv_poll_start(&a->input, UV_READABLE, on_input);
	app_dirty(a);
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
	json_decref(a->hello);
	a->hello = json_incref(result);
	reg_model_set_hello(&a->reg, result);
	if (a->login.server_down) {
		a->login.server_down = 0;
		a->login.error[0] = '\0';
	}
	app_dirty(a);
}

void app_connect(struct app *a);

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
			session_forget();
			a->token[0] = '\0';
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

/* Asks the server for hello (and resumes a saved session). Also the retry. */
void
app_connect(struct app *a)
{
	char token[256];

	rpc_call(a->rpc, "server.hello", NULL, on_hello, a);
	if (!a->me && session_load(token, sizeof token) == 0) {
		/* Not via the hook: the first resume decides the screen. */
		rpc_call(a->rpc, "session.resume",
		         json_pack("{s:s}", "token", token), on_resume, a);
		snprintf(a->token, sizeof a->token, "%s", token);
	}
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
	static struct app app; /* big (models); not on the stack */
	struct app *a = &app;
	static const int sigs[4] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
	char host[256];
	int port;

	if (rpc_parse_addr(server, host, sizeof host, &port, PL_DEFAULT_PORT)) {
		fprintf(stderr, "padline: bad server address '%s'\n", server);
		return 2;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr,
		        "padline: needs a terminal (try `padline watch`)\n");
		return 2;
	}
	setlocale(LC_ALL, "");
	a->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	a->loop = uv_default_loop();
	snprintf(a->server, sizeof a->server, "%s", server);
	snprintf(a->redis_url, sizeof a->redis_url, "%s",
	         redis_url ? redis_url : "");
	a->rpc = rpc_client_new(a->loop, host, port);
	if (rpc_client_tls_for(a->rpc, server) != 0)
		return 2;
	rpc_client_on_connect(a->rpc, app_resume_params, a);
	login_model_init(&a->login);
	reg_model_init(&a->reg);
	list_init(&a->pads.list, (const char *const[]){"display_name", NULL});
	list_init(&a->pads.backups, NULL);
	list_init(&a->users.users,
	          (const char *const[]){"username", "email", NULL});
	list_init(&a->users.invites, (const char *const[]){"note", NULL});
	dash_init(&a->dash.model);

	if (!initscr()) {
		fprintf(stderr, "padline: cannot initialise the terminal\n");
		return 1;
	}
	curses_on = 1;
	atexit(curses_restore);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	a->color = has_colors() && !getenv("NO_COLOR");
	ui_init(a->color, a->utf8);

	uv_poll_init(a->loop, &a->input, STDIN_FILENO);
	a->input.data = a;
	uv_poll_start(&a->input, UV_READABLE, on_input);
	uv_timer_init(a->loop, &a->redraw);
	a->redraw.data = a;
	uv_timer_start(&a->redraw, on_redraw, REDRAW_MS, REDRAW_MS);
	uv_timer_init(a->loop, &a->retry);
	a->retry.data = a;
	for (int i = 0; i < 4; i++) {
		uv_signal_init(a->loop, &a->sig[i]);
		a->sig[i].data = a;
		uv_signal_start(&a->sig[i], on_signal, sigs[i]);
	}
	a->screen = SCR_LOGIN;
	screen_login.enter(a);
	app_connect(a);
	app_draw(a);

	uv_run(a->loop, UV_RUN_DEFAULT);

	curses_restore();
	sub_free(a->sub);
	rpc_client_free(a->rpc);
	uv_walk(a->loop, on_close_walk, NULL);
	uv_run(a->loop, UV_RUN_DEFAULT);
	return 0;
}
