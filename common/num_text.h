/*
 * Integers as text without printf: the request path prints a few numbers
 * per call (statement names, event keys, JSON answers), and a format string
 * parsed each time cost more than the digits.
 */
#ifndef PL_NUM_TEXT_H
#define PL_NUM_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Room for any long long in decimal ("-9223372036854775808") and a NUL. */
#define NUM_TEXT_LL 21
/* Room for any uintmax_t in hex and a NUL. */
#define NUM_TEXT_HEX (sizeof(uintmax_t) * 2 + 1)

/* v as printf's "%lld" writes it, NUL-terminated; returns its length. */
size_t num_text_ll(char out[NUM_TEXT_LL], long long v);
/* v as printf's "%jx" writes it (lowercase, no leading zeros). */
size_t num_text_hex(char out[NUM_TEXT_HEX], uintmax_t v);

#endif
