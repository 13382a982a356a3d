#include "sink_kafka.h"

#include <stdio.h>
#include <string.h>

#include "sink_run.h"
#include "sv_kafka.h"
#include "sv_log.h"
#include "sv_time.h"

volatile int sink_kafka_fatal;

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	char fatal[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));

		sv_log(SV_LOG_ERR, "kafka %s: fatal error %s: %s; stopping", rd_kafka_name(rk), rd_kafka_err2name(orig),
		       fatal);
		sink_kafka_fatal = 1;
		sink_running = 0;
		return;
	}
	/* Broker outages land here; librdkafka reconnects by itself. */
	sv_log(SV_LOG_WARNING, "kafka %s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name((rd_kafka_resp_err_t)err),
	       reason);
}

static void log_partitions(const char *what, const rd_kafka_topic_partition_list_t *parts)
{
	char list[512];
	size_t used = 0;

	list[0] = '\0';
	for (int i = 0; i < parts->cnt && used < sizeof(list) - 32; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s[%d]", i ? " " : "",
					 parts->elems[i].topic, (int)parts->elems[i].partition);
	sv_log(SV_LOG_INFO, "%s %d partition(s): %s", what, parts->cnt, parts->cnt ? list : "-");
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t rc = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		log_partitions("assigned", parts);
		if (cooperative)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			rc = rd_kafka_assign(rk, parts);
	} else {
		if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
			log_partitions("revoked", parts);
		else
			sv_log(SV_LOG_ERR, "kafka rebalance failed: %s", rd_kafka_err2str(err));
		/* Stored offsets are committed by librdkafka as the partitions go (auto commit). */
		if (cooperative)
			error = rd_kafka_incremental_unassign(rk, parts);
		else
			rc = rd_kafka_assign(rk, NULL);
	}
	if (error) {
		sv_log(SV_LOG_ERR, "kafka: cannot change the assignment: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	} else if (rc) {
		sv_log(SV_LOG_ERR, "kafka: cannot change the assignment: %s", rd_kafka_err2str(rc));
	}
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
	sink_delivery *d = rkm->_private;

	if (!d)
		return;
	d->err = rkm->err;
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
}

/* Our defaults, then the administrator's options, then what correctness requires. */
static rd_kafka_conf_t *conf_new(const sink_config *c, const char *const *defaults, size_t ndefaults,
				 const char *const *forced, size_t nforced, char *err, size_t errlen)
{
	const char *options[SV_MAX_KAFKA_OPTIONS + 16];
	size_t n = 0;
	rd_kafka_conf_t *conf;

	for (size_t i = 0; i < ndefaults; i++)
		options[n++] = defaults[i];
	for (size_t i = 0; i < c->kafka_option_count; i++)
		options[n++] = c->kafka_options[i];
	for (size_t i = 0; i < nforced; i++)
		options[n++] = forced[i];
	conf = sv_kafka_conf_new(c->brokers, options, n, err, errlen);
	if (conf)
		rd_kafka_conf_set_error_cb(conf, on_error);
	return conf;
}

rd_kafka_t *sink_consumer_new(const sink_config *c, char *err, size_t errlen)
{
	static const char *const defaults[] = {
	    "client.id=result-sink",
	    /* A new group starts at the beginning: an event is never skipped. */
	    "auto.offset.reset=earliest",
	    /* Stored offsets go to the broker soon, so a crash redelivers little. */
	    "auto.commit.interval.ms=1000",
	    /* The embedded broker (librdkafka's mock cluster) answers an empty fetch only after the
	     * full wait, even when a result arrives meanwhile: 500 ms (the default) would be added to
	     * every result. A real broker answers as soon as data arrives, so there this only costs
	     * idle fetch requests; raise it with --kafka-option where that matters. */
	    "fetch.wait.max.ms=10",
	};
	char group[300];
	const char *forced[] = {group, "enable.auto.commit=true", "enable.auto.offset.store=false"};
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t rc;

	snprintf(group, sizeof(group), "group.id=%s", c->group);
	conf = conf_new(c, defaults, sizeof(defaults) / sizeof(defaults[0]), forced, sizeof(forced) / sizeof(forced[0]),
			err, errlen);
	if (!conf)
		return NULL;
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, c->results_topic, RD_KAFKA_PARTITION_UA);
	rc = rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rc) {
		snprintf(err, errlen, "cannot subscribe to %s: %s", c->results_topic, rd_kafka_err2str(rc));
		rd_kafka_destroy(rk);
		return NULL;
	}
	return rk;
}

rd_kafka_t *sink_producer_new(const sink_config *c, char *err, size_t errlen)
{
	static const char *const defaults[] = {
	    "client.id=result-sink",
	    "enable.idempotence=true",
	    /* A delivery that cannot happen fails within this, so the sweeper tries again next pass. */
	    "message.timeout.ms=30000",
	    "linger.ms=5",
	};
	rd_kafka_conf_t *conf = conf_new(c, defaults, sizeof(defaults) / sizeof(defaults[0]), NULL, 0, err, errlen);
	rd_kafka_t *rk;

	if (!conf)
		return NULL;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
	if (!rk)
		rd_kafka_conf_destroy(conf);
	return rk;
}

size_t sink_delivery_wait(rd_kafka_t *producer, sink_delivery *d, size_t n)
{
	double stop_seen = 0;
	int purged = 0;
	size_t delivered = 0;

	for (size_t i = 0; i < n;) {
		if (__atomic_load_n(&d[i].done, __ATOMIC_ACQUIRE)) {
			i++;
			continue;
		}
		rd_kafka_poll(producer, 50);
		if (!sink_running && !purged) {
			/* Shutting down: give the broker a moment, then stop waiting for it. The purged
			 * messages are reported as failed, so nothing is marked sent that was not. */
			if (stop_seen == 0)
				stop_seen = sv_time_mono_ms();
			else if (sv_time_mono_ms() - stop_seen > 2000) {
				rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
				purged = 1;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (d[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
			delivered++;
	return delivered;
}
