#ifndef SINK_SWEEPER_H
#define SINK_SWEEPER_H

#include <librdkafka/rdkafka.h>

#include "sink_config.h"

/* The sweeper (DESIGN.md §1: "re-sends what never reached Kafka"), in a thread of its own with its
 * own PostgreSQL connection. Of several result-sinks only the one holding a session-level advisory
 * lock sweeps; the others wait on standby and take over when that connection goes away. Each pass:
 *   1. a submission stuck in processing (its time budget plus stuck_after gone by) at its last
 *      attempt is marked failed with an error message;
 *   2. one stuck at an earlier attempt gets attempt + 1 and goes back to pending, unsent;
 *   3. one pending long after Kafka confirmed it (requeue_pending_after) is marked unsent;
 *   4. every pending submission unsent for resend_after (longer than the module still tries to
 *      deliver it, sink_resend_after_check) is produced to the submissions topic and marked sent
 *      once the broker confirms it. */
typedef struct sink_sweeper sink_sweeper;

/* c and producer must outlive the sweeper. Returns NULL with a reason in err. */
sink_sweeper *sink_sweeper_start(const sink_config *c, rd_kafka_t *producer, char *err, size_t errlen);

/* Joins the thread; call after sv_daemon_request_stop. */
void sink_sweeper_stop(sink_sweeper *s);

/* The advisory lock key (pg_try_advisory_lock) that elects the active sweeper: "SVSWEEPR". */
#define SINK_SWEEPER_LOCK_KEY "6005078787434565714"

#endif
