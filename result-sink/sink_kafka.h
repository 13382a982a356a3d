#ifndef SINK_KAFKA_H
#define SINK_KAFKA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "sink_config.h"
#include "sv_kafka_client.h"

/* The consumer of the results topic (auto commit of the stored offsets). */
rd_kafka_t *sink_consumer_new(const sink_config *c, char *err, size_t errlen);

/* The producer of dead letters and of the sweeper's re-sends. */
rd_kafka_t *sink_producer_new(const sink_config *c, char *err, size_t errlen);

#endif
