/*
 * The Server screen (admins): this instance's server.stats, asked every
 * 2 s while shown — health of PostgreSQL and Redis, connections, requests
 * and errors with their rates, the pool, the outbox and failed sign-ins,
 * then p50/p99 per method sorted by count. The numbers and their text are
 * model_server.c's; this file asks and draws.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "model_server.h"
#include "widgets.h"
#include "xalloc.h"

#define SERVER_EVERY_S 2

struct server_screen {
	struct app *app;
	struct server_model model;
	time_t asked;    /* when it was last asked (0: never) */
	time_t answered; /* when the shown numbers arrived */
	int asking;
	size_t top;       /* first method row shown */
	char failed[256]; /* the last ask's error, "" when it worked */
	size_t page;      /* method rows the last frame had room for */
};

enum { A_REFRESH = 1 };

static const struct binding server_keys[] = {
    {'R', A_REFRESH, "refresh now", "refresh"},
    NAV_KEYS,
    {0, 0, NULL, NULL},
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
on_stats(void *ud, json_t *result, const struct pl_error *err)
{
	struct server_screen *s = ud;

	s->asking = 0;
	if (err && err->code != 0) {
		snprintf(s->failed, sizeof s->failed, "%s", err->message);
		app_failed(s->app, err, "server.stats");
		app_dirty(s->app);
		return;
	}
	s->failed[0] = '\0';
	server_model_sample(&s->model, result, now_s());
	s->answered = time(NULL);
	app_dirty(s->app);
}

static void
server_ask(struct server_screen *s)
{
	if (s->asking)
		return;
	s->asking = 1;
	s->asked = time(NULL);
	rpc_send(s->app->rpc, "server.stats", NULL, on_stats, s);
}

static void *
server_init(struct app *a)
{
	struct server_screen *s = xcalloc(1, sizeof *s);

	s->app = a;
	server_model_init(&s->model);
	return s;
}

static void
server_free(void *st)
{
	struct server_screen *s = st;

	server_model_free(&s->model);
	free(s);
}

static void
server_enter(struct app *a, void *st)
{
	(void)a;
	server_ask(st);
}

static void
server_tick(struct app *a, void *st)
{
	struct server_screen *s = st;

	if (app_showing(a, &screen_server) &&
	    time(NULL) - s->asked >= SERVER_EVERY_S)
		server_ask(s);
}

/* Rows of the method table that fit between the summary and the bar. */
static size_t
table_rows(int rows)
{
	int n = rows - 3 - (2 + SERVER_SUMMARY_LINES + 2);

	return n > 1 ? (size_t)n : 1;
}

static int
server_key(struct app *a, void *st, int action, int key)
{
	struct server_screen *s = st;
	size_t page = s->page ? s->page : 1, n = s->model.nrows;
	size_t last = n > page ? n - page : 0;

	(void)a;
	(void)key;
	switch (action) {
	case A_REFRESH:
		server_ask(s);
		return 1;
	case NAV_UP:
		s->top -= s->top > 0;
		break;
	case NAV_DOWN:
		s->top += s->top < last;
		break;
	case NAV_PGUP:
		s->top = s->top > page ? s->top - page : 0;
		break;
	case NAV_PGDN:
		s->top = s->top + page < last ? s->top + page : last;
		break;
	case NAV_HOME:
		s->top = 0;
		break;
	case NAV_END:
		s->top = last;
		break;
	default:
		return 0;
	}
	app_dirty(a);
	return 1;
}

static void
server_draw(struct app *a, void *st, int rows, int cols)
{
	struct server_screen *s = st;
	const struct server_model *m = &s->model;
	size_t page = table_rows(rows), shown = 0;

	char line[320];
	int y = 2, w = cols - 4;

	(void)a;
	s->page = page;
	if (!m->now) {
		ui_put(y, 2, w, s->failed[0] ? s->failed : "Asking…");
		return;
	}
	for (int i = 0; i < SERVER_SUMMARY_LINES; i++, y++) {
		server_model_line(m, i, w, line, sizeof line);
		ui_attr(i == 1 && strstr(line, "DOWN") ? UI_ERR : UI_NORMAL);
		ui_put(y, 2, w, line);
	}
	y++;
	ui_attr(UI_TITLE);
	server_model_heading(w, line, sizeof line);
	ui_put(y++, 2, w, line);
	ui_attr(UI_NORMAL);
	if (s->top > m->nrows)
		s->top = 0;
	for (size_t i = s->top; i < m->nrows && shown < page; i++, shown++) {
		server_model_row(m, i, w, line, sizeof line);
		ui_put(y++, 2, w, line);
	}
	ui_attr(s->failed[0] ? UI_ERR : UI_DIM);
	if (s->failed[0])
		snprintf(line, sizeof line, "last refresh failed: %s",
		         s->failed);
	else
		snprintf(line, sizeof line,
		         "methods %zu-%zu of %zu   refreshed every %d s, "
		         "last %lds ago",
		         m->nrows ? s->top + 1 : 0, s->top + shown, m->nrows,
		         SERVER_EVERY_S, (long)(time(NULL) - s->answered));
	ui_put(rows - 3, 2, w, line);
	ui_attr(UI_NORMAL);
}

const struct screen screen_server = {
    .name = "Server",
    .tab = "Srv",
    .admin_only = 1,
    .about = "Server (admins)\n\nThis padlined's server.stats, asked every "
             "2 s: health, connections, requests and errors per second "
             "(from the last two samples, this screen's own asking "
             "included), the PostgreSQL pool, the event outbox, failed "
             "sign-ins, and p50/p99 per method over the last five minutes, "
             "busiest first.",
    .keys = server_keys,
    .init = server_init,
    .free = server_free,
    .enter = server_enter,
    .draw = server_draw,
    .key = server_key,
    .tick = server_tick,
};
