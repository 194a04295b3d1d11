/*
 * The dashboard's alarms panel: signup.alarm events newest first (each
 * once: the screen drops duplicates before), and one bell per new alarm
 * unless PADLINE_BELL=off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dash.h"
#include "term.h"
#include "widgets.h"

void
dash_alarms_init(struct dash_alarms *al)
{
	const char *bell = getenv("PADLINE_BELL");

	memset(al, 0, sizeof *al);
	al->bell = !(bell && strcasecmp(bell, "off") == 0);
}

void
dash_alarms_add(struct dash_alarms *al, json_t *ev)
{
	json_t *s = json_object_get(ev, "subject");
	const char *at = json_string_value(json_object_get(ev, "at"));
	struct dash_alarm *a;

	a = &al->a[al->head];
	memset(a, 0, sizeof *a);
	snprintf(a->rule, sizeof a->rule, "%s", jstr(s, "rule"));
	snprintf(a->key_text, sizeof a->key_text, "%s", jstr(s, "key"));
	/* "2026-12-06T22:41:07.123Z": the time of day, as the table's. */
	snprintf(a->at_text, sizeof a->at_text, "%.8s",
	         at && strlen(at) >= 19 ? at + 11 : "");
	a->count = json_integer_value(json_object_get(s, "count"));
	a->window_s = json_integer_value(json_object_get(s, "window_s"));
	a->users = json_array_size(json_object_get(s, "user_ids"));
	al->head = (al->head + 1) % DASH_ALARMS;
	if (al->n < DASH_ALARMS)
		al->n++;
	al->total++;
	if (al->bell)
		term_bell();
}

int
dash_alarms_draw(const struct dash_alarms *al, int y, int x, int w, int rows)
{
	int used = 1;

	if (rows < 1)
		return 0;
	ui_attr(al->n ? UI_ERR : UI_TITLE);
	if (al->n)
		ui_putf(y, x, w, "Alarms (%lu, newest first)", al->total);
	else
		ui_put(y, x, w, "Alarms: none");
	ui_attr(UI_NORMAL);
	for (size_t i = 0; i < al->n && used < rows; i++, used++) {
		const struct dash_alarm *a =
		    &al->a[(al->head + DASH_ALARMS - 1 - i) % DASH_ALARMS];

		ui_putf(y + used, x, w,
		        "%-8s  %-16s %-20s %lld in %lld s, %zu users",
		        a->at_text, a->rule, a->key_text, a->count, a->window_s,
		        a->users);
	}
	return used;
}
