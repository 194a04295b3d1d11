/*
 * Input rules shared by padlined and the TUI, so the register form shows the
 * same rules live that the server enforces: username format, email shape and
 * the password policy. Policy checks report every violated rule.
 */
#ifndef PL_VALIDATE_H
#define PL_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#include "pl_error.h"

#define USERNAME_MIN 3
#define USERNAME_MAX 64
#define EMAIL_MAX 254
#define PASSWORD_MIN 12
#define PASSWORD_MAX 1024

/* One password rule; bit i of a failure mask is rule i of the table. */
enum password_rule {
	PW_RULE_LENGTH,   /* at least PASSWORD_MIN characters (and <= MAX) */
	PW_RULE_LOWER,    /* a lowercase letter */
	PW_RULE_UPPER,    /* an uppercase letter */
	PW_RULE_DIGIT,    /* a digit */
	PW_RULE_SPECIAL,  /* a character that is not a letter or digit */
	PW_RULE_NO_SPACE, /* no whitespace */
	PW_RULE_COUNT
};

/* Stable rule ids ("length", "lowercase", ...) and messages for the UI. */
const char *password_rule_id(enum password_rule);
const char *password_rule_message(enum password_rule);
/* Returns the mask of violated rules (0 = acceptable). */
unsigned password_check(const char *password);
/* Adds one violation per failed rule to err (field "password"); returns 0
 * or PL_ERR_VALIDATION. */
int password_validate(const char *password, struct pl_error *err);
/* The policy as JSON for server.hello: {min_length, rules:[{id,message}]}. */
json_t *password_policy_json(void);

/*
 * Copies username without surrounding whitespace into out (size outsz) and
 * checks ^[A-Za-z0-9_.-]{3,64}$. Adds violations (field "username", rules
 * "required", "length", "format") and returns PL_ERR_VALIDATION on failure.
 */
int username_normalize(const char *in, char *out, size_t outsz,
                       struct pl_error *err);
/* Empty or NULL is acceptable (email is optional); otherwise a sane
 * local@domain.tld shape, <= EMAIL_MAX, no spaces, no control or bidi
 * characters (field "email"). */
int email_validate(const char *email, struct pl_error *err);

/*
 * Text measured the way the database measures it (length() counts
 * characters): UTF-8 code points, not bytes. Input is valid UTF-8 (jansson
 * guarantees it); a stray byte counts as one character.
 */
size_t text_chars(const char *s);
/* Copies src into dst (size dstsz > 0), cut before the first character that
 * does not fit whole: the copy is always valid UTF-8. */
void text_copy(char *dst, size_t dstsz, const char *src);
/* The same for the first n bytes of src (n <= strlen(src)). */
void text_copy_n(char *dst, size_t dstsz, const char *src, size_t n);
/* When text (may be NULL) has more than max characters, adds the violation
 * {field, "length", "<field> must be at most <max> characters"} and returns
 * PL_ERR_VALIDATION; else PL_OK. */
int text_max_chars(const char *field, const char *text, size_t max,
                   struct pl_error *err);

/* When text (may be NULL) holds a control character (C0, DEL, C1) or a
 * bidi control (U+202A-U+202E, U+2066-U+2069), what term_safe.h escapes,
 * adds the violation {field, "control", "<field> must not contain control
 * or bidi characters"} and returns PL_ERR_VALIDATION; else PL_OK. For text
 * other people's terminals show: names and notes. */
int text_no_controls(const char *field, const char *text, struct pl_error *err);
/* 1 when s is a canonical UUID text (8-4-4-4-12 hex digits). */
int text_is_uuid(const char *s);

#endif
