/*
 * The filter language of filter.h: a tokenizer that reads whitespace-
 * separated terms (quoted free text, key:value, "!" before either), a
 * compiled form checked once at parse time so matching never fails, and the
 * canonical rendering that parses back to the same filter.
 */
#include "filter.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "protocol.h"
#include "xalloc.h"

enum term_key {
	KEY_TEXT,
	KEY_NET,
	KEY_IP,
	KEY_DOMAIN,
	KEY_SHAPE,
	KEY_FLAG,
	KEY_RULE,
	KEY_STATUS,
};

static const char *const key_names[] = {
    [KEY_TEXT] = "",         [KEY_NET] = "net",       [KEY_IP] = "ip",
    [KEY_DOMAIN] = "domain", [KEY_SHAPE] = "shape",   [KEY_FLAG] = "flag",
    [KEY_RULE] = "rule",     [KEY_STATUS] = "status",
};

static const struct {
	const char *name;
	unsigned bit;
} flag_names[] = {{"fast", FILTER_FLAG_FAST},
                  {"disposable", FILTER_FLAG_DISPOSABLE},
                  {"breached", FILTER_FLAG_BREACHED}};

static const struct {
	const char *name;
	enum filter_status status;
} status_names[] = {{"active", FILTER_STATUS_ACTIVE},
                    {"pending", FILTER_STATUS_PENDING},
                    {"held", FILTER_STATUS_PENDING},
                    {"disabled", FILTER_STATUS_DISABLED},
                    {"rejected", FILTER_STATUS_REJECTED}};

struct term {
	enum term_key key;
	bool neg;
	char *text; /* free text, domain, shape, rule */
	struct netaddr net;
	unsigned flag;
	enum filter_status status;
};

struct filter {
	size_t n;
	struct term terms[FILTER_MAX_TERMS];
};

/* 1-based position in characters (UTF-8 lead bytes) of byte offset off. */
static size_t
char_pos(const char *s, size_t off)
{
	size_t n = 1;

	for (size_t i = 0; i < off; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static int
fail(struct pl_error *err, const char *s, size_t off, const char *what)
{
	size_t pos = char_pos(s, off);

	pl_error_set(err, PL_ERR_INVALID_PARAMS, "bad_filter", "%s at %zu",
	             what, pos);
	return pl_error_data(err, "position", json_integer((json_int_t)pos));
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static void
lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static bool
shape_valid(const char *s)
{
	if (*s == '\0' || strlen(s) >= SIGNUP_SHAPE_MAX)
		return false;
	while (*s) {
		if (*s != 'a' && *s != 'd' && *s != 'o')
			return false;
		s++;
		if (*s < '1' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return true;
}

/* Letters, digits, '-' and '.', labels not empty, at most 253 bytes. */
static bool
domain_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.' ||
	    strstr(s, "..") != NULL)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '.'))
			return false;
	return true;
}

/* Compiles the value of a key:value term into t; message on failure. */
static const char *
term_value(struct term *t, char *value, char *msg, size_t msgsz)
{
	const char *key = key_names[t->key];

	if (*value == '\0') {
		snprintf(msg, msgsz, "empty value for \"%s\"", key);
		return msg;
	}
	switch (t->key) {
	case KEY_NET:
	case KEY_IP:
		if (netaddr_parse(value, t->key == KEY_NET, &t->net) != 0) {
			snprintf(msg, msgsz,
			         t->key == KEY_NET
			             ? "\"%.64s\" is not an address or network "
			               "(203.0.113.0/24, 2001:db8::/48)"
			             : "\"%.64s\" is not an address",
			         value);
			return msg;
		}
		return NULL;
	case KEY_DOMAIN:
		lower_ascii(value);
		if (!domain_valid(value)) {
			snprintf(msg, msgsz, "\"%.64s\" is not a domain",
			         value);
			return msg;
		}
		break;
	case KEY_SHAPE:
		if (!shape_valid(value)) {
			snprintf(msg, msgsz,
			         "\"%.64s\" is not a shape (runs like a5d4)",
			         value);
			return msg;
		}
		break;
	case KEY_FLAG:
		if ((t->flag = filter_flag_bit(value)) != 0)
			return NULL;
		snprintf(msg, msgsz,
		         "unknown flag \"%.64s\" (fast, disposable, breached)",
		         value);
		return msg;
	case KEY_STATUS:
		if ((t->status = filter_status_of(value)) != FILTER_STATUS_NONE)
			return NULL;
		snprintf(msg, msgsz,
		         "unknown status \"%.64s\" (active, pending, held, "
		         "disabled, rejected)",
		         value);
		return msg;
	case KEY_RULE:
	case KEY_TEXT:
		break;
	}
	t->text = xstrdup(value);
	return NULL;
}

/*
 * Reads a quoted string starting at s[*i] == '"' into a new string:
 * backslash takes the next byte literally. Returns NULL when unterminated.
 */
static char *
read_quoted(const char *s, size_t *i)
{
	size_t j = *i + 1, n = 0;
	char *out = xmalloc(strlen(s + j) + 1);

	while (s[j] && s[j] != '"') {
		if (s[j] == '\\' && s[j + 1])
			j++;
		out[n++] = s[j++];
	}
	if (s[j] != '"') {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	*i = j + 1;
	return out;
}

static enum term_key
key_lookup(const char *s, size_t len, bool *found)
{
	for (size_t k = KEY_NET; k <= KEY_STATUS; k++)
		if (strlen(key_names[k]) == len &&
		    strncasecmp(key_names[k], s, len) == 0) {
			*found = true;
			return (enum term_key)k;
		}
	*found = false;
	return KEY_TEXT;
}

/* Reads one term at s[*i] (not blank, not the end) into t. */
static int
read_term(const char *s, size_t *i, struct term *t, struct pl_error *err)
{
	size_t start, word_end, colon = SIZE_MAX;
	char msg[200], *value;
	const char *bad;
	bool found = false;

	if (s[*i] == '!') {
		t->neg = true;
		(*i)++;
		if (s[*i] == '\0' || is_blank(s[*i]) || s[*i] == '!')
			return fail(err, s, *i - 1,
			            "\"!\" must be followed by a term");
	}
	start = *i;
	if (s[start] == '"') {
		t->key = KEY_TEXT;
		value = read_quoted(s, i);
		if (value == NULL)
			return fail(err, s, start, "unterminated quote");
	} else {
		word_end = start;
		while (s[word_end] && !is_blank(s[word_end]) &&
		       s[word_end] != '"') {
			if (s[word_end] == ':' && colon == SIZE_MAX)
				colon = word_end;
			word_end++;
		}
		if (s[word_end] == '"' &&
		    !(colon != SIZE_MAX && colon + 1 == word_end))
			return fail(err, s, word_end, "unexpected quote");
		if (colon == SIZE_MAX) {
			t->key = KEY_TEXT;
			value = xstrndup(s + start, word_end - start);
			*i = word_end;
		} else {
			t->key = key_lookup(s + start, colon - start, &found);
			if (!found) {
				snprintf(
				    msg, sizeof msg, "unknown key \"%.*s\"",
				    (int)(colon - start > 32 ? 32
				                             : colon - start),
				    s + start);
				return fail(err, s, start, msg);
			}
			if (s[word_end] == '"') {
				*i = word_end;
				value = read_quoted(s, i);
				if (value == NULL)
					return fail(err, s, word_end,
					            "unterminated quote");
			} else {
				value = xstrndup(s + colon + 1,
				                 word_end - colon - 1);
				*i = word_end;
			}
		}
	}
	if (s[*i] && !is_blank(s[*i])) {
		free(value);
		return fail(err, s, *i, "expected a space after the quote");
	}
	bad = term_value(t, value, msg, sizeof msg);
	free(value);
	if (bad)
		return fail(err, s, start, bad);
	return PL_OK;
}

int
filter_parse(const char *text, struct filter **out, struct pl_error *err)
{
	struct filter *f;
	size_t i = 0;

	*out = NULL;
	if (text == NULL)
		text = "";
	if (strlen(text) > FILTER_MAX_INPUT)
		return fail(
		    err, text, FILTER_MAX_INPUT,
		    "filter longer than " PL_STR(FILTER_MAX_INPUT) " bytes");
	f = xcalloc(1, sizeof *f);
	for (;;) {
		while (is_blank(text[i]))
			i++;
		if (text[i] == '\0')
			break;
		if (f->n == FILTER_MAX_TERMS) {
			filter_free(f);
			return fail(
			    err, text, i,
			    "more than " PL_STR(FILTER_MAX_TERMS) " terms");
		}
		if (read_term(text, &i, &f->terms[f->n], err) != PL_OK) {
			free(f->terms[f->n].text);
			filter_free(f);
			return err->code;
		}
		f->n++;
	}
	*out = f;
	return PL_OK;
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->terms[i].text);
	free(f);
}

size_t
filter_terms(const struct filter *f)
{
	return f ? f->n : 0;
}

/* ASCII case-insensitive substring. */
static bool
contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (hay == NULL)
		return false;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

/* The email's domain is value or one of its subdomains. */
static bool
domain_matches(const char *email, const char *value)
{
	const char *d = signup_email_domain(email);
	size_t dl, vl = strlen(value);

	if (d == NULL)
		return false;
	dl = strlen(d);
	if (dl == vl)
		return strcasecmp(d, value) == 0;
	return dl > vl && d[dl - vl - 1] == '.' &&
	       strcasecmp(d + dl - vl, value) == 0;
}

static bool
term_match(const struct term *t, const struct filter_record *r)
{
	char shape[SIGNUP_SHAPE_MAX];

	switch (t->key) {
	case KEY_TEXT:
		return contains_ci(r->username, t->text) ||
		       contains_ci(r->email, t->text);
	case KEY_NET:
	case KEY_IP:
		return netaddr_contains(&t->net, r->peer);
	case KEY_DOMAIN:
		return domain_matches(r->email, t->text);
	case KEY_SHAPE:
		if (r->shape)
			return strcmp(r->shape, t->text) == 0;
		return r->username &&
		       signup_shape(r->username, shape, sizeof shape) == 0 &&
		       strcmp(shape, t->text) == 0;
	case KEY_FLAG:
		return (r->flags & t->flag) != 0;
	case KEY_RULE:
		for (size_t i = 0; i < r->nrules; i++)
			if (r->rules[i] && strcmp(r->rules[i], t->text) == 0)
				return true;
		return false;
	case KEY_STATUS:
		return r->status != FILTER_STATUS_NONE &&
		       r->status == t->status;
	}
	return false;
}

bool
filter_match(const struct filter *f, const struct filter_record *r)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (term_match(&f->terms[i], r) == f->terms[i].neg)
			return false;
	return true;
}

/* A growing string for the rendering. */
struct buf {
	char *s;
	size_t n, cap;
};

static void
buf_put(struct buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, len);
	b->n += len;
	b->s[b->n] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void
render_quoted(struct buf *b, const char *s)
{
	buf_put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_put(b, "\\", 1);
		buf_put(b, s, 1);
	}
	buf_put(b, "\"", 1);
}

static void
render_term(struct buf *b, const struct term *t)
{
	char addr[INET6_ADDRSTRLEN + 8];

	if (t->neg)
		buf_str(b, "!");
	if (t->key != KEY_TEXT) {
		buf_str(b, key_names[t->key]);
		buf_str(b, ":");
	}
	switch (t->key) {
	case KEY_TEXT:
		render_quoted(b, t->text);
		break;
	case KEY_NET:
	case KEY_IP:
		inet_ntop(t->net.af, t->net.addr, addr, INET6_ADDRSTRLEN);
		buf_str(b, addr);
		if (t->key == KEY_NET) {
			snprintf(addr, sizeof addr, "/%d", t->net.prefix);
			buf_str(b, addr);
		}
		break;
	case KEY_DOMAIN:
	case KEY_SHAPE:
		buf_str(b, t->text);
		break;
	case KEY_RULE:
		if (strpbrk(t->text, " \t\n\r\f\v\"\\") != NULL)
			render_quoted(b, t->text);
		else
			buf_str(b, t->text);
		break;
	case KEY_FLAG:
		for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names;
		     i++)
			if (flag_names[i].bit == t->flag)
				buf_str(b, flag_names[i].name);
		break;
	case KEY_STATUS:
		for (size_t i = 0;
		     i < sizeof status_names / sizeof *status_names; i++)
			if (status_names[i].status == t->status) {
				buf_str(b, status_names[i].name);
				break;
			}
		break;
	}
}

char *
filter_render(const struct filter *f)
{
	struct buf b = {xstrdup(""), 0, 1};

	for (size_t i = 0; f && i < f->n; i++) {
		if (i)
			buf_str(&b, " ");
		render_term(&b, &f->terms[i]);
	}
	return b.s;
}

unsigned
filter_flag_bit(const char *name)
{
	for (size_t i = 0; name && i < sizeof flag_names / sizeof *flag_names;
	     i++)
		if (strcasecmp(name, flag_names[i].name) == 0)
			return flag_names[i].bit;
	return 0;
}

const char *
filter_flag_name(unsigned bit)
{
	for (size_t i = 0; i < sizeof flag_names / sizeof *flag_names; i++)
		if (flag_names[i].bit == bit)
			return flag_names[i].name;
	return NULL;
}

enum filter_status
filter_status_of(const char *name)
{
	for (size_t i = 0;
	     name && i < sizeof status_names / sizeof *status_names; i++)
		if (strcasecmp(name, status_names[i].name) == 0)
			return status_names[i].status;
	return FILTER_STATUS_NONE;
}
