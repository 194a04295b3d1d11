/*
 * The dashboard's rates strip: signup.stats' per-minute series (created,
 * held, refused, failed sign-ins, alarms) over 60 minutes as one sparkline
 * each, block characters in UTF-8 and ASCII stand-ins elsewhere.
 */
#include <string.h>

#include "dash.h"
#include "widgets.h"

static const struct {
	const char *label;
	const char *member; /* in a series entry of signup.stats */
} series[RATE_SERIES] = {
    [RATE_CREATED] = {"created", "created"},
    [RATE_HELD] = {"held", "held"},
    [RATE_REFUSED] = {"refused", "refused"},
    [RATE_FAILED] = {"failed in", "failed_signins"},
    [RATE_ALARMS] = {"alarms", "alarms"},
};

/* Shown first when the window is short: what a wave moves first. */
static const enum dash_series priority[RATE_SERIES] = {
    RATE_CREATED, RATE_ALARMS, RATE_HELD, RATE_REFUSED, RATE_FAILED};

void
dash_rates_set(struct dash_rates *r, json_t *result, time_t now)
{
	json_t *s = json_object_get(result, "series");
	size_t n = json_array_size(s);

	memset(r->v, 0, sizeof r->v);
	/* Oldest first, the current minute last: the newest go right. */
	for (size_t i = 0; i < n && i < DASH_MINUTES; i++) {
		json_t *e = json_array_get(s, n - 1 - i);

		for (int k = 0; k < RATE_SERIES; k++) {
			json_int_t v = json_integer_value(
			    json_object_get(e, series[k].member));

			r->v[k][DASH_MINUTES - 1 - i] = v > 0 ? (long)v : 0;
		}
	}
	r->at = now;
}

/* One series as a sparkline of w cells, the last minute rightmost. */
static void
spark_draw(const long *v, int y, int x, int w)
{
	static const char *const utf8[9] = {" ", "▁", "▂", "▃", "▄",
	                                    "▅", "▆", "▇", "█"};
	static const char *const ascii[9] = {" ", ".", "_", "-", "~",
	                                     "=", "+", "*", "#"};
	long max = 0;

	for (int i = 0; i < DASH_MINUTES; i++)
		max = v[i] > max ? v[i] : max;
	ui_attr(UI_BAR);
	for (int c = 0; c < w; c++) {
		long val = v[DASH_MINUTES - w + c];
		/* Rounded up: a single event still shows. */
		int level = max ? (int)((val * 8 + max - 1) / max) : 0;

		ui_put(y, x + c, 1, ui_utf8() ? utf8[level] : ascii[level]);
	}
	ui_attr(UI_NORMAL);
}

int
dash_strip_draw(const struct dash_rates *r, int y, int x, int w, int rows)
{
	int spark = w - 10 - 23, used = 1;

	if (rows < 2 || spark < 10)
		return 0;
	if (spark > DASH_MINUTES)
		spark = DASH_MINUTES;
	ui_attr(UI_TITLE);
	ui_putf(y, x, w, "Signups per minute, last %d minutes", spark);
	ui_attr(UI_NORMAL);
	for (int i = 0; i < RATE_SERIES && used < rows; i++, used++) {
		enum dash_series k = priority[i];
		long sum = 0;

		for (int m = 0; m < DASH_MINUTES; m++)
			sum += r->v[k][m];
		ui_attr(UI_DIM);
		ui_put(y + used, x, 10, series[k].label);
		ui_attr(UI_NORMAL);
		spark_draw(r->v[k], y + used, x + 10, spark);
		ui_putf(y + used, x + 11 + spark, w - 11 - spark,
		        "%ld now, %ld in 60 min", r->v[k][DASH_MINUTES - 1],
		        sum);
	}
	return used;
}
