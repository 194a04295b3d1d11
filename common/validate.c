/*
 * The input rules of validate.h. The password policy is a table, so the
 * server's violations, server.hello's policy and the TUI's live checklist
 * all come from the same six entries.
 */
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "term_safe.h"

static const struct {
	const char *id;
	const char *message;
} rules[PW_RULE_COUNT] = {
    [PW_RULE_LENGTH] = {"length", "at least 12 characters"},
    [PW_RULE_LOWER] = {"lowercase", "a lowercase letter"},
    [PW_RULE_UPPER] = {"uppercase", "an uppercase letter"},
    [PW_RULE_DIGIT] = {"digit", "a digit"},
    [PW_RULE_SPECIAL] = {"special",
                         "a special character (not a letter or digit)"},
    [PW_RULE_NO_SPACE] = {"no_whitespace", "no spaces or other whitespace"},
};

const char *
password_rule_id(enum password_rule r)
{
	return r < PW_RULE_COUNT ? rules[r].id : "";
}

const char *
password_rule_message(enum password_rule r)
{
	return r < PW_RULE_COUNT ? rules[r].message : "";
}

/* Length of the UTF-8 sequence starting at s, 1 for a stray byte, so a
 * multi-byte character counts once towards the length rule. */
static size_t
utf8_len(const unsigned char *s)
{
	if (*s < 0x80)
		return 1;
	if ((*s & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80)
		return 2;
	if ((*s & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80)
		return 3;
	if ((*s & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80)
		return 4;
	return 1;
}

unsigned
password_check(const char *password)
{
	const unsigned char *p =
	    (const unsigned char *)(password ? password : "");
	size_t chars = 0, bytes = strlen((const char *)p);
	unsigned seen = 0, fail = 0;

	while (*p) {
		size_t n = utf8_len(p);

		chars++;
		if (n > 1) {
			/* Non-ASCII: neither letter class nor digit, so it
			 * counts as special; U+00A0 and U+3000 are spaces. */
			if ((n == 2 && p[0] == 0xc2 && p[1] == 0xa0) ||
			    (n == 3 && p[0] == 0xe3 && p[1] == 0x80 &&
			     p[2] == 0x80) ||
			    (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
			     (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 ||
			      p[2] == 0xaf)))
				fail |= 1u << PW_RULE_NO_SPACE;
			else
				seen |= 1u << PW_RULE_SPECIAL;
		} else if (isspace(*p))
			fail |= 1u << PW_RULE_NO_SPACE;
		else if (islower(*p))
			seen |= 1u << PW_RULE_LOWER;
		else if (isupper(*p))
			seen |= 1u << PW_RULE_UPPER;
		else if (isdigit(*p))
			seen |= 1u << PW_RULE_DIGIT;
		else
			seen |= 1u << PW_RULE_SPECIAL;
		p += n;
	}
	if (chars < PASSWORD_MIN || bytes > PASSWORD_MAX)
		fail |= 1u << PW_RULE_LENGTH;
	for (int r = PW_RULE_LOWER; r <= PW_RULE_SPECIAL; r++)
		if (!(seen & (1u << r)))
			fail |= 1u << r;
	return fail;
}

int
password_validate(const char *password, struct pl_error *err)
{
	unsigned fail = password_check(password);
	char msg[160];

	if (fail == 0)
		return PL_OK;
	for (int r = 0; r < PW_RULE_COUNT; r++) {
		if (!(fail & (1u << r)))
			continue;
		if (r == PW_RULE_LENGTH)
			snprintf(msg, sizeof msg,
			         "password needs at least %d characters (at "
			         "most %d bytes)",
			         PASSWORD_MIN, PASSWORD_MAX);
		else if (r == PW_RULE_NO_SPACE)
			snprintf(msg, sizeof msg,
			         "password must not contain whitespace");
		else
			snprintf(msg, sizeof msg, "password needs %s",
			         rules[r].message);
		pl_error_violation(err, "password", rules[r].id, msg);
	}
	return PL_ERR_VALIDATION;
}

json_t *
password_policy_json(void)
{
	json_t *list = json_array();

	for (int r = 0; r < PW_RULE_COUNT; r++)
		json_array_append_new(list,
		                      json_pack("{s:s, s:s}", "id", rules[r].id,
		                                "message", rules[r].message));
	return json_pack("{s:i, s:i, s:o}", "min_length", PASSWORD_MIN,
	                 "max_bytes", PASSWORD_MAX, "rules", list);
}

int
username_normalize(const char *in, char *out, size_t outsz,
                   struct pl_error *err)
{
	const char *s = in ? in : "", *e;
	size_t len, chars;
	char msg[128];

	if (outsz > 0)
		out[0] = '\0';
	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	len = (size_t)(e - s);
	if (len == 0)
		return pl_error_violation(err, "username", "required",
		                          "username is required");
	chars = 0;
	for (const char *p = s; p < e; p++)
		chars += ((unsigned char)*p & 0xc0) != 0x80;
	if (chars < USERNAME_MIN || chars > USERNAME_MAX) {
		snprintf(msg, sizeof msg,
		         "username must be %d to %d characters long",
		         USERNAME_MIN, USERNAME_MAX);
		return pl_error_violation(err, "username", "length", msg);
	}
	for (const char *p = s; p < e; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' &&
		    *p != '-')
			return pl_error_violation(
			    err, "username", "format",
			    "username may contain only letters, digits, "
			    "'_', '.' and '-'");
	if (len >= outsz)
		return pl_error_violation(err, "username", "length",
		                          "username is too long");
	memcpy(out, s, len);
	out[len] = '\0';
	return PL_OK;
}

/* Whether s holds a unit the terminal escaper would escape: one definition
 * of "control" for what the server refuses and what clients escape. */
static int
has_control(const char *s)
{
	char esc[TERM_SAFE_ESC_MAX];
	size_t n = strlen(s), k, elen;

	for (; n > 0; s += k, n -= k) {
		k = term_safe_unit(s, n, esc, &elen);
		if (elen)
			return 1;
	}
	return 0;
}

int
email_validate(const char *email, struct pl_error *err)
{
	const char *at, *dot;

	if (email == NULL || *email == '\0')
		return PL_OK;
	if (text_max_chars("email", email, EMAIL_MAX, err) != PL_OK)
		return err->code;
	at = strchr(email, '@');
	dot = at ? strrchr(at, '.') : NULL;
	/* local@domain.tld: one '@', something before it, a dot in the
	 * domain with something on both sides, no whitespace or controls. */
	if (at == NULL || at == email || strchr(at + 1, '@') != NULL ||
	    dot == NULL || dot == at + 1 || dot[1] == '\0' ||
	    strstr(at, "..") != NULL)
		return pl_error_violation(
		    err, "email", "format",
		    "email must look like name@example.org");
	for (const unsigned char *p = (const unsigned char *)email; *p; p++)
		if (*p == ' ')
			return pl_error_violation(
			    err, "email", "format",
			    "email must not contain spaces");
	if (has_control(email))
		return pl_error_violation(
		    err, "email", "format",
		    "email must not contain control or bidi characters");
	return PL_OK;
}

size_t
text_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void
text_copy_n(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz) {
		n = dstsz - 1;
		/* Back up over continuation bytes to the start of the
		 * character that would be cut. */
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
text_copy(char *dst, size_t dstsz, const char *src)
{
	text_copy_n(dst, dstsz, src, strlen(src));
}

int
text_max_chars(const char *field, const char *text, size_t max,
               struct pl_error *err)
{
	char msg[160];

	if (text == NULL || text_chars(text) <= max)
		return PL_OK;
	snprintf(msg, sizeof msg, "%s must be at most %zu characters", field,
	         max);
	return pl_error_violation(err, field, "length", msg);
}

int
text_no_controls(const char *field, const char *text, struct pl_error *err)
{
	char msg[160];

	if (text == NULL || !has_control(text))
		return PL_OK;
	snprintf(msg, sizeof msg,
	         "%s must not contain control or bidi characters", field);
	return pl_error_violation(err, field, "control", msg);
}

int
text_is_uuid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (int i = 0, d = 0; i < 36; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return 0;
			d++;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}
