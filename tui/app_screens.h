/*
 * What app.c asks of the screens under the view stack (app_screens.c):
 * the table, tab order, the status message's life, and the screens' own
 * hooks run for every screen.
 */
#ifndef PL_TUI_APP_SCREENS_H
#define PL_TUI_APP_SCREENS_H

#include "app.h"

/* Makes (and at the end frees) every screen's view and state. */
void app_screens_init(struct app *);
void app_screens_free(struct app *);
/* The screen at an index of screens.h's table. */
const struct screen *app_screen_at(size_t i);
/* The index of the screen shown, and of the first one of the current
 * state (sign-in or the first tab). */
size_t app_current_index(const struct app *);
size_t app_home_index(const struct app *);
/* The screens the tab bar shows, in order: tabs[n] for key n + 1. */
size_t app_tabs(const struct app *, size_t tabs[SCREEN_COUNT]);
/* Every screen's tick, and the status message fading. */
void app_screens_tick(struct app *);
/* A live event for every screen (NULL: the feed's mode changed). */
void app_screens_event(struct app *, json_t *ev);
/* The screen shown reloads what it shows (its enter). */
void app_screen_enter(struct app *);
/* The status message of the screen shown goes (the user leaves it). */
void app_flash_clear(struct app *);
/* A key: the user has seen the status message shown. */
void app_flash_seen(struct app *);

#endif
