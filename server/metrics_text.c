/*
 * Renders the server.stats report as Prometheus text: one family per
 * figure, its samples together under one # HELP and # TYPE, counters ending
 * in _total, times in seconds. Names and help lines live in one table so a
 * figure cannot appear without its description.
 */
#include "metrics_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct text {
	char *s;
	size_t len, cap;
};

static void text_add(struct text *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (n > 0 ? (size_t)n : 0);
		t->s = xrealloc(t->s, t->cap);
	}
	t->len += (size_t)n;
}

/* A label value with \, " and newline escaped as the format asks. */
static void
text_add_label(struct text *t, const char *name, const char *value)
{
	text_add(t, "%s=\"", name);
	for (const char *p = value; *p; p++)
		if (*p == '\\' || *p == '"')
			text_add(t, "\\%c", *p);
		else if (*p == '\n')
			text_add(t, "\\n");
		else
			text_add(t, "%c", *p);
	text_add(t, "\"");
}

static void
family(struct text *t, const char *name, const char *type, const char *help)
{
	text_add(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A number of the report times scale, or 0 when it is absent or null. */
static int
value_of(const json_t *v, double scale, double *out)
{
	if (json_is_integer(v) && scale == 1) {
		*out = (double)json_integer_value(v);
		return 1;
	}
	if (json_is_number(v)) {
		*out = json_number_value(v) * scale;
		return 1;
	}
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 1;
	}
	return 0;
}

static void
sample_value(struct text *t, double v)
{
	/* Integers print without a point; nine digits are plenty for the rest.
	 */
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		text_add(t, " %lld\n", (long long)v);
	else
		text_add(t, " %.9g\n", v);
}

/* A figure with no labels: report[obj][key] (obj NULL: report[key]). */
struct scalar {
	const char *name, *type, *help;
	const char *obj, *key;
	double scale;
};

static const struct scalar scalars[] = {
    {"padline_uptime_seconds", "gauge", "Seconds since padlined started.", NULL,
     "uptime_s", 1},
    {"padline_connections", "gauge", "Client connections open now.", NULL,
     "connections", 1},
    {"padline_logins_failed_15m", "gauge",
     "Sign-ins refused for wrong credentials in the last 15 minutes.", NULL,
     "logins_failed_15m", 1},
    {"padline_db_pool_connections", "gauge",
     "PostgreSQL connections the pool holds at most.", "db", "pool", 1},
    {"padline_db_pool_in_use", "gauge",
     "PostgreSQL connections lent to requests now.", "db", "in_use", 1},
    {"padline_db_pool_waiting", "gauge",
     "Workers waiting for a PostgreSQL connection now.", "db", "waiting", 1},
    {"padline_db_up", "gauge",
     "1 when PostgreSQL answered the last probe, else 0.", "db", "up", 1},
    {"padline_redis_up", "gauge",
     "1 when Redis answered PING at the last probe, else 0.", "redis", "up", 1},
    {"padline_outbox_unpublished", "gauge",
     "Audit rows whose event is not yet published to Redis.", "outbox",
     "unpublished", 1},
    {"padline_outbox_oldest_age_seconds", "gauge",
     "Age of the oldest unpublished audit row (0 when none).", "outbox",
     "oldest_s", 1},
    {"padline_events_published_total", "counter",
     "Events this instance put on the Redis channel since start.", "events",
     "published", 1},
    {"padline_event_groups_total", "counter",
     "Signed groups those events went out in (one Ed25519 signature each).",
     "events", "groups", 1},
    {"padline_events_relayed_total", "counter",
     "Of those events, the ones the relay published (left behind by the "
     "publisher: Redis away, a stop).",
     "events", "relayed", 1},
};

static void
render_scalar(struct text *t, const json_t *report, const struct scalar *s)
{
	const json_t *obj = s->obj ? json_object_get(report, s->obj) : report;
	double v;

	if (!value_of(json_object_get(obj, s->key), s->scale, &v))
		return;
	family(t, s->name, s->type, s->help);
	text_add(t, "%s", s->name);
	sample_value(t, v);
}

/* server.stats' per-method latencies, in milliseconds there. */
static const struct {
	const char *name, *key, *help;
} quantiles[] = {
    {"padline_method_latency_p50_seconds", "p50_ms",
     "Median request latency per method over the last five minutes."},
    {"padline_method_latency_p99_seconds", "p99_ms",
     "99th percentile request latency per method over the last five "
     "minutes."},
};

static void
render_requests(struct text *t, const json_t *requests)
{
	const json_t *methods = json_object_get(requests, "methods");
	double total, errors;
	const char *name;
	json_t *m;

	if (value_of(json_object_get(requests, "total"), 1, &total) &&
	    value_of(json_object_get(requests, "errors"), 1, &errors)) {
		family(t, "padline_requests_total", "counter",
		       "Requests answered since start, by outcome (any "
		       "error is an error).");
		text_add(t, "padline_requests_total{outcome=\"ok\"}");
		sample_value(t, total - errors);
		text_add(t, "padline_requests_total{outcome=\"error\"}");
		sample_value(t, errors);
	}
	if (json_object_size(methods) == 0)
		return;
	family(t, "padline_method_requests_total", "counter",
	       "Requests per method since start, by outcome.");
	json_object_foreach ((json_t *)methods, name, m) {
		double count, errs;

		if (!value_of(json_object_get(m, "count"), 1, &count) ||
		    !value_of(json_object_get(m, "errors"), 1, &errs))
			continue;
		text_add(t, "padline_method_requests_total{");
		text_add_label(t, "method", name);
		text_add(t, ",outcome=\"ok\"}");
		sample_value(t, count - errs);
		text_add(t, "padline_method_requests_total{");
		text_add_label(t, "method", name);
		text_add(t, ",outcome=\"error\"}");
		sample_value(t, errs);
	}
	/* Gauges, not a summary: the window's quantiles are all there is
	 * (no sum), and a "quantile" label belongs to summaries only. */
	for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++) {
		family(t, quantiles[i].name, "gauge", quantiles[i].help);
		json_object_foreach ((json_t *)methods, name, m) {
			double v;

			if (!value_of(json_object_get(m, quantiles[i].key),
			              0.001, &v))
				continue;
			text_add(t, "%s{", quantiles[i].name);
			text_add_label(t, "method", name);
			text_add(t, "}");
			sample_value(t, v);
		}
	}
}

/* One sample per member of counters ({VALUE: n}), as name{label=VALUE}
 * after prefix (labels already written, ending in "," or empty). */
static void
render_labelled(struct text *t, const char *name, const char *prefix,
                const char *label, const json_t *counters)
{
	const char *value;
	json_t *n;
	double v;

	json_object_foreach ((json_t *)counters, value, n) {
		if (!value_of(n, 1, &v))
			continue;
		text_add(t, "%s{%s", name, prefix);
		text_add_label(t, label, value);
		text_add(t, "}");
		sample_value(t, v);
	}
}

/* The signup defense's counters: their labels are server.stats' keys,
 * fixed sets (stats.c), never a name or an address. */
static void
render_signup(struct text *t, const json_t *signup)
{
	const json_t *hits = json_object_get(signup, "rule_hits");
	const char *mode;
	json_t *actions;

	if (!json_is_object(signup))
		return;
	family(t, "padline_signup_attempts_total", "counter",
	       "Registration attempts screened since start, by outcome.");
	render_labelled(t, "padline_signup_attempts_total", "", "outcome",
	                json_object_get(signup, "attempts"));
	family(t, "padline_signup_alarms_total", "counter",
	       "Signup alarms raised since start (signup.alarm: enforce, "
	       "signup.shadow: shadow).");
	render_labelled(t, "padline_signup_alarms_total", "", "mode",
	                json_object_get(signup, "alarms"));
	family(t, "padline_signup_rule_hits_total", "counter",
	       "Signup rules that fired on an attempt since start, by mode "
	       "and action.");
	json_object_foreach ((json_t *)hits, mode, actions) {
		struct text prefix = {xmalloc(64), 0, 64};

		text_add_label(&prefix, "mode", mode);
		text_add(&prefix, ",");
		render_labelled(t, "padline_signup_rule_hits_total", prefix.s,
		                "action", actions);
		free(prefix.s);
	}
	family(t, "padline_signup_decisions_total", "counter",
	       "Held accounts decided by user.approve or user.reject since "
	       "start.");
	render_labelled(t, "padline_signup_decisions_total", "", "decision",
	                json_object_get(signup, "decisions"));
}

char *
metrics_text_render(const json_t *report, double probe_age_s, size_t *len)
{
	struct text t = {xmalloc(4096), 0, 4096};
	const char *version =
	    json_string_value(json_object_get(report, "version"));

	if (version != NULL) {
		family(&t, "padline_build_info", "gauge",
		       "Always 1; the version is in the label.");
		text_add(&t, "padline_build_info{");
		text_add_label(&t, "version", version);
		text_add(&t, "} 1\n");
	}
	render_requests(&t, json_object_get(report, "requests"));
	for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
		render_scalar(&t, report, &scalars[i]);
	render_signup(&t, json_object_get(report, "signup"));
	if (probe_age_s >= 0) {
		family(
		    &t, "padline_probe_age_seconds", "gauge",
		    "Age of the PostgreSQL, Redis and outbox figures (probed "
		    "off the request path).");
		text_add(&t, "padline_probe_age_seconds");
		sample_value(&t, probe_age_s);
	}
	*len = t.len;
	return t.s;
}
