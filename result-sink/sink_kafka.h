#ifndef SINK_KAFKA_H
#define SINK_KAFKA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "sink_config.h"

/* The outcome of one produced message, filled in by the delivery report callback. Any thread may
 * serve the callback (whoever polls the producer); the waiter reads done with acquire ordering. */
typedef struct {
	int done;
	rd_kafka_resp_err_t err;
} sink_delivery;

/* The consumer of the results topic: manual offset store (DESIGN.md §1, invariant 3), earliest
 * offset for a new group, assignments logged. */
rd_kafka_t *sink_consumer_new(const sink_config *c, char *err, size_t errlen);

/* The producer of dead letters and of the sweeper's re-sends. Produce with
 * RD_KAFKA_V_OPAQUE(&delivery) and wait with sink_delivery_wait. */
rd_kafka_t *sink_producer_new(const sink_config *c, char *err, size_t errlen);

/* Waits until every delivery in d[0..n) is reported. Bounded by message.timeout.ms; on shutdown
 * the outstanding messages are purged after a short grace. Returns how many were delivered. */
size_t sink_delivery_wait(rd_kafka_t *producer, sink_delivery *d, size_t n);

/* Set when librdkafka reports a fatal error: the daemon exits with status 2. */
extern volatile int sink_kafka_fatal;

#endif
