/*
 * The Server screen's model (no curses): successive server.stats results
 * turned into what an operator reads — rates from the last two samples,
 * the per-method table sorted by count, and the text of each line cut to
 * the terminal's width.
 */
#ifndef PL_TUI_MODEL_SERVER_H
#define PL_TUI_MODEL_SERVER_H

#include <jansson.h>
#include <stddef.h>

/* One row of the per-method table. */
struct server_method {
	char name[64];
	long long count, errors; /* since the server started */
	double rate;             /* requests/s between the last two samples */
	int has_rate;            /* 0 on the first sample or after a restart */
	double p50_ms, p99_ms;   /* over the server's last five minutes */
	int has_p50, has_p99;    /* null: no request in that time */
};

struct server_model {
	json_t *now;     /* the newest server.stats result (owned) */
	json_t *prev;    /* the one before it (owned), NULL if none */
	double now_at;   /* when each arrived, in seconds on any clock */
	double prev_at;  /* that only moves forward */
	int has_rate;    /* rates below are known */
	double req_rate; /* requests/s between prev and now */
	double err_rate; /* errors/s between prev and now */
	struct server_method *rows; /* sorted by count, then name */
	size_t nrows;
};

/* How many summary lines server_model_line fills (above the table). */
#define SERVER_SUMMARY_LINES 6

void server_model_init(struct server_model *);
void server_model_free(struct server_model *);
/*
 * Takes a server.stats result (borrowed) that arrived at `at` seconds. A
 * sample whose counters went backwards (the server restarted, or the
 * connection now reaches another instance) starts the rates over.
 */
void server_model_sample(struct server_model *, json_t *stats, double at);

/* Summary line i (< SERVER_SUMMARY_LINES), at most cols cells. */
void server_model_line(const struct server_model *, int i, int cols, char *buf,
                       size_t size);
/* The table's heading, and its row i (< nrows), at most cols cells. */
void server_model_heading(int cols, char *buf, size_t size);
void server_model_row(const struct server_model *, size_t i, int cols,
                      char *buf, size_t size);

/* "0.104", "12.3", "1.23 s", "-" (has 0): a latency in ms. */
void server_fmt_ms(double ms, int has, char *buf, size_t size);
/* "0", "0.5", "12", "1.2k": a rate per second. */
void server_fmt_rate(double rate, char *buf, size_t size);
/* "45 s", "12 min", "3 h 05 min", "2 d 4 h": a duration. */
void server_fmt_duration(double s, char *buf, size_t size);

#endif
