/*
 * The monotonic clock, for timeouts, backoffs and latencies: never the
 * wall clock, which an operator or NTP may move.
 */
#ifndef PL_MONO_TIME_H
#define PL_MONO_TIME_H

long long mono_ms(void);
long long mono_us(void);

#endif
