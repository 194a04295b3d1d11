/*
 * The TUI application: one libuv loop carrying the terminal input, the
 * server connection, the Redis subscription and a redraw timer that
 * coalesces repaints. app.c owns the terminal, the sign-in state, the
 * screen table and the view stack (view.h): the current tab's screen at
 * the bottom, sub-views and dialogs pushed on it. Each screen
 * (tui/<screen>.c) owns its state behind one struct screen, and screens.h
 * lists them; each pushed view (tui/view_*.c and the screens' parts) owns
 * its own.
 */
#ifndef PL_TUI_APP_H
#define PL_TUI_APP_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "edit.h"
#include "models.h"
#include "feed.h"
#include "probe.h"
#include "rpc_client.h"
#include "view.h"

struct app;

struct screen {
	const char *name;
	const char *tab; /* optional: a shorter name for a crowded tab bar */
	int admin_only;
	int signed_out;             /* shown before sign-in (no tab) */
	const char *about;          /* the help page's first lines */
	const struct binding *keys; /* the key table */
	/* Optional: the table for the screen's current mode. */
	const struct binding *(*keys_now)(struct app *, void *st);
	/* Optional: the tables keys_now returns besides keys (the man page
	 * lists them). */
	const struct key_mode *modes;
	void *(*init)(struct app *);
	void (*free)(void *st);
	void (*enter)(struct app *, void *st);
	void (*draw)(struct app *, void *st, int rows, int cols);
	/* action: the table's action for key, 0 when the table has none (a
	 * text field's typing). Returns 1 when used; 0 leaves the key to the
	 * global table (Tab, digits, q back/quit, L sign out, ? help). */
	int (*key)(struct app *, void *st, int action, int key);
	/* Optional: 1 while printable keys go to a text field (the status
	 * line then leaves out the global letter keys). Screens with
	 * signed_out set always type. */
	int (*typing)(struct app *, void *st);
	/* Optional: every redraw tick (25/s), whether shown or not. */
	void (*tick)(struct app *, void *st);
	/* Optional: a live event (NULL: the live feed changed state). */
	void (*on_event)(struct app *, void *st, json_t *event);
};

#include "screens.h"

typedef void (*dlg_done)(struct app *, void *ud, int ok, const char *input,
                         size_t choice);

/* A screen's view at the bottom of the stack (app.c). */
struct screen_view;

struct app {
	uv_loop_t *loop;
	struct rpc_client *rpc;
	struct feed *feed; /* live events, started by the first screen asking */
	char redis_url[512];
	char server[300];
	json_t *hello;            /* server.hello result, NULL until answered */
	unsigned long hello_seen; /* bumped with every new hello */
	json_t *me;               /* the signed-in user */
	char token[256];
	int admin;
	struct login_model login; /* sign-in state the login screen edits */
	struct screen_view *screens[SCREEN_COUNT]; /* in screens.h's order */
	struct view_stack views; /* v[0]: the current tab's screen */
	int dirty;
	int quitting;
	int exit_code;
	uv_poll_t input;
	uv_timer_t redraw;
	uv_timer_t retry;   /* resuming the saved session through an outage */
	struct probe probe; /* is padlined answering? (every screen says) */
	uint64_t probe_drawn_age; /* the age in s last drawn while it is not */
	int resume_tries;
	long long bulk_batch; /* this session's last bulk action (act.h), 0 */
	uv_signal_t sig[5];
};

void app_dirty(struct app *);
/* A status message on the screen shown: it stays with that screen (never
 * shown on another), fades after a few seconds, and an error goes when
 * something the user asked after it succeeds (app_failed). */
void app_flash(struct app *, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The current screen's status message (NULL: none). */
const char *app_flash_text(struct app *, int *is_error);
/* Pushes v on the view stack (it owns v from now on) and redraws. */
void app_push(struct app *, struct view *v);
/* A step of a flow the user started just now (a key, a dialog's answer):
 * view_flow_call on the view they act in (the topmost that is not a
 * dialog). cb hears the answer only while that view is still shown;
 * otherwise drop(ud) runs (NULL: nothing to free). params is stolen. */
void app_flow_call(struct app *, const char *method, json_t *params, rpc_cb cb,
                   void *ud, view_drop_fn drop);
/* Pops v and the views above it; 0 when it was no longer shown. */
int app_pop(struct app *, struct view *v);
void app_switch(struct app *, const struct screen *);
/* The screen shown. */
const struct screen *app_current(const struct app *);
/* The state of a screen (its init's result). */
void *app_state(struct app *, const struct screen *);
int app_showing(const struct app *, const struct screen *);
void app_quit(struct app *, int exit_code);
void app_confirm(struct app *, const char *title, const char *text, dlg_done,
                 void *ud);
void app_prompt(struct app *, const char *title, const char *initial, dlg_done,
                void *ud);
/* A prompt for a secret under text: masked, and wiped after done runs. */
void app_prompt_secret(struct app *, const char *title, const char *text,
                       dlg_done, void *ud);
void app_message(struct app *, const char *title, const char *text);
/* app_prompt under a text saying what is asked. */
void app_prompt_text(struct app *, const char *title, const char *text,
                     const char *initial, dlg_done, void *ud);
/* app_flow_call for a method that needs a fresh session (reauth.c): on
 * 401 reauth_required asks for the password (and the two-factor code when
 * it is on), sends session.reauth and calls the method once more; done
 * gets the last answer. Each step is a step of the flow: once the user
 * left the view it started in, no prompt opens and drop(ud) runs instead
 * of done (NULL: nothing to free). params is stolen. */
void app_call_fresh(struct app *, const char *method, json_t *params,
                    rpc_cb done, void *ud, view_drop_fn drop);
/* choices is stolen (array of strings). */
void app_pick(struct app *, const char *title, json_t *choices, dlg_done,
              void *ud);
/* app_pick under a text saying what the choice is about. */
void app_choose(struct app *, const char *title, const char *text,
                json_t *choices, dlg_done, void *ud);
/* A read-only text in a scrollable box (q closes, then done runs). */
void app_view(struct app *, const char *title, const char *text, dlg_done,
              void *ud);
/* Called with the result of session.login / session.resume. */
void app_signed_in(struct app *, json_t *user, const char *token);
void app_sign_out(struct app *);
/* Asks the server for hello (and resumes a saved session); the retry. */
void app_connect(struct app *);
/* padlined answers again (the probe): signed out, app_connect again. */
void app_reconnected(struct app *);
/* Keeps a server.hello answer as the current one (a->hello, hello_seen). */
void app_set_hello(struct app *, json_t *result);
/* session.resume's params after a reconnect (the rpc client's hook). */
json_t *app_resume_params(void *app);
/* To the first screen of the current state (sign-in or the first tab). */
void app_go_home(struct app *);
/* A 401 while signed in means the session ended: back to sign in with a
 * message. Returns 1 when it handled err. */
int app_auth_lost(struct app *, const struct pl_error *err);
/* For call callbacks: 0 on success; otherwise shows "what: message" (or
 * handles a lost session) and returns 1. */
int app_failed(struct app *, const struct pl_error *err, const char *what);
/* Starts the live feed (feed.h) once; each new event goes to every
 * screen's on_event (NULL: the feed's mode changed). Returns 0, or -1 with
 * a flash when the Redis URL is bad. */
int app_live(struct app *);
/* Suspends the terminal around an external command (the editor). */
void app_suspend(struct app *);
void app_resume(struct app *);
/* The text rows a screen's body may page by (screen rows less chrome). */
int app_rows(void);

int app_run(const char *server, const char *redis_url);

#endif
