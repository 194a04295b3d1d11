/*
 * Drawing the password policy checklist (models.h's pw_checklist): each
 * rule ✓ / ✗ (or ? when it cannot be checked here) as the user types.
 */
#ifndef PL_TUI_PW_CHECKLIST_H
#define PL_TUI_PW_CHECKLIST_H

#include "models.h"

/* "Password rules" at y,x and one line per rule below it (long rules wrap
 * in w columns); returns the rows used. */
int pw_checklist_draw(const struct pw_checklist *, const char *password,
                      int utf8, int y, int x, int w);

#endif
