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
/* user.list: query may be NULL, before NULL; sort "created_at" (NULL),
 * "username" or "email", order "asc"/"desc" (NULL: the sort's usual one,
 * newest or A first), else 400; *result {users, next}. */
int svc_user_list(struct db_conn *, const char *query, const char *sort,
                  const char *order, int limit, const char *before,
                  json_t **result, struct pl_error *);
int svc_user_stats(struct db_conn *, json_t **result, struct pl_error *);

#endif
