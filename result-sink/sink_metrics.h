#ifndef SINK_METRICS_H
#define SINK_METRICS_H

#include <librdkafka/rdkafka.h>

#include "sv_result.h"

/* The result-sink's Prometheus series (--metrics-listen, result-sink(8) METRICS). Each call is one
 * line where the event happens; before sink_metrics_start, and when the listener is off, they do
 * nothing. */

/* Registers the series and listens on addr (NULL or "": nothing). Returns 0, or -1 with a reason
 * naming --metrics-listen in err (a bad or taken address). */
int sink_metrics_start(const char *addr, char *err, size_t errlen);
void sink_metrics_stop(void);

/* A final result written to its submission: by verdict, "failed" for a failed one. */
void sink_metrics_applied(const sv_result_msg *msg);

/* An event refused (and dead-lettered); reason is a word: empty, unsigned, bad_signature,
 * unknown_key, malformed, mismatch, not_a_run. */
void sink_metrics_refused(const char *reason);

/* A dead letter the broker confirmed. */
void sink_metrics_dead_letter(void);

/* The sweeper did something to n submissions; action is resent, resend_failed, requeued, failed,
 * requeued_pending, sessions_deleted or login_failures_deleted. */
void sink_metrics_sweeper(const char *action, long n);

/* The action of a sweeper statement by its name (sweep_fail: failed, ...); NULL for another. */
const char *sink_metrics_sweep_action(const char *statement);

/* A statement or a connection to PostgreSQL failed. */
void sink_metrics_db_error(void);

/* Refreshes the consumer lag (every few seconds, from the poll loop). */
void sink_metrics_lag(rd_kafka_t *consumer);

#endif
