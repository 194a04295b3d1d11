/*
 * What the signup defense's screen (svc_signup.c) hands its record
 * (svc_signup_record.c): the attempt's keys and flags and each rule that
 * looked at it.
 */
#ifndef PL_SIGNUP_SCREEN_H
#define PL_SIGNUP_SCREEN_H

#include <jansson.h>

#include "filter.h"
#include "repo_signup.h"
#include "signup_key.h"

#define SIGNUP_RULES_MAX 32

enum action { ACT_ALARM, ACT_HOLD, ACT_BLOCK };
extern const char *const signup_action_names[];

struct signup_hit {
	char rule[72];
	enum action action;
	int shadow, window_s, fired, claimed;
	long long count;
	enum repo_signup_key col;
	char key[SIGNUP_SHAPE_MAX];
};

struct signup_screen {
	char network[SIGNUP_NETWORK_MAX];
	char domain[256];
	char shape[SIGNUP_SHAPE_MAX];
	long long fill_ms;
	unsigned flags;
	int hold, block;
	size_t nhits;
	struct signup_hit hits[SIGNUP_RULES_MAX];
};

enum detector {
	DET_FILTER,
	DET_NET_VELOCITY,
	DET_DOMAIN_VELOCITY,
	DET_SHAPE_VELOCITY,
	DET_FAST_FILL,
	DET_DISPOSABLE,
	DET_BREACHED,
};

struct rule {
	char name[72];
	enum detector det;
	struct filter *filter; /* DET_FILTER only */
	int threshold, window_s;
	enum action action;
	int shadow;
};

/* The rules as loaded once; shared by the attempts that took a reference. */
struct rule_set {
	int refs; /* guarded by the defense's lock */
	size_t n;
	struct rule r[SIGNUP_RULES_MAX];
};

struct svc_new_user;
/* Compiles rule rows (signup_rules_with_defaults) that are enabled; refs
 * 1. */
struct rule_set *signup_rules_compile(json_t *rows);
void signup_rules_free(struct rule_set *);
/* Whether rule r looks at an attempt (nu, s), and under which key (into
 * s) and key column. */
int signup_rule_applies(const struct rule *r, const struct svc_new_user *nu,
                        const struct signup_screen *s, const char **key,
                        enum repo_signup_key *col);

/* The flags and rules of a stored attempt (row's "flags" and "rules"
 * arrays) into rec; rules (room for max, borrowed from row) becomes
 * rec->rules. */
void signup_record_tags(json_t *row, struct filter_record *rec,
                        const char **rules, size_t max);

#endif
