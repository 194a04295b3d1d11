/*
 * The monotonic clock, for timeouts, backoffs and latencies: never the
 * wall clock, which an operator or NTP may move. wall_ms is the one
 * exception, for times compared across instances (Redis scores, a form
 * token's issue time).
 */
#ifndef PL_MONO_TIME_H
#define PL_MONO_TIME_H

long long mono_ms(void);
long long mono_us(void);
/* CLOCK_REALTIME in milliseconds since the epoch. */
long long wall_ms(void);

#endif
