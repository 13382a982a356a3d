#include "sv_kafka_client.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv_daemon.h"
#include "sv_kafka.h"
#include "sv_kafka_mac.h"
#include "sv_log.h"
#include "sv_time.h"

volatile int sv_kafka_fatal;

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[512];
		rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, why, sizeof(why));

		sv_log(SV_LOG_ERR, "kafka %s: fatal error %s: %s; stopping", rd_kafka_name(rk), rd_kafka_err2name(orig),
		       why);
		sv_kafka_fatal = 1;
		sv_daemon_request_stop();
		return;
	}
	/* Broker outages are expected; librdkafka reconnects on its own. */
	sv_log(err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT ? SV_LOG_INFO
												 : SV_LOG_WARNING,
	       "kafka %s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
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

/* The offsets stored for the partitions going away, committed before they go and waited for: an
 * asynchronous commit (auto commit's included) may be sent after the member left its generation and
 * fail with "Unknown member" or "rebalance in progress", and the next owner then judges or applies
 * the same messages again. A broker may refuse even this commit while the group rebalances (the
 * embedded one does under the eager assignor): the daemons take redeliveries as duplicates anyway.
 * Partitions lost with the group membership cannot be committed at all. */
static void commit_revoked(rd_kafka_t *rk, int cooperative)
{
	rd_kafka_resp_err_t rc;

	if (rd_kafka_assignment_lost(rk)) {
		sv_log(SV_LOG_WARNING, "kafka: partitions lost with the group membership; their uncommitted offsets "
				       "will be delivered again");
		return;
	}
	/* NULL: every stored offset of the assignment, of which the revoked partitions are a part. */
	rc = rd_kafka_commit(rk, NULL, 0);
	if (rc == RD_KAFKA_RESP_ERR_NO_ERROR)
		sv_log(SV_LOG_DEBUG, "kafka: offsets committed before the %s revocation",
		       cooperative ? "incremental" : "eager");
	else if (rc != RD_KAFKA_RESP_ERR__NO_OFFSET)
		sv_log(SV_LOG_WARNING, "kafka: cannot commit the offsets of the revoked partitions: %s",
		       rd_kafka_err2str(rc));
}

/* Both assignors: the eager one hands over and takes away the whole assignment at once, the
 * cooperative one only the partitions that move, which must be added or removed incrementally (a
 * plain assign there would drop the partitions this consumer keeps). */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	const sv_kafka_rebalance *hooks = opaque;
	int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t rc = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		log_partitions(cooperative ? "assigned (incrementally)" : "assigned", parts);
		if (cooperative)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			rc = rd_kafka_assign(rk, parts);
	} else {
		if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
			log_partitions(cooperative ? "revoking (incrementally)" : "revoking", parts);
		else
			sv_log(SV_LOG_ERR, "kafka rebalance failed: %s", rd_kafka_err2str(err));
		if (hooks && hooks->on_revoke)
			hooks->on_revoke(rk, parts, hooks->baton);
		if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
			commit_revoked(rk, cooperative);
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

/* Who polls which producer. librdkafka serves a delivery report in whichever thread polls, and a thread
 * blocked in rd_kafka_poll does not return when another one served its report: with several threads
 * polling one producer each waited up to its whole poll timeout for a report already in (measured: 16 ms
 * on average for a judge-worker result, 31 ms at p90). So one thread at a time polls a producer; the
 * others sleep on dr_cond, which every report and every end of a poll broadcasts. */
enum { POLLED_MAX = 8 };
static pthread_mutex_t dr_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dr_cond;
static pthread_once_t dr_once = PTHREAD_ONCE_INIT;
static rd_kafka_t *dr_polled[POLLED_MAX];

static void dr_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&dr_cond, &attr);
	pthread_condattr_destroy(&attr);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm, void *opaque)
{
	sv_delivery *d = rkm->_private;

	if (!d)
		return; /* nobody waits for this one */
	pthread_mutex_lock(&dr_lock);
	d->err = rkm->err;
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&dr_cond);
	pthread_mutex_unlock(&dr_lock);
}

void sv_producer_poll(rd_kafka_t *producer, int timeout_ms, const int *done)
{
	struct timespec until;
	int polled = 0, free_slot = -1;

	pthread_once(&dr_once, dr_init);
	pthread_mutex_lock(&dr_lock);
	if (done && __atomic_load_n(done, __ATOMIC_ACQUIRE)) {
		pthread_mutex_unlock(&dr_lock);
		return;
	}
	for (int i = 0; i < POLLED_MAX; i++) {
		if (dr_polled[i] == producer)
			polled = 1;
		else if (!dr_polled[i] && free_slot < 0)
			free_slot = i;
	}
	if (!polled) {
		/* Nobody polls it: this thread does (or, with every slot taken, polls beside the others). */
		if (free_slot >= 0)
			dr_polled[free_slot] = producer;
		pthread_mutex_unlock(&dr_lock);
		rd_kafka_poll(producer, timeout_ms);
		pthread_mutex_lock(&dr_lock);
		if (free_slot >= 0)
			dr_polled[free_slot] = NULL;
		pthread_cond_broadcast(&dr_cond); /* a waiter may take over the polling */
		pthread_mutex_unlock(&dr_lock);
		return;
	}
	sv_time_deadline(CLOCK_MONOTONIC, timeout_ms, &until);
	pthread_cond_timedwait(&dr_cond, &dr_lock, &until);
	pthread_mutex_unlock(&dr_lock);
}

typedef struct {
	const char *const *v;
	size_t n;
} option_list;

/* client.id, our defaults, then the administrator's options, then what correctness requires:
 * librdkafka lets the later ones win. */
static rd_kafka_conf_t *conf_new(const sv_kafka_client *c, const option_list *defaults, size_t ndefaults,
				 const option_list *forced, size_t nforced, char *err, size_t errlen)
{
	const char *options[SV_KAFKA_MAX_LAYERED];
	const option_list user = {c->options, c->option_count};
	const option_list *layers[8];
	char client_id[200];
	size_t n = 0, nlayers = 0;
	rd_kafka_conf_t *conf;

	snprintf(client_id, sizeof(client_id), "client.id=%s", c->name);
	options[n++] = client_id;
	for (size_t i = 0; i < ndefaults; i++)
		layers[nlayers++] = &defaults[i];
	layers[nlayers++] = &user;
	for (size_t i = 0; i < nforced; i++)
		layers[nlayers++] = &forced[i];
	for (size_t l = 0; l < nlayers; l++)
		for (size_t i = 0; i < layers[l]->n; i++) {
			if (n >= SV_KAFKA_MAX_LAYERED) {
				snprintf(err, errlen, "more than %d Kafka options", SV_KAFKA_MAX_LAYERED);
				return NULL;
			}
			options[n++] = layers[l]->v[i];
		}
	conf = sv_kafka_conf_new(c->brokers, options, n, err, errlen);
	if (conf)
		rd_kafka_conf_set_error_cb(conf, on_error);
	return conf;
}

rd_kafka_t *sv_kafka_consumer_new(const sv_kafka_client *c, const char *group, const char *topic,
				  const char *const *defaults, size_t ndefaults, const char *const *forced,
				  size_t nforced, const sv_kafka_rebalance *rebalance, char *err, size_t errlen)
{
	/* fetch.wait.max.ms: the embedded broker (librdkafka's mock cluster) answers an empty fetch
	 * only after the full wait, even when a message arrives meanwhile, so the default 500 ms would
	 * be added to every message. A real broker answers as soon as data arrives; there a low value
	 * only costs idle fetch requests (raise it with a Kafka option where that matters). */
	static const char *const common_defaults[] = {"auto.offset.reset=earliest", "fetch.wait.max.ms=10"};
	char group_opt[300];
	/* An offset is stored only once the message's effect is durable (DESIGN.md §1, invariant 3). */
	const char *common_forced[] = {group_opt, "enable.auto.offset.store=false"};
	const option_list d[] = {{common_defaults, 2}, {defaults, ndefaults}};
	const option_list f[] = {{common_forced, 2}, {forced, nforced}};
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t rc;

	snprintf(group_opt, sizeof(group_opt), "group.id=%s", group);
	conf = conf_new(c, d, 2, f, 2, err, errlen);
	if (!conf)
		return NULL;
	rd_kafka_conf_set_opaque(conf, (void *)rebalance);
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen);
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
	rc = rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rc) {
		snprintf(err, errlen, "cannot subscribe to %s: %s", topic, rd_kafka_err2str(rc));
		rd_kafka_destroy(rk);
		return NULL;
	}
	return rk;
}

rd_kafka_t *sv_kafka_producer_new(const sv_kafka_client *c, const char *const *defaults, size_t ndefaults, char *err,
				  size_t errlen)
{
	/* A delivery that cannot happen fails within message.timeout.ms, so the caller can retry. */
	static const char *const common_defaults[] = {"enable.idempotence=true", "message.timeout.ms=30000"};
	const option_list d[] = {{common_defaults, 2}, {defaults, ndefaults}};
	rd_kafka_conf_t *conf = conf_new(c, d, 2, NULL, 0, err, errlen);
	rd_kafka_t *rk;

	if (!conf)
		return NULL;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, (void *)c->keyring); /* what produce() signs with */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
	if (!rk)
		rd_kafka_conf_destroy(conf);
	return rk;
}

size_t sv_delivery_wait(rd_kafka_t *producer, sv_delivery *d, size_t n, const volatile int *purge_when)
{
	double stop_seen = 0;
	int purged = 0;
	size_t delivered = 0;

	for (size_t i = 0; i < n;) {
		if (__atomic_load_n(&d[i].done, __ATOMIC_ACQUIRE)) {
			i++;
			continue;
		}
		sv_producer_poll(producer, 50, &d[i].done);
		if (purge_when && *purge_when && !purged) {
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

/* The signature of a labelled record, or the dead letter's headers; NULL for neither (librdkafka
 * owns them once queued). */
static rd_kafka_headers_t *record_headers(const sv_keyring *ring, const sv_record *rec, size_t original_len)
{
	rd_kafka_headers_t *h;

	if (rec->label)
		return sv_kafka_mac_headers(ring, rec->label, rec->value, rec->len);
	if (!rec->error)
		return NULL;
	h = rd_kafka_headers_new(3);
	rd_kafka_header_add(h, SV_DEAD_LETTER_HEADER_ERROR, -1, rec->error, -1);
	rd_kafka_header_add(h, SV_DEAD_LETTER_HEADER_SOURCE, -1, rec->source ? rec->source : "", -1);
	if (original_len > rec->len) {
		char size[24];

		snprintf(size, sizeof(size), "%zu", original_len);
		rd_kafka_header_add(h, SV_DEAD_LETTER_HEADER_TRUNCATED, -1, size, -1);
	}
	return h;
}

/* sv_produce, for a record that may be the cut-down copy of an original_len-byte message. */
static rd_kafka_resp_err_t produce(rd_kafka_t *producer, const sv_record *rec, size_t original_len,
				   sv_delivery *delivery)
{
	const sv_keyring *ring = rd_kafka_opaque(producer);
	rd_kafka_resp_err_t err;

	if (rec->label && !ring) {
		sv_log(SV_LOG_ERR, "a %s message to %s cannot be signed: this producer has no keyring", rec->label,
		       rec->topic);
		return RD_KAFKA_RESP_ERR__INVALID_ARG;
	}
	for (;;) {
		rd_kafka_headers_t *headers = record_headers(ring, rec, original_len);

		if (headers)
			err = rd_kafka_producev(
			    producer, RD_KAFKA_V_TOPIC(rec->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			    RD_KAFKA_V_KEY((void *)rec->key, rec->key_len),
			    RD_KAFKA_V_VALUE((void *)rec->value, rec->len), RD_KAFKA_V_OPAQUE(delivery),
			    RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
		else
			err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(rec->topic),
						RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
						RD_KAFKA_V_KEY((void *)rec->key, rec->key_len),
						RD_KAFKA_V_VALUE((void *)rec->value, rec->len),
						RD_KAFKA_V_OPAQUE(delivery), RD_KAFKA_V_END);
		if (err && headers)
			rd_kafka_headers_destroy(headers); /* not queued, so still ours */
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		sv_producer_poll(producer, 50, NULL);
	}
	if (err)
		sv_log(SV_LOG_ERR, "producing %zu bytes to %s: %s", rec->len, rec->topic, rd_kafka_err2str(err));
	return err;
}

rd_kafka_resp_err_t sv_produce(rd_kafka_t *producer, const sv_record *rec, sv_delivery *delivery)
{
	return produce(producer, rec, 0, delivery);
}

int sv_kafka_error_is_permanent(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__INVALID_ARG ||
	       err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR_INVALID_RECORD;
}

static int produce_delivered(rd_kafka_t *producer, const sv_record *rec, size_t original_len,
			     const volatile int *cancel, int purge, rd_kafka_resp_err_t *why)
{
	unsigned attempt = 0;

	for (;;) {
		sv_delivery d = {0, RD_KAFKA_RESP_ERR_NO_ERROR};
		rd_kafka_resp_err_t err = produce(producer, rec, original_len, &d);

		if (!err) {
			/* The report always comes (message.timeout.ms bounds it), and d lives on this stack. */
			sv_delivery_wait(producer, &d, 1, purge ? cancel : NULL);
			err = d.err;
			if (!err)
				return SV_DELIVERED;
			sv_log(SV_LOG_WARNING, "delivery to %s failed: %s", rec->topic, rd_kafka_err2str(err));
		}
		if (sv_kafka_error_is_permanent(err)) {
			sv_log(SV_LOG_ERR, "giving up on a message of %zu bytes to %s: %s", rec->len, rec->topic,
			       rd_kafka_err2str(err));
			if (why)
				*why = err;
			return SV_UNDELIVERABLE;
		}
		if ((cancel && *cancel) || sv_sleep_ms(sv_backoff_delay_ms(200, 5000, attempt++), cancel) < 0)
			return SV_CANCELLED;
	}
}

int sv_produce_delivered(rd_kafka_t *producer, const sv_record *rec, const volatile int *cancel, int purge,
			 rd_kafka_resp_err_t *why)
{
	return produce_delivered(producer, rec, 0, cancel, purge, why);
}

void sv_kafka_describe(const rd_kafka_message_t *rkm, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s[%d]@%lld", rd_kafka_topic_name(rkm->rkt), (int)rkm->partition,
		 (long long)rkm->offset);
}

size_t sv_dead_letter_room(size_t max_message_bytes, size_t key_len, size_t headers_len)
{
	size_t fixed = key_len + headers_len + SV_DEAD_LETTER_OVERHEAD;

	return max_message_bytes > fixed ? max_message_bytes - fixed : 0;
}

/* The producer's message.max.bytes: librdkafka refuses a larger record before it leaves. */
static size_t max_message_bytes(rd_kafka_t *producer)
{
	char value[32];
	size_t size = sizeof(value);

	if (rd_kafka_conf_get(rd_kafka_conf(producer), "message.max.bytes", value, &size) != RD_KAFKA_CONF_OK)
		return 1000000; /* librdkafka's default */
	return (size_t)strtoull(value, NULL, 10);
}

int sv_dead_letter(rd_kafka_t *producer, const char *topic, const rd_kafka_message_t *rkm, const char *reason,
		   const volatile int *cancel, int purge)
{
	char source[300];
	sv_record rec;
	rd_kafka_resp_err_t why = RD_KAFKA_RESP_ERR_NO_ERROR;
	size_t room;
	int rc;

	sv_kafka_describe(rkm, source, sizeof(source));
	rec.topic = topic;
	rec.key = rkm->key;
	rec.key_len = rkm->key_len;
	rec.value = rkm->payload ? rkm->payload : "";
	rec.len = rkm->len;
	rec.error = reason;
	rec.source = source;
	rec.label = NULL; /* a dead letter is not signed: no service consumes it */
	rc = produce_delivered(producer, &rec, 0, cancel, purge, &why);
	if (rc != SV_UNDELIVERABLE || why != RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
		return rc;
	/* The reason headers can make the copy of a message that just fitted too large, and a dead
	 * letter that waits for room would hold up its whole partition: keep what fits of the payload,
	 * then only the reference (the source header), each with the original size in a header. */
	room = sv_dead_letter_room(max_message_bytes(producer), rec.key_len,
				   strlen(reason) + strlen(source) + sizeof(SV_DEAD_LETTER_HEADER_ERROR) +
				       sizeof(SV_DEAD_LETTER_HEADER_SOURCE) + sizeof(SV_DEAD_LETTER_HEADER_TRUNCATED));
	if (room > 0 && room < rkm->len) {
		sv_log(SV_LOG_WARNING, "%s: dead letter cut from %zu to %zu bytes", source, rkm->len, room);
		rec.len = room;
		rc = produce_delivered(producer, &rec, rkm->len, cancel, purge, &why);
		if (rc != SV_UNDELIVERABLE || why != RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
			return rc;
	}
	sv_log(SV_LOG_WARNING, "%s: dead letter reduced to a reference to the %zu-byte original", source, rkm->len);
	rec.len = 0;
	rec.value = "";
	return produce_delivered(producer, &rec, rkm->len, cancel, purge, NULL);
}

rd_kafka_resp_err_t sv_kafka_store_offset(rd_kafka_t *consumer, const char *topic, int32_t partition, int64_t next,
					  int commit)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t err;

	rd_kafka_topic_partition_list_add(list, topic, partition)->offset = next;
	err = rd_kafka_offsets_store(consumer, list);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		err = list->elems[0].err;
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR && commit)
		rd_kafka_commit(consumer, list, 1); /* at once, so a crash redelivers as little as possible */
	rd_kafka_topic_partition_list_destroy(list);
	return err;
}
