/*
 * The Server screen's numbers: rates between two server.stats samples, the
 * per-method table sorted by count, and each line's text (ASCII, so a byte
 * is a cell) fitted to the terminal. server_model_line's layout is what an
 * operator reads in a tmux pane, 80x24 first.
 */
#include "model_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* The table's columns after the name: count, req/s, errors, p50, p99. */
#define COLS_FIXED (1 + 9 + 1 + 7 + 1 + 7 + 1 + 9 + 1 + 9)
#define NAME_MAX_W 30

void
server_model_init(struct server_model *m)
{
	memset(m, 0, sizeof *m);
}

void
server_model_free(struct server_model *m)
{
	json_decref(m->now);
	json_decref(m->prev);
	free(m->rows);
	memset(m, 0, sizeof *m);
}

/* obj.a.b... as a number; 0 (and *has 0) when missing or not a number. */
static double
num_at(json_t *obj, const char *path, int *has)
{
	char key[64];
	const char *p = path;
	json_t *v = obj;

	while (v != NULL && *p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof key, "%.*s", (int)n, p);
		v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	if (has)
		*has = json_is_number(v);
	return json_is_number(v) ? json_number_value(v) : 0;
}

static long long
int_at(json_t *obj, const char *path)
{
	return (long long)num_at(obj, path, NULL);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct server_method *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
rows_build(struct server_model *m)
{
	json_t *methods =
	    json_object_get(json_object_get(m->now, "requests"), "methods");
	json_t *before =
	    json_object_get(json_object_get(m->prev, "requests"), "methods");
	double dt = m->now_at - m->prev_at;
	const char *name;
	json_t *v;
	size_t n = 0;

	free(m->rows);
	m->rows = xcalloc(json_object_size(methods) + 1, sizeof *m->rows);
	json_object_foreach (methods, name, v) {
		struct server_method *r = &m->rows[n++];
		long long was = int_at(json_object_get(before, name), "count");

		snprintf(r->name, sizeof r->name, "%s", name);
		r->count = int_at(v, "count");
		r->errors = int_at(v, "errors");
		r->p50_ms = num_at(v, "p50_ms", &r->has_p50);
		r->p99_ms = num_at(v, "p99_ms", &r->has_p99);
		r->has_rate = m->has_rate && r->count >= was;
		r->rate = r->has_rate ? (double)(r->count - was) / dt : 0;
	}
	m->nrows = n;
	qsort(m->rows, n, sizeof *m->rows, row_cmp);
}

void
server_model_sample(struct server_model *m, json_t *stats, double at)
{
	double dt;

	json_decref(m->prev);
	m->prev = m->now;
	m->prev_at = m->now_at;
	m->now = json_incref(stats);
	m->now_at = at;
	dt = m->now_at - m->prev_at;
	/* Counters only grow on one server: going back means another one. */
	m->has_rate =
	    m->prev != NULL && dt > 0 &&
	    int_at(m->now, "uptime_s") >= int_at(m->prev, "uptime_s") &&
	    int_at(m->now, "requests.total") >=
	        int_at(m->prev, "requests.total") &&
	    int_at(m->now, "requests.errors") >=
	        int_at(m->prev, "requests.errors");
	m->req_rate = m->err_rate = 0;
	if (m->has_rate) {
		m->req_rate = (double)(int_at(m->now, "requests.total") -
		                       int_at(m->prev, "requests.total")) /
		              dt;
		m->err_rate = (double)(int_at(m->now, "requests.errors") -
		                       int_at(m->prev, "requests.errors")) /
		              dt;
	}
	rows_build(m);
}

void
server_fmt_ms(double ms, int has, char *buf, size_t size)
{
	if (!has)
		snprintf(buf, size, "-");
	else if (ms < 1)
		snprintf(buf, size, "%.3f", ms);
	else if (ms < 10)
		snprintf(buf, size, "%.2f", ms);
	else if (ms < 1000)
		snprintf(buf, size, "%.1f", ms);
	else
		snprintf(buf, size, "%.2f s", ms / 1000);
}

void
server_fmt_rate(double rate, char *buf, size_t size)
{
	if (rate < 0.05)
		snprintf(buf, size, "0");
	else if (rate < 10)
		snprintf(buf, size, "%.1f", rate);
	else if (rate < 999.5)
		snprintf(buf, size, "%.0f", rate);
	else
		snprintf(buf, size, "%.1fk", rate / 1000);
}

void
server_fmt_duration(double s, char *buf, size_t size)
{
	long long t = s > 0 ? (long long)s : 0;

	if (t < 60)
		snprintf(buf, size, "%lld s", t);
	else if (t < 3600)
		snprintf(buf, size, "%lld min", t / 60);
	else if (t < 86400)
		snprintf(buf, size, "%lld h %02lld min", t / 3600,
		         t % 3600 / 60);
	else
		snprintf(buf, size, "%lld d %lld h", t / 86400,
		         t % 86400 / 3600);
}

static const char *
up_down(json_t *stats, const char *what)
{
	return json_is_true(json_object_get(json_object_get(stats, what), "up"))
	           ? "up"
	           : "DOWN";
}

/* Cuts buf to cols cells (its text is ASCII). */
static void
clip(char *buf, size_t size, int cols)
{
	if (cols >= 0 && (size_t)cols < size && strlen(buf) > (size_t)cols)
		buf[cols] = '\0';
}

void
server_model_line(const struct server_model *m, int i, int cols, char *buf,
                  size_t size)
{
	json_t *s = m->now;
	char a[32], b[32];
	int has = 0;

	buf[0] = '\0';
	switch (i) {
	case 0:
		server_fmt_duration(num_at(s, "uptime_s", NULL), a, sizeof a);
		snprintf(buf, size,
		         "Server      padlined %s, up %s, %lld connection%s",
		         json_string_value(json_object_get(s, "version"))
		             ? json_string_value(json_object_get(s, "version"))
		             : "?",
		         a, int_at(s, "connections"),
		         int_at(s, "connections") == 1 ? "" : "s");
		break;
	case 1:
		snprintf(buf, size, "Health      PostgreSQL %s, Redis %s",
		         up_down(s, "db"), up_down(s, "redis"));
		break;
	case 2:
		server_fmt_rate(m->req_rate, a, sizeof a);
		server_fmt_rate(m->err_rate, b, sizeof b);
		snprintf(buf, size,
		         "Requests    %lld total, %s/s   errors %lld, %s/s",
		         int_at(s, "requests.total"), m->has_rate ? a : "-",
		         int_at(s, "requests.errors"), m->has_rate ? b : "-");
		break;
	case 3:
		snprintf(buf, size,
		         "Pool        %lld of %lld in use, %lld waiting",
		         int_at(s, "db.in_use"), int_at(s, "db.pool"),
		         int_at(s, "db.waiting"));
		break;
	case 4:
		num_at(s, "outbox.unpublished", &has);
		server_fmt_duration(num_at(s, "outbox.oldest_s", NULL), a,
		                    sizeof a);
		if (has)
			snprintf(buf, size,
			         "Outbox      %lld unpublished, oldest %s",
			         int_at(s, "outbox.unpublished"),
			         int_at(s, "outbox.unpublished") ? a : "-");
		else
			snprintf(buf, size,
			         "Outbox      unknown (PostgreSQL down)");
		break;
	case 5:
		snprintf(buf, size,
		         "Sign-ins    %lld failed in the last 15 min",
		         int_at(s, "logins_failed_15m"));
		break;
	default:
		break;
	}
	clip(buf, size, cols);
}

static int
name_width(int cols)
{
	int w = cols - COLS_FIXED;

	return w > NAME_MAX_W ? NAME_MAX_W : w < 8 ? 8 : w;
}

void
server_model_heading(int cols, char *buf, size_t size)
{
	snprintf(buf, size, "%-*s %9s %7s %7s %9s %9s", name_width(cols),
	         "Method", "Count", "Req/s", "Errors", "p50 ms", "p99 ms");
	clip(buf, size, cols);
}

void
server_model_row(const struct server_model *m, size_t i, int cols, char *buf,
                 size_t size)
{
	const struct server_method *r = &m->rows[i];
	char rate[32], p50[32], p99[32];
	int w = name_width(cols);

	server_fmt_rate(r->rate, rate, sizeof rate);
	server_fmt_ms(r->p50_ms, r->has_p50, p50, sizeof p50);
	server_fmt_ms(r->p99_ms, r->has_p99, p99, sizeof p99);
	snprintf(buf, size, "%-*.*s %9lld %7s %7lld %9s %9s", w, w, r->name,
	         r->count, r->has_rate ? rate : "-", r->errors, p50, p99);
	clip(buf, size, cols);
}
