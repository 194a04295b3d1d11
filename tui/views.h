/*
 * The views: functions that only draw a screen's state (curses), one per
 * screen in screen_*.c. Keys, calls and state changes live in ctl_*.c.
 */
#ifndef PL_TUI_VIEWS_H
#define PL_TUI_VIEWS_H

#include "app.h"

void view_login(struct app *, int rows, int cols);
void view_register(struct app *, int rows, int cols);
void view_pads(struct app *, int rows, int cols);
void view_dash(struct app *, int rows, int cols);
void view_users(struct app *, int rows, int cols);

#endif
