/*
 * The Account screen's state, shared by its two files: account.c (the
 * overview, sessions, change of password) and account_totp.c (two-factor
 * sign-in: set-up with the QR code, recovery codes, turning it off).
 */
#ifndef PL_TUI_ACCOUNT_H
#define PL_TUI_ACCOUNT_H

#include "app.h"
#include "qr.h"

enum acct_mode {
	ACCT_MAIN,
	ACCT_PASSWORD,
	ACCT_TOTP_SETUP, /* the QR code and the secret; typing a code */
	ACCT_RECOVERY,   /* the recovery codes, this once */
	ACCT_TOTP_OFF,   /* password and code to turn it off */
};

struct account_screen {
	struct app *app;
	enum acct_mode mode;
	struct list_model sessions;
	int loading;
	int busy;
	unsigned long hello_seen;
	/* change of password */
	struct acct_pw_model pw;
	struct edit_cursor cur[ACCT_NFIELDS];
	int focus;
	/* two-factor sign-in */
	char secret[128];
	char uri[512];
	struct qr_text qr;
	char qr_error[256]; /* why there is no QR code ("" when there is) */
	char code[64];
	char password[PASSWORD_MAX + 1];
	struct edit_cursor code_cur, password_cur;
	int totp_focus; /* TOTP_OFF: 0 password, 1 code, 2 the button */
	char totp_msg[320];
	json_t *recovery; /* user.totp_enable's codes while shown */
};

/* The actions of the screen's forms (account_form_keys) and of the
 * TOTP views; the overview's own start after them. */
enum { AF_NEXT = 1, AF_PREV, AF_ENTER, AF_BACK, AF_LAST = AF_BACK };
/* Tab/Shift-Tab/↑/↓ between fields, Enter, Esc: both forms' table. */
extern const struct binding account_form_keys[];

/* Asks session.list again (once at a time). */
void account_load_sessions(struct account_screen *);

/* account_totp.c */
const struct binding *account_totp_keys(struct account_screen *);
/* 't' on the overview: user.totp_begin, or the form turning it off. */
void account_totp_start(struct account_screen *);
int account_totp_key(struct account_screen *, int action, int key);
void account_totp_draw(struct account_screen *, int rows, int cols);
/* Forgets every secret of the set-up (secret, QR, codes, password). */
void account_totp_reset(struct account_screen *);

#endif
