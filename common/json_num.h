/*
 * JSON numbers as padline promises them (README, "Numbers"): every number
 * is kept by value as an IEEE-754 double, or exactly as a 64-bit integer
 * when it is an integer that fits; it is printed in the shortest form that
 * reads back as the same double. jansson alone refuses integers beyond 64
 * bits (which PostgreSQL prints for 1e19) and prints reals with 17 digits
 * (0.1 as 0.10000000000000001); these two wrap it.
 */
#ifndef PL_JSON_NUM_H
#define PL_JSON_NUM_H

#include <jansson.h>

/* json_loadb, except that an integer too big for 64 bits reads as the
 * nearest double instead of failing the whole parse. */
json_t *json_num_loadb(const char *buf, size_t len, size_t flags,
                       json_error_t *err);
/* json_dumps, except that reals are printed in their shortest round-trip
 * form (still with a '.' or an exponent, so they stay reals). NULL as
 * json_dumps. Caller frees. */
char *json_num_dumps(const json_t *v, size_t flags);
/* Room for json_num_real_text's text and its NUL. */
#define JSON_NUM_REAL_TEXT 40
/* The real d (finite) as json_num_dumps prints it: the fewest digits that
 * read back as d, with a '.' or an exponent. Returns its length. */
size_t json_num_real_text(double d, char out[JSON_NUM_REAL_TEXT]);

#endif
