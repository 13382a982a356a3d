#ifndef WORKER_METRICS_H
#define WORKER_METRICS_H

#include <librdkafka/rdkafka.h>

#include "sv_result.h"

/* The judge-worker's Prometheus series (--metrics-listen, judge-worker(8) METRICS). Each call is
 * one line where the event happens; before worker_metrics_start, and when the listener is off,
 * they cost a test of a NULL pointer. */

/* Registers the series and listens on addr (NULL or "": no listener, nothing registered).
 * executor labels the duration histogram. Returns 0, or -1 with a reason naming --metrics-listen
 * in err (a bad or taken address). */
int worker_metrics_start(const char *addr, const char *executor, char *err, size_t errlen);
void worker_metrics_stop(void);

/* A final result delivered: verdict (or "failed") and language; seconds from the start of
 * judging to the delivery. */
void worker_metrics_judged(const sv_result_msg *res, int language_id, double seconds);

/* A message sent to the dead-letter topic; reason is one of a few words (malformed, unsigned,
 * bad_signature, unknown_key, unknown_submission, mismatch). */
void worker_metrics_dead_letter(const char *reason);

/* A judgement begins (+1) or ends (-1). */
void worker_metrics_in_flight(int delta);

/* Refreshes the consumer lag of consumer's partitions (every few seconds, from the poll loop); paused:
 * they are paused, so the broker is asked for their watermarks. */
void worker_metrics_lag(rd_kafka_t *consumer, int paused);

#endif
