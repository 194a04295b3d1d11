/*
 * The server screen (admins): padlined's health — database, Redis, schema
 * version — asked every 2 s while shown. A skeleton the operations issue
 * fills with server.stats.
 */
#include <stdlib.h>
#include <time.h>

#include "app.h"
#include "widgets.h"
#include "xalloc.h"

#define SERVER_EVERY_S 2

struct server_screen {
	struct app *app;
	json_t *health; /* the last server.health result */
	time_t asked;   /* when it was last asked (0: never) */
	int asking;
};

enum { A_REFRESH = 1 };

static const struct binding server_keys[] = {
    {'R', A_REFRESH, "refresh now", "refresh"},
    {0, 0, NULL, NULL},
};

static void
on_health(void *ud, json_t *result, const struct pl_error *err)
{
	struct server_screen *s = ud;

	s->asking = 0;
	if (app_failed(s->app, err, "server.health"))
		return;
	json_decref(s->health);
	s->health = json_incref(result);
	app_dirty(s->app);
}

static void
server_ask(struct server_screen *s)
{
	if (s->asking)
		return;
	s->asking = 1;
	s->asked = time(NULL);
	rpc_call(s->app->rpc, "server.health", NULL, on_health, s);
}

static void *
server_init(struct app *a)
{
	struct server_screen *s = xcalloc(1, sizeof *s);

	s->app = a;
	return s;
}

static void
server_free(void *st)
{
	struct server_screen *s = st;

	json_decref(s->health);
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

static int
server_key(struct app *a, void *st, int action, int key)
{
	(void)a;
	(void)key;
	if (action != A_REFRESH)
		return 0;
	server_ask(st);
	return 1;
}

static void
server_draw(struct app *a, void *st, int rows, int cols)
{
	struct server_screen *s = st;

	(void)rows;
	ui_attr(UI_TITLE);
	ui_putf(2, 2, cols - 4, "padlined at %s", a->server);
	ui_attr(UI_NORMAL);
	if (!s->health) {
		ui_put(4, 2, cols - 4, "Asking…");
		return;
	}
	ui_putf(4, 2, cols - 4, "Database    %s", jstr(s->health, "db"));
	ui_putf(5, 2, cols - 4, "Redis       %s", jstr(s->health, "redis"));
	ui_putf(6, 2, cols - 4, "Migrations  %s",
	        jstr(s->health, "migrations"));
	ui_attr(UI_DIM);
	ui_putf(8, 2, cols - 4, "refreshed every %d s", SERVER_EVERY_S);
	ui_attr(UI_NORMAL);
}

const struct screen screen_server = {
    .name = "Server",
    .admin_only = 1,
    .about = "Server (admins)\n\npadlined's health, asked every 2 s.",
    .keys = server_keys,
    .init = server_init,
    .free = server_free,
    .enter = server_enter,
    .draw = server_draw,
    .key = server_key,
    .tick = server_tick,
};
