/*
 * The Users screen's detail view of one user (user.get) and what an admin
 * does to them there — disable/enable, the admin role, reset 2FA, delete —
 * each asked first: a view pushed over the Users screen, which owns the
 * list.
 */
#ifndef PL_TUI_USER_DETAIL_H
#define PL_TUI_USER_DETAIL_H

#include <jansson.h>

#include "app.h"

/* Pushes the detail of the user of a user.list row (asks user.get);
 * changed runs after each action (the list reloads). */
void user_detail_push(struct app *, json_t *row, void (*changed)(void *ud),
                      void *ud);

#endif
