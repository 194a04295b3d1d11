/*
 * JSON text written straight into a growing buffer, for replies of a fixed
 * shape that are cheaper to print than to build as a jansson tree and dump.
 * Strings are escaped as jansson's json_dumps escapes them (no
 * JSON_ENSURE_ASCII): the text is the same either way.
 */
#ifndef PL_JSON_WRITE_H
#define PL_JSON_WRITE_H

#include <jansson.h>
#include <stddef.h>

struct json_write {
	char *buf; /* NUL-terminated once anything is written */
	size_t len, cap;
};

/* Makes room for n more bytes: a text of known size in one allocation. */
void json_write_reserve(struct json_write *, size_t n);
/* Appends n bytes as they are (JSON text the caller vouches for). */
void json_write_raw(struct json_write *, const char *s, size_t n);
/* Appends a literal's bytes: json_write_lit(w, "{\"a\":"). */
#define json_write_lit(w, s) json_write_raw((w), (s), sizeof(s) - 1)
/* Appends s (UTF-8, as jansson holds strings) as a quoted JSON string. */
void json_write_str(struct json_write *, const char *s);
/* The same for n bytes that may hold NUL (written as \u0000). */
void json_write_strn(struct json_write *, const char *s, size_t n);
/* v as json_num_dumps(v, JSON_COMPACT) prints it (json_num.h: reals
 * shortest), members in their order, without jansson's dump: it checks
 * every object for a loop by printing its address into a hash table,
 * which cost more than the printing. v must be a tree (as parsed: no
 * value inside itself). */
void json_write_json(struct json_write *, const json_t *v);
void json_write_ll(struct json_write *, long long v);
/* The text written (malloc'd; "" when nothing was) and its length; w is
 * empty again. */
char *json_write_take(struct json_write *, size_t *len);

#endif
