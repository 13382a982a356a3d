#ifndef SV_METRICS_H
#define SV_METRICS_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* The daemons' Prometheus metrics: a registry of counters, gauges and histograms (fixed buckets),
 * each with a fixed list of label names, updated from any thread, and an HTTP listener
 * (libmicrohttpd) that serves GET /metrics as the Prometheus text format 0.0.4 and 404 for any
 * other path. Every update function takes a NULL metric and does nothing, so a daemon's call sites
 * need no test of whether metrics are on. */

typedef struct sv_metrics sv_metrics;
typedef struct sv_metric sv_metric;

sv_metrics *sv_metrics_new(void);
void sv_metrics_free(sv_metrics *reg);

/* A family named name (a counter's samples get "_total" appended; give the name without it),
 * described by help, with the label names in labels, comma-separated ("verdict,language"; NULL or
 * "" for none). NULL when out of memory, or when the name or a label name is not a valid Prometheus
 * name, or the name is taken. The registry owns it. */
sv_metric *sv_metrics_counter(sv_metrics *reg, const char *name, const char *help, const char *labels);
sv_metric *sv_metrics_gauge(sv_metrics *reg, const char *name, const char *help, const char *labels);
/* bounds: the buckets' upper bounds, increasing; "+Inf" is added. */
sv_metric *sv_metrics_histogram(sv_metrics *reg, const char *name, const char *help, const char *labels,
				const double *bounds, size_t nbounds);

/* One label value (const char *, NULL for "") per label name follows v, in the family's order. */
void sv_metric_add(sv_metric *m, double v, ...);     /* counter or gauge */
void sv_metric_set(sv_metric *m, double v, ...);     /* gauge, or a counter copied from elsewhere */
void sv_metric_observe(sv_metric *m, double v, ...); /* histogram */

/* The value of one label set (a histogram's count); 0 when it has none. For tests and logs. */
double sv_metric_value(sv_metric *m, ...);

/* Called, in the listener's thread, before every rendering: the place to copy figures kept
 * elsewhere into the registry. At most SV_METRICS_MAX_HOOKS. Returns 0 or -1. */
#define SV_METRICS_MAX_HOOKS 8
typedef void sv_metrics_hook(sv_metrics *reg, void *arg);
int sv_metrics_on_scrape(sv_metrics *reg, sv_metrics_hook *fn, void *arg);

/* The exposition text of every family (malloc'd, NUL-terminated, length in *len); NULL when out
 * of memory. Runs the scrape hooks first. */
char *sv_metrics_render(sv_metrics *reg, size_t *len);

/* Replaces every label set of gauge (labels "topic,partition") with the consumer lag of each
 * partition assigned to consumer: the high watermark minus the consumer's position. Reads
 * librdkafka's cached watermark (cheap enough for a daemon's poll loop every few seconds), or, when
 * ask_broker (paused partitions are not fetched, so their cached watermark stands still), asks the
 * broker, waiting up to 500 ms a partition. */
void sv_metrics_kafka_lag(sv_metric *gauge, rd_kafka_t *consumer, int ask_broker);

/* Checks an ADDR:PORT listen address: an IPv4 address or a host name, or an IPv6 address in
 * brackets ("[::1]:9464"), and a port 1..65535. Returns 0, or -1 with a reason starting with who
 * (the option's name) in err. */
int sv_metrics_listen_check(const char *text, const char *who, char *err, size_t errlen);

/* Serves reg at http://text/metrics from a thread of libmicrohttpd's until sv_metrics_stop.
 * NULL with a reason starting with who in err when the address is bad or taken. */
typedef struct sv_metrics_server sv_metrics_server;
sv_metrics_server *sv_metrics_listen(sv_metrics *reg, const char *text, const char *who, char *err, size_t errlen);

/* The daemons' option, in their messages. */
#define SV_METRICS_OPTION "--metrics-listen / SOLVEIT_METRICS_LISTEN"

/* A daemon's start-up: a registry of its own, filled by fill (0, or -1 when out of memory), served
 * at addr. NULL with a reason naming SV_METRICS_OPTION in err. sv_metrics_stop frees the registry
 * too. */
sv_metrics_server *sv_metrics_serve(const char *addr, int (*fill)(sv_metrics *reg), char *err, size_t errlen);

/* Stops serving (NULL: nothing). */
void sv_metrics_stop(sv_metrics_server *srv);

/* The label of a refusal for a MAC status (enum sv_mac_status): unsigned (no valid MAC),
 * bad_signature, unknown_key. */
const char *sv_metrics_mac_reason(int mac_status);

/* The duration buckets of the judge's histograms, in seconds. */
extern const double sv_metrics_duration_buckets[];
extern const size_t sv_metrics_duration_bucket_count;

#endif
