/*
 * User rules: registration (also used by create-user),
 * identity-provider sync, listing and statistics. Transactions, audit rows
 * and events live here; SQL lives in repo_user.c.
 */
#ifndef PL_SVC_USER_H
#define PL_SVC_USER_H

#include <jansson.h>
#include "db.h"
#include "pl_error.h"
#include "pwhash.h"
#include "validate.h"

struct padlined;
struct signup_screen;

/* A registration in progress, filled step by step. */
struct svc_new_user {
	char *username_in;               /* as received */
	char username[USERNAME_MAX + 1]; /* normalised */
	char *email;                     /* NULL when none */
	char *password;                  /* wiped and freed after hashing */
	char *invitation;                /* the code, NULL when none */
	char *form_token;                /* NULL for create-user */
	int admin;                       /* create-user --admin */
	int trusted;                     /* create-user: no token/invitation */
	char hash[PWHASH_STRBYTES];
	/* Signup defense (svc_signup.h). */
	char peer[64];                /* client address, "" for create-user */
	int breached;                 /* the password is in the breach list */
	struct pl_error invalid;      /* the input rules' verdict, kept for
	                                 the attempt's record */
	struct signup_screen *screen; /* what the detectors saw */
	char *reason;                 /* why the attempt failed, or NULL */
};

/* Copies the raw inputs (any may be NULL). */
struct svc_new_user *svc_new_user_new(const char *username,
                                      const char *password, const char *email,
                                      const char *invitation,
                                      const char *form_token);
void svc_new_user_free(void *);

/* Before touching the database: every violated rule at once (username,
 * password, email, invitation presence); 403 registration_closed. */
int svc_user_validate(struct padlined *, struct svc_new_user *,
                      struct pl_error *);
/* Hashes the password (then forgets it). Run under STEP_HASH. */
int svc_user_hash(struct padlined *, struct svc_new_user *, struct pl_error *);
/* One transaction: the form token's spend, name check, insert,
 * invitation, audit row (its event goes out after commit). A refused
 * registration leaves the token unspent. *user = public object. */
int svc_user_create(struct padlined *, struct db_conn *, struct svc_new_user *,
                    json_t **user, struct pl_error *);

/* What user.sync receives from an identity provider (strings borrowed; NULL
 * when absent). */
struct svc_user_sync {
	const char *id, *username, *email, *name, *given_name, *family_name;
	int email_verified;
};

/* user.sync: roles an array of strings (NULL = []); *result {user,
 * created}. */
int svc_user_sync(struct padlined *, struct db_conn *, const char *actor_id,
                  const struct svc_user_sync *in, json_t *roles,
                  json_t **result, struct pl_error *);
/* user.list's input; every pointer may be NULL. */
struct svc_user_list_in {
	const char *query;  /* any part of a username or email (1 or 2
	                       characters: the start) */
	const char *filter; /* the filter language; not with query */
	const char *sort;   /* "created_at" (NULL), "username" or "email" */
	const char *order;  /* "asc"/"desc" (NULL: the sort's usual one) */
	const char *before; /* the cursor: a user id */
	int limit;
};
/* user.list: *result {users, next}; 400 for a sort or order not named
 * above, a filter that does not parse (bad_filter, with its position) or
 * both query and filter. */
int svc_user_list(struct db_conn *, const struct svc_user_list_in *,
                  json_t **result, struct pl_error *);
int svc_user_stats(struct db_conn *, json_t **result, struct pl_error *);

#endif
