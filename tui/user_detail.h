/*
 * The Users screen's detail view of one user (user.get) and what an admin
 * does to them there — disable/enable, the admin role, reset 2FA, delete —
 * each asked first. users.c owns the list and hands keys over while a
 * detail is open.
 */
#ifndef PL_TUI_USER_DETAIL_H
#define PL_TUI_USER_DETAIL_H

#include <jansson.h>

#include "app.h"

struct user_detail {
	struct app *app;
	int open;
	char id[64];        /* the user shown */
	char username[128]; /* for the dialogs before user.get answers */
	json_t *info;       /* the user.get result, NULL until it answers */
	int asking;         /* the action a confirm dialog is about */
	void (*changed)(void *ud); /* after an action: the list reloads */
	void *ud;
};

/* The detail view's key table for the user shown (its actions are its
 * own; the hints say what d does to this user now). */
const struct binding *user_detail_keys(const struct user_detail *);

void user_detail_init(struct user_detail *, struct app *,
                      void (*changed)(void *ud), void *ud);
void user_detail_free(struct user_detail *);
/* Shows the user of a user.list row (asks user.get). */
void user_detail_open(struct user_detail *, json_t *row);
/* action: from user_detail_keys. Returns 1 when used, 0 to leave the key
 * to the global table; q/Esc close the view. */
int user_detail_key(struct user_detail *, int action);
void user_detail_draw(struct user_detail *, int rows, int cols);

#endif
