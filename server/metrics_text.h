/*
 * The server.stats report in Prometheus' text exposition format (0.0.4):
 * the figures GET /metrics answers. Pure: no I/O, no clock, no libuv, so it
 * is tested as a unit.
 */
#ifndef PL_METRICS_TEXT_H
#define PL_METRICS_TEXT_H

#include <stddef.h>

#include <jansson.h>

#define METRICS_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * report is stats_report_json()'s; figures it lacks or holds as null are
 * left out. probe_age_s is how old the probed part (db.up, redis, outbox)
 * is, negative when nothing was probed yet. Returns a new string (free it)
 * and its length in *len.
 */
char *metrics_text_render(const json_t *report, double probe_age_s,
                          size_t *len);

#endif
