/*
 * The dashboard's parts, one file each: the screen and its live table
 * (dash.c, dash_table.c), the rates strip from signup.stats (dash_strip.c)
 * and the alarms panel (dash_alarms.c). Only dash*.c include this.
 */
#ifndef PL_TUI_DASH_H
#define PL_TUI_DASH_H

#include <jansson.h>
#include <time.h>

#include "edit.h"
#include "filter.h"
#include "models.h"

struct app;

/* ---- the rates strip (dash_strip.c) ---- */
enum dash_series {
	RATE_CREATED,
	RATE_HELD,
	RATE_REFUSED,
	RATE_FAILED, /* failed sign-ins */
	RATE_ALARMS,
	RATE_SERIES
};
/* signup.stats is asked this often while the dashboard is shown, and its
 * figures are old (the header says how old) after twice that. */
#define DASH_RATES_EVERY_S 5

struct dash_rates {
	long v[RATE_SERIES][DASH_MINUTES]; /* oldest first, now's minute last */
	time_t at;                         /* when answered; 0: never */
	time_t asked;                      /* the last call sent */
	int out;                           /* a call is out */
};

/* Keeps a signup.stats result answered at now. */
void dash_rates_set(struct dash_rates *, json_t *result, time_t now);
/* Draws the strip at y (title and up to rows - 1 series, the most telling
 * first) in w columns; returns the rows used. */
int dash_strip_draw(const struct dash_rates *, int y, int x, int w, int rows);

/* ---- the alarms panel (dash_alarms.c) ---- */
#define DASH_ALARMS 32

struct dash_alarm {
	char rule[72];
	char key_text[80];
	char at_text[12]; /* "22:41:07" */
	long long count;
	long long window_s;
	size_t users;
};

struct dash_alarms {
	struct dash_alarm a[DASH_ALARMS]; /* ring, head = next write */
	size_t head, n;
	unsigned long total; /* alarms seen since the screen started */
	int bell;            /* ring the bell for a new one (PADLINE_BELL) */
};

void dash_alarms_init(struct dash_alarms *);
/* A new signup.alarm event (not seen before): kept, the bell rung once. */
void dash_alarms_add(struct dash_alarms *, json_t *event);
/* The panel at y: a title and up to rows - 1 alarms, newest first;
 * returns the rows used. */
int dash_alarms_draw(const struct dash_alarms *, int y, int x, int w, int rows);

/* ---- the screen (dash.c) and its table (dash_table.c) ---- */
struct dash_screen {
	struct app *app;
	struct dash_model model;
	struct dash_rates rates;
	struct dash_alarms alarms;
	int paused;
	int filtering;
	char filter[256];
	struct edit_cursor filter_cur;
	struct filter *flt;  /* the filter text compiled; NULL: all rows */
	char flt_error[300]; /* why the text does not parse ("" when it does) */
	json_t *held;        /* events that arrived while paused */
	size_t held_new;     /* of which signups: "+N new" */
	time_t last_tick;
	time_t polled;   /* the last user.stats asked */
	time_t stats_at; /* and answered */
	size_t top;  /* matching rows scrolled past (0: the newest on top) */
	size_t page; /* table rows on screen, from the last draw */
};

int dash_row_matches(const struct dash_screen *, const struct dash_signup *);
/* The table from row y down to row y + h (its title first). */
void dash_table_draw(struct dash_screen *, int y, int h, int cols);
/* The highlighted row: the first the table shows (NULL: none). */
const struct dash_signup *dash_selected(const struct dash_screen *);
/* The rows the filter shows, newest first, as an export writes them (new
 * array), and their members in order. */
json_t *dash_rows(const struct dash_screen *);
extern const char *const dash_export_columns[];

#endif
