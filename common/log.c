/*
 * logfmt writer. One fprintf per line under a mutex so that lines from the
 * worker threads never interleave. A line carries peers' text (usernames,
 * error messages), and logs are read in terminals: the whole line goes
 * through term_safe before it is written.
 */
#include "log.h"
#include "term_safe.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level log_threshold = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

int
log_set_level(const char *name)
{
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, log_names[i]) == 0) {
			log_threshold = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_quote(char *buf, size_t size, const char *s)
{
	size_t o = 0;
	int plain = s[0] != '\0';

	for (const char *p = s; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\')
			plain = 0;
	if (plain) {
		snprintf(buf, size, "%s", s);
		return buf;
	}
	if (size < 3) {
		buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (const char *p = s; *p && o + 3 < size; p++) {
		if (*p == '"' || *p == '\\')
			buf[o++] = '\\';
		buf[o++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

void
log_msg(enum log_level level, const char *msg, const char *fmt, ...)
{
	char ts[32], rest[2048], qmsg[512], line[2700], safe[4096];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level < log_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	rest[0] = '\0';
	if (fmt != NULL && fmt[0] != '\0') {
		va_start(ap, fmt);
		vsnprintf(rest, sizeof rest, fmt, ap);
		va_end(ap);
	}
	snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s msg=%s%s%s", ts,
	         now.tv_nsec / 1000000, log_names[level],
	         log_quote(qmsg, sizeof qmsg, msg), rest[0] ? " " : "", rest);
	term_safe(line, safe, sizeof safe);
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s\n", safe);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
