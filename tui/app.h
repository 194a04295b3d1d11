/*
 * The TUI application: one libuv loop carrying the terminal input, the
 * server connection, the Redis subscription and a redraw timer that
 * coalesces repaints. Screens keep their own state here; views only draw.
 */
#ifndef PL_TUI_APP_H
#define PL_TUI_APP_H

#include <jansson.h>
#include <uv.h>
#include <wchar.h>

#include "models.h"
#include "rpc_client.h"
#include "sub.h"

enum screen_id {
	SCR_LOGIN,
	SCR_REGISTER,
	SCR_PADS,
	SCR_DASH,
	SCR_USERS,
	SCR_COUNT
};

struct app;

struct screen {
	const char *name;
	const char *keys; /* the status bar's key summary */
	/* Optional: the summary for the screen's current mode. */
	const char *(*keys_now)(struct app *);
	const char *help; /* lines for the ? overlay, '\n'-separated */
	void (*enter)(struct app *);
	void (*draw)(struct app *, int rows, int cols);
	/* Returns 1 when the key was used. */
	int (*key)(struct app *, int is_key, wint_t ch);
};

extern const struct screen screen_login, screen_register, screen_pads,
    screen_dash, screen_users;

/* What has the focus on the sign-in form. */
enum login_focus { LF_USER, LF_PASS, LF_LOGIN, LF_REGISTER, LF_QUIT, LF_COUNT };

enum dlg_kind { DLG_NONE, DLG_CONFIRM, DLG_PROMPT, DLG_MESSAGE, DLG_PICK };

typedef void (*dlg_done)(struct app *, int ok, const char *input,
                         size_t choice);

struct dialog {
	enum dlg_kind kind;
	char title[64];
	char text[1024];
	char input[256];
	json_t *choices; /* owned array of strings, for DLG_PICK */
	size_t sel;
	dlg_done done;
};

/* Pads screen state. */
enum pads_mode { PADS_LIST, PADS_VIEW, PADS_BACKUPS, PADS_FILTER };
struct pads_state {
	struct list_model list;
	struct list_model backups;
	enum pads_mode mode;
	char **lines; /* the pad being viewed, pretty-printed */
	size_t nlines, scroll;
	char title[128];
	char filter[128];
	char new_name[128]; /* between the name prompt and the template pick */
	json_t *templates;  /* from template.list */
	int awaiting_templates; /* a name waits for template.list */
	char pad_id[64];        /* pad of the backups / edit in progress */
	int loaded;
};

struct dash_state {
	struct dash_model model;
	int paused;
	int filtering;
	char filter[64];
	json_t *held; /* events that arrived while paused */
	int subscribed_once;
	int located; /* where the event log stands is known: gaps can fill */
	int backfilling;
	unsigned long redraws;
};

struct users_state {
	struct list_model users;
	struct list_model invites;
	int show_invites;
	int searching;
	char query[128];
	char next[128];        /* cursor for the next page ("" = none) */
	char cursors[32][128]; /* "before" of each page shown, for going back */
	int page;
};

struct app {
	uv_loop_t *loop;
	struct rpc_client *rpc;
	struct sub *sub;
	char redis_url[512];
	char server[300];
	json_t *hello; /* server.hello result, NULL until answered */
	json_t *me;    /* the signed-in user */
	char token[256];
	int admin;
	enum screen_id screen;
	int utf8;
	int color;
	int dirty;
	int quitting;
	int help;
	int too_small;
	char flash[320];
	int flash_err;
	uint64_t flash_at;
	struct dialog dlg;
	uv_poll_t input;
	uv_timer_t redraw;
	uv_timer_t retry; /* resuming the saved session through an outage */
	int resume_tries;
	uv_signal_t sig[4];

	struct login_model login;
	int login_focus; /* enum login_focus */
	struct reg_model reg;
	int reg_focus; /* fields then buttons */
	int reg_busy;
	struct pads_state pads;
	struct dash_state dash;
	struct users_state users;
};

void app_dirty(struct app *);
void app_flash(struct app *, int is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void app_switch(struct app *, enum screen_id);
void app_quit(struct app *);
void app_confirm(struct app *, const char *title, const char *text, dlg_done);
void app_prompt(struct app *, const char *title, const char *initial, dlg_done);
void app_message(struct app *, const char *title, const char *text);
/* choices is stolen (array of strings). */
void app_pick(struct app *, const char *title, json_t *choices, dlg_done);
/* Called with the result of session.login / session.resume. */
void app_signed_in(struct app *, json_t *user, const char *token);
void app_sign_out(struct app *);
/* A 401 while signed in means the session ended: back to sign in with a
 * message. Returns 1 when it handled err. */
int app_auth_lost(struct app *, const struct pl_error *err);
/* For call callbacks: 0 on success; otherwise shows "what: message" (or
 * handles a lost session) and returns 1. */
int app_failed(struct app *, const struct pl_error *err, const char *what);
/* Suspends curses around an external command (the editor). */
void app_suspend(struct app *);
void app_resume(struct app *);

/* The session file ($XDG_STATE_HOME/padline/session, mode 0600). */
int session_path(char *buf, size_t size);
int session_save(const char *token);
int session_load(char *token, size_t size);
void session_forget(void);

int app_run(const char *server, const char *redis_url);
int watch_run(const char *server, const char *redis_url, int json);

#endif
