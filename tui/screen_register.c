/*
 * Registration view: the form, live username feedback and the password
 * checklist, drawn from app->reg; keys and calls are in ctl_register.c.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "views.h"
#include "widgets.h"

static const char *const labels[REG_NFIELDS] = {"Username", "Email", "Password",
                                                "Confirm", "Invitation"};

void
view_register(struct app *a, int rows, int cols)
{
	struct reg_model *m = &a->reg;
	int order[8], n = reg_focus_order(&a->reg, order);
	int x = 2, y = 2, fw = 32, cx = 52;
	const char *ok = a->utf8 ? "✓" : "[x]", *bad = a->utf8 ? "✗" : "[ ]";

	(void)rows;
	(void)cols;
	ui_attr(UI_TITLE);
	ui_put(y, x, 0, "Create an account");
	ui_attr(UI_NORMAL);
	if (m->closed) {
		ui_attr(UI_ERR);
		ui_put(y, x + 20, 0, "(registration is closed on this server)");
		ui_attr(UI_NORMAL);
	}
	for (int i = 0; i < n; i++) {
		int f = order[i], fy = y + 2 + 2 * i;
		const char *note = NULL;
		int note_ok = 0;

		if (f >= REG_FOCUS_CREATE)
			break;
		field_draw(fy, x, 12, fw, labels[f], m->field[f],
		           f == REG_PASSWORD || f == REG_CONFIRM,
		           order[a->reg_focus] == f);
		if (m->err[f][0]) {
			note = m->err[f];
		} else if (f == REG_USERNAME && m->field[f][0]) {
			note = reg_username_feedback(m);
			if (!note) {
				note = "looks good";
				note_ok = 1;
			}
		} else if (f == REG_CONFIRM && m->field[f][0]) {
			note_ok = reg_confirm_ok(m);
			note = note_ok ? "passwords match"
			               : "passwords do not match";
		} else if (f == REG_EMAIL && !m->field[f][0]) {
			note = "optional";
			note_ok = -1;
		}
		if (note) {
			ui_attr(note_ok > 0   ? UI_OK
			        : note_ok < 0 ? UI_DIM
			                      : UI_ERR);
			ui_putf(fy + 1, x + 12, cx - x - 14, "%s %s",
			        note_ok > 0   ? ok
			        : note_ok < 0 ? ""
			                      : bad,
			        note);
			ui_attr(UI_NORMAL);
		}
	}
	ui_attr(UI_TITLE);
	ui_put(y + 2, cx, 0, "Password rules");
	ui_attr(UI_NORMAL);
	for (int i = 0; i < m->nrules; i++) {
		int r = reg_rule_ok(m, i);

		ui_attr(r > 0 ? UI_OK : r == 0 ? UI_ERR : UI_DIM);
		ui_putf(y + 3 + i, cx, cols - cx - 1, "%s %s",
		        r > 0    ? ok
		        : r == 0 ? bad
		                 : "?",
		        m->rules[i].message);
	}
	ui_attr(UI_NORMAL);
	{
		int by = y + 2 + 2 * (n - 2) + 1, bx = x + 12;

		bx += button_draw(by, bx,
		                  a->reg_busy ? "Creating…" : "Create account",
		                  order[a->reg_focus] == REG_FOCUS_CREATE) +
		      2;
		button_draw(by, bx, "Back",
		            order[a->reg_focus] == REG_FOCUS_BACK);
		if (m->general[0]) {
			ui_attr(UI_ERR);
			ui_put(by + 2, x, cols - 2 * x, m->general);
			ui_attr(UI_NORMAL);
		}
	}
}
