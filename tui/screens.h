/*
 * The screen table: every screen of the TUI, in tab order. Adding a screen
 * is a new tui/<name>.c defining `const struct screen screen_<name>` and one
 * line here.
 */
#ifndef PL_TUI_SCREENS_H
#define PL_TUI_SCREENS_H

/* clang-format off */
#define SCREENS(X) \
	X(login) \
	X(register) \
	X(pads) \
	X(dash) \
	X(users) \
	X(server) \
	X(invitations) \
	X(held) \
	X(rules) \
	X(account) \
	/* end of the table */
/* clang-format on */

#define SCREEN_DECLARE(n) extern const struct screen screen_##n;
SCREENS(SCREEN_DECLARE)
#undef SCREEN_DECLARE

#define SCREEN_COUNT_ONE(n) +1
enum { SCREEN_COUNT = 0 SCREENS(SCREEN_COUNT_ONE) };
#undef SCREEN_COUNT_ONE

#endif
