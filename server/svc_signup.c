/*
 * Signup defense (svc_signup.h): the screen run before the password hash,
 * the record of every attempt with the events it raises, and the rules
 * cache every worker reads (reloaded from signup_rules at most once a
 * second, so a rule put on any instance bites everywhere within moments).
 */
#include "svc_signup.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "disposable.h"
#include "events.h"
#include "filter.h"
#include "form_token.h"
#include "log.h"
#include "mono_time.h"
#include "repo_signup.h"
#include "signup_key.h"
#include "signup_window.h"
#include "signup_screen.h"
#include "stats.h"
#include "svc_user.h"
#include "xalloc.h"

#define RULES_MAX SIGNUP_RULES_MAX
#define RULES_TTL_MS 1000

static const char *const detector_names[] = {
    [DET_NET_VELOCITY] = "net-velocity",
    [DET_DOMAIN_VELOCITY] = "domain-velocity",
    [DET_SHAPE_VELOCITY] = "shape-velocity",
    [DET_FAST_FILL] = "fast-fill",
    [DET_DISPOSABLE] = "disposable",
    [DET_BREACHED] = "breached",
};
#define DETECTORS (sizeof detector_names / sizeof detector_names[0])

const char *const signup_action_names[] = {"alarm", "hold", "block"};

/* The rules of a fresh deployment; a stored rule of the same name
 * replaces one (rule.put), deleting that row brings the default back. */
static const struct {
	const char *name;
	int threshold, window_s;
	const char *action;
} builtins[] = {
    {"net-velocity", 5, 60, "alarm"},     {"domain-velocity", 20, 600, "alarm"},
    {"shape-velocity", 10, 600, "alarm"}, {"fast-fill", 0, 0, "alarm"},
    {"disposable", 0, 0, "alarm"},        {"breached", 0, 0, "block"},
};

json_t *
signup_rules_with_defaults(json_t *rows)
{
	json_t *out = json_array(), *row;
	size_t i;

	for (size_t b = 0; b < sizeof builtins / sizeof builtins[0]; b++) {
		int stored = 0;

		json_array_foreach (rows, i, row)
			stored |=
			    json_is_string(json_object_get(row, "name")) &&
			    strcmp(
			        json_string_value(json_object_get(row, "name")),
			        builtins[b].name) == 0;
		if (stored)
			continue;
		json_array_append_new(
		    out,
		    json_pack("{s:n, s:s, s:s, s:o, s:o, s:s, s:s, s:b, s:b}",
		              "id", "name", builtins[b].name, "when",
		              builtins[b].name, "threshold",
		              builtins[b].threshold
		                  ? json_integer(builtins[b].threshold)
		                  : json_null(),
		              "window_s",
		              builtins[b].window_s
		                  ? json_integer(builtins[b].window_s)
		                  : json_null(),
		              "action", builtins[b].action, "mode", "enforce",
		              "enabled", 1, "default", 1));
	}
	json_array_foreach (rows, i, row) {
		json_t *copy = json_deep_copy(row);

		json_object_set_new(copy, "default", json_false());
		json_array_append_new(out, copy);
	}
	return out;
}

struct signup_defense {
	struct signup_windows *win;
	pthread_mutex_t lock;
	struct rule_set *rules; /* NULL until loaded */
	long long loaded_ms;
};

struct signup_defense *
signup_defense_new(struct padlined *app)
{
	struct signup_defense *d = xcalloc(1, sizeof *d);
	char prefix[128];

	snprintf(prefix, sizeof prefix, "padline:signup:%s:", app->cfg->schema);
	d->win = signup_windows_new(app->rds, prefix);
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

void
signup_rules_free(struct rule_set *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		filter_free(rs->r[i].filter);
	free(rs);
}

static void
rule_set_release(struct signup_defense *d, struct rule_set *rs)
{
	int last;

	if (rs == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	last = --rs->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (last)
		signup_rules_free(rs);
}

void
signup_defense_free(struct signup_defense *d)
{
	if (d == NULL)
		return;
	if (d->rules)
		rule_set_release(d, d->rules);
	signup_windows_free(d->win);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static enum detector
detector_find(const char *when)
{
	for (size_t i = 1; i < DETECTORS; i++)
		if (strcmp(when, detector_names[i]) == 0)
			return (enum detector)i;
	return DET_FILTER;
}

int
signup_detector(const char *when)
{
	return detector_find(when) != DET_FILTER;
}

static int
action_find(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, signup_action_names[i]) == 0)
			return i;
	return -1;
}

/* Velocity rules without a threshold or window take the defaults. */
static void
rule_defaults(enum detector det, int *threshold, int *window_s)
{
	if (*threshold <= 0)
		*threshold = det == DET_NET_VELOCITY      ? 5
		             : det == DET_DOMAIN_VELOCITY ? 20
		             : det == DET_SHAPE_VELOCITY  ? 10
		                                          : 1;
	if (*window_s <= 0)
		*window_s = det == DET_NET_VELOCITY ? 60 : 600;
}

struct rule_set *
signup_rules_compile(json_t *rows)
{
	struct rule_set *rs = xcalloc(1, sizeof *rs);
	json_t *row;
	size_t i;

	json_array_foreach (rows, i, row) {
		struct rule *r = &rs->r[rs->n];
		const char *when =
		    json_string_value(json_object_get(row, "when"));
		struct pl_error err;

		if (rs->n == RULES_MAX)
			break;
		if (!json_is_true(json_object_get(row, "enabled")) || !when)
			continue;
		snprintf(r->name, sizeof r->name, "%s",
		         json_string_value(json_object_get(row, "name")));
		r->det = detector_find(when);
		pl_error_init(&err);
		if (r->det == DET_FILTER &&
		    filter_parse(when, &r->filter, &err) != 0) {
			pl_error_clear(&err);
			continue;
		}
		r->threshold =
		    (int)json_integer_value(json_object_get(row, "threshold"));
		r->window_s =
		    (int)json_integer_value(json_object_get(row, "window_s"));
		rule_defaults(r->det, &r->threshold, &r->window_s);
		r->action = (enum action)action_find(
		    json_string_value(json_object_get(row, "action")));
		r->shadow =
		    strcmp(json_string_value(json_object_get(row, "mode")),
		           "shadow") == 0;
		rs->n++;
	}
	rs->refs = 1;
	return rs;
}

/* The current rules with a reference taken (release it), reloading them
 * when they are older than RULES_TTL_MS; NULL when none could be read. */
static struct rule_set *
rules_get(struct signup_defense *d, struct db_conn *db)
{
	long long now = mono_ms();
	struct rule_set *rs = NULL, *old = NULL;
	json_t *rows = NULL;
	struct pl_error err;

	pthread_mutex_lock(&d->lock);
	if (d->rules && now - d->loaded_ms < RULES_TTL_MS) {
		rs = d->rules;
		rs->refs++;
	}
	pthread_mutex_unlock(&d->lock);
	if (rs)
		return rs;
	pl_error_init(&err);
	if (repo_signup_rules(db, &rows, &err) == 0) {
		json_t *all = signup_rules_with_defaults(rows);

		rs = signup_rules_compile(all);
		json_decref(all);
		rs->refs++;
		pthread_mutex_lock(&d->lock);
		old = d->rules;
		d->rules = rs;
		d->loaded_ms = now;
		pthread_mutex_unlock(&d->lock);
		rule_set_release(d, old);
	} else {
		/* The last rules known rather than none. */
		pthread_mutex_lock(&d->lock);
		rs = d->rules;
		if (rs)
			rs->refs++;
		pthread_mutex_unlock(&d->lock);
	}
	json_decref(rows);
	pl_error_clear(&err);
	return rs;
}

void
signup_defense_rules_changed(struct signup_defense *d)
{
	pthread_mutex_lock(&d->lock);
	d->loaded_ms = 0;
	pthread_mutex_unlock(&d->lock);
}

void
svc_signup_screen_free(struct signup_screen *s)
{
	free(s);
}

/* The keys and flags of an attempt, from what it sent. */
static struct signup_screen *
screen_new(struct padlined *app, struct svc_new_user *nu)
{
	struct signup_screen *s = xcalloc(1, sizeof *s);
	const char *dom = signup_email_domain(nu->email ? nu->email : "");
	const char *name = nu->username[0] ? nu->username : nu->username_in;

	signup_network(nu->peer, s->network, sizeof s->network);
	if (dom) {
		snprintf(s->domain, sizeof s->domain, "%s", dom);
		for (char *p = s->domain; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (signup_shape(name ? name : "", s->shape, sizeof s->shape) != 0)
		s->shape[0] = '\0';
	s->fill_ms =
	    nu->form_token ? form_token_fill_ms(app, nu->form_token) : -1;
	if (s->fill_ms >= 0 && s->fill_ms < SIGNUP_FAST_FILL_MS)
		s->flags |= FILTER_FLAG_FAST;
	if (s->domain[0] && disposable_domain(app->disposable, s->domain))
		s->flags |= FILTER_FLAG_DISPOSABLE;
	if (nu->breached)
		s->flags |= FILTER_FLAG_BREACHED;
	return s;
}

/* Whether rule r looks at this attempt, and under which key. */
int
signup_rule_applies(const struct rule *r, const struct svc_new_user *nu,
                    const struct signup_screen *s, const char **key,
                    enum repo_signup_key *col)
{
	struct filter_record rec = {
	    .username = nu->username,
	    .email = nu->email,
	    .peer = nu->peer,
	    .shape = s->shape,
	    .flags = s->flags,
	};

	*key = s->network;
	*col = REPO_SIGNUP_NETWORK;
	switch (r->det) {
	case DET_NET_VELOCITY:
		break;
	case DET_DOMAIN_VELOCITY:
		*key = s->domain;
		*col = REPO_SIGNUP_DOMAIN;
		break;
	case DET_SHAPE_VELOCITY:
		*key = s->shape;
		*col = REPO_SIGNUP_SHAPE;
		return strlen(nu->username) >= SIGNUP_SHAPE_MIN && s->shape[0];
	case DET_FAST_FILL:
		return (s->flags & FILTER_FLAG_FAST) != 0 && s->network[0];
	case DET_DISPOSABLE:
		*key = s->domain;
		*col = REPO_SIGNUP_DOMAIN;
		return (s->flags & FILTER_FLAG_DISPOSABLE) != 0;
	case DET_BREACHED:
		return (s->flags & FILTER_FLAG_BREACHED) != 0 && s->network[0];
	case DET_FILTER:
		return s->network[0] && filter_match(r->filter, &rec);
	}
	return (*key)[0] != '\0';
}

/* Counts the attempt in every window its rules look at and decides. */
static void
screen_rules(struct padlined *app, struct db_conn *db, struct svc_new_user *nu,
             struct signup_screen *s)
{
	struct signup_window_req reqs[RULES_MAX];
	struct rule_set *rs = rules_get(app->signup, db);
	unsigned char raw[16];
	char id[33];
	size_t n = 0;

	if (rs == NULL)
		return;
	memset(reqs, 0, sizeof reqs);
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->r[i];
		struct signup_hit *h = &s->hits[n];
		const char *key;

		if (!signup_rule_applies(r, nu, s, &key, &h->col))
			continue;
		snprintf(h->rule, sizeof h->rule, "%s", r->name);
		snprintf(h->key, sizeof h->key, "%s", key);
		h->action = r->action;
		h->shadow = r->shadow;
		h->window_s = r->window_s;
		/* Velocity rules share their detector's set; the others
		 * count their own matches. */
		if (r->det == DET_NET_VELOCITY ||
		    r->det == DET_DOMAIN_VELOCITY ||
		    r->det == DET_SHAPE_VELOCITY)
			snprintf(reqs[n].zkey, sizeof reqs[n].zkey, "v:%s:%s",
			         detector_names[r->det], key);
		else
			snprintf(reqs[n].zkey, sizeof reqs[n].zkey, "r:%s:%s",
			         r->name, key);
		if (r->action == ACT_ALARM || r->shadow)
			snprintf(reqs[n].claim, sizeof reqs[n].claim, "c:%s:%s",
			         r->name, key);
		reqs[n].window_s = r->window_s;
		reqs[n].threshold = r->threshold;
		n++;
	}
	rule_set_release(app->signup, rs);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(id, sizeof id, raw, sizeof raw);
	signup_windows_count(app->signup->win, id, reqs, n);
	for (size_t i = 0; i < n; i++) {
		struct signup_hit *h = &s->hits[i];

		h->count = reqs[i].count;
		h->claimed = reqs[i].claimed;
		h->fired = reqs[i].count >= reqs[i].threshold;
		if (h->fired)
			stats_signup_rule_hit(app->stats, h->shadow,
			                      signup_action_names[h->action]);
		if (h->fired && !h->shadow && h->action == ACT_HOLD)
			s->hold = 1;
		if (h->fired && !h->shadow && h->action == ACT_BLOCK)
			s->block = 1;
	}
	s->nhits = n;
}

int
svc_signup_screen(struct padlined *app, struct db_conn *db,
                  struct svc_new_user *nu, struct pl_error *err)
{
	if (nu->trusted || app->signup == NULL)
		return PL_OK;
	nu->screen = screen_new(app, nu);
	if (nu->invalid.code) {
		svc_signup_record_alone(
		    app, db, nu, "invalid",
		    nu->invalid.reason[0] ? nu->invalid.reason : "validation");
		*err = nu->invalid;
		pl_error_init(&nu->invalid);
		return err->code;
	}
	screen_rules(app, db, nu, nu->screen);
	if (nu->screen->block) {
		char reason[96] = "blocked by rule";

		for (size_t i = 0; i < nu->screen->nhits; i++) {
			const struct signup_hit *h = &nu->screen->hits[i];

			if (h->fired && !h->shadow && h->action == ACT_BLOCK) {
				snprintf(reason, sizeof reason,
				         "blocked by rule %s", h->rule);
				break;
			}
		}
		svc_signup_record_alone(app, db, nu, "refused", reason);
		/* Nothing about why: that is for the operators. */
		return pl_error_set(err, PL_ERR_FORBIDDEN,
		                    "registration_refused",
		                    "registration is not possible right now");
	}
	return PL_OK;
}

int
svc_signup_holds(const struct svc_new_user *nu)
{
	return nu->screen && nu->screen->hold;
}
