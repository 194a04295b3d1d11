/*
 * The Account screen (account.c: the overview and the sessions) and the
 * views it pushes: the change of password (account_password.c) and
 * two-factor sign-in (account_totp.c: set-up with the QR code, recovery
 * codes, turning it off).
 */
#ifndef PL_TUI_ACCOUNT_H
#define PL_TUI_ACCOUNT_H

#include "app.h"
#include "qr.h"

struct account_screen {
	struct app *app;
	struct list_model sessions;
	int loading;
};

/* The actions of the forms (account_form_keys) and of the two-factor
 * view; the overview's own start after them. */
enum { AF_NEXT = 1, AF_PREV, AF_ENTER, AF_BACK, AF_LAST = AF_BACK };
/* Tab/Shift-Tab/↑/↓ between fields, Enter, Esc: both forms' table. */
extern const struct binding account_form_keys[];

/* Asks session.list again (once at a time). */
void account_load_sessions(struct account_screen *);

/* Pushes the change of password (account_password.c). */
void account_password_push(struct app *);
/* Pushes two-factor sign-in (account_totp.c): its set-up, or the form
 * turning it off when it is on. */
void account_totp_push(struct app *);

#endif
