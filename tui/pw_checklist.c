/*
 * The live password checklist as the register form and the Account
 * screen draw it, so both always show the server's policy the same way.
 */
#include "pw_checklist.h"

#include "widgets.h"

int
pw_checklist_draw(const struct pw_checklist *c, const char *password, int utf8,
                  int y, int x, int w)
{
	const char *ok = utf8 ? "✓" : "[x]", *bad = utf8 ? "✗" : "[ ]";
	int row = y + 1, mw = utf8 ? 2 : 4;

	ui_attr(UI_TITLE);
	ui_put(y, x, 0, "Password rules");
	for (int i = 0; i < c->nrules; i++) {
		int rr = pw_checklist_ok(c, i, password);

		ui_attr(rr > 0 ? UI_OK : rr == 0 ? UI_ERR : UI_DIM);
		ui_put(row, x, mw, rr > 0 ? ok : rr == 0 ? bad : "?");
		row +=
		    ui_put_wrapped(row, x + mw, w - mw, 2, c->rules[i].message);
	}
	ui_attr(UI_NORMAL);
	return row - y;
}
