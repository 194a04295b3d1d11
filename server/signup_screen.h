/*
 * What the signup defense's screen (svc_signup.c) hands its record
 * (svc_signup_record.c): the attempt's keys and flags and each rule that
 * looked at it.
 */
#ifndef PL_SIGNUP_SCREEN_H
#define PL_SIGNUP_SCREEN_H

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

#endif
