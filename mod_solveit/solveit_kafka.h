#ifndef SOLVEIT_KAFKA_H
#define SOLVEIT_KAFKA_H

#include "httpd.h"

/* The per-child librdkafka producer (apache-module-anchors.md §8): created in child_init, served by
 * a poll thread of its own (delivery reports) and a second thread that records kafka_sent_at for
 * confirmed submissions; stopped by child_stopping and the child pool's pre-cleanup, with a
 * bounded flush. */

/* Creates the producer and its poll thread for this child; logs and returns non-zero on failure
 * (the child keeps serving, submissions then stay unsent for the sweeper). */
apr_status_t solveit_kafka_child_init(apr_pool_t *pchild, server_rec *s);

/* child_stopping: asks the poll thread to stop; the flush happens in the pool cleanup. */
void solveit_kafka_child_stopping(void);

/* Joins the poll thread, flushes for at most a bounded time, destroys the producer. Idempotent. */
void solveit_kafka_child_stop(void);

/* True when a broker answers a metadata request within timeout_ms. */
int solveit_kafka_reachable(int timeout_ms, char *err, apr_size_t errlen);

/* Queues one submission message (key = submission id) without blocking; when wait_ms > 0, waits
 * at most that long for the broker's delivery report. Returns 1 when delivered within the wait,
 * 0 when queued (or waiting disabled), -1 when it could not even be queued (logged). */
int solveit_kafka_send_submission(request_rec *r, apr_int64_t submission_id, const char *payload, apr_size_t len,
				  int wait_ms);

/* Queues one sample run's message (key = run id) on SolveitRunsTopic without blocking or waiting.
 * Returns 0 when queued, -1 when it could not be (logged): the caller says so to the client. */
int solveit_kafka_send_run(request_rec *r, apr_int64_t run_id, const char *payload, apr_size_t len);

#endif
