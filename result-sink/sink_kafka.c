#include "sink_kafka.h"

static sv_kafka_client client(const sink_config *c)
{
	sv_kafka_client k = {"result-sink", c->brokers, (const char *const *)c->kafka_options, c->kafka_option_count,
			     c->keyring};

	return k;
}

rd_kafka_t *sink_consumer_new(const sink_config *c, char *err, size_t errlen)
{
	/* Stored offsets go to the broker soon, so a crash redelivers little. */
	static const char *const defaults[] = {"auto.commit.interval.ms=1000"};
	/* Stored offsets are committed by librdkafka, also as partitions go. */
	static const char *const forced[] = {"enable.auto.commit=true"};
	static const sv_kafka_rebalance rebalance = {NULL, NULL};
	sv_kafka_client k = client(c);

	return sv_kafka_consumer_new(&k, c->group, c->results_topic, defaults, 1, forced, 1, &rebalance, err, errlen);
}

rd_kafka_t *sink_producer_new(const sink_config *c, char *err, size_t errlen)
{
	static const char *const defaults[] = {"linger.ms=5"};
	sv_kafka_client k = client(c);

	return sv_kafka_producer_new(&k, defaults, 1, err, errlen);
}
