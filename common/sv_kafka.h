#ifndef SV_KAFKA_H
#define SV_KAFKA_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* A configuration with the brokers, our defaults and the caller's pass-through "key=value"
 * options (later ones win, so an admin can override any default). Log lines go to sv_log.
 * Returns NULL with a reason in err. */
rd_kafka_conf_t *sv_kafka_conf_new(const char *brokers, const char *const *options, size_t option_count, char *err,
				   size_t errlen);

/* Sets one "key=value" option; returns -1 with a reason naming the key in err. */
int sv_kafka_conf_set_option(rd_kafka_conf_t *conf, const char *option, char *err, size_t errlen);

/* True when a metadata request reaches a broker within timeout_ms. */
int sv_kafka_reachable(rd_kafka_t *rk, int timeout_ms, char *err, size_t errlen);

#endif
