/*
 * logfmt logging to stderr: `ts=... level=info msg=... key=value ...`.
 * Callers pass already-formatted key=value pairs; values that may contain
 * spaces or quotes go through log_quote(). Never log secrets.
 */
#ifndef PL_LOG_H
#define PL_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the threshold from "debug", "info", "warn" or "error"; -1 if unknown. */
int log_set_level(const char *name);
void log_msg(enum log_level, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Quotes s for a logfmt value into buf (always NUL-terminated); returns buf. */
const char *log_quote(char *buf, size_t size, const char *s);

#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)
#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)

#endif
