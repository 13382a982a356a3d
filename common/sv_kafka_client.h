#ifndef SV_KAFKA_CLIENT_H
#define SV_KAFKA_CLIENT_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "sv_contract.h"
#include "sv_mac.h"

/* The Kafka side of both daemons: consumer and producer set-up, the rebalance callback, producing
 * with a wait for the broker's confirmation, dead letters and offset storing. Fatal librdkafka
 * errors stop the daemon (sv_daemon_request_stop) and set sv_kafka_fatal. */

extern volatile int sv_kafka_fatal;

/* Our defaults, the administrator's options and the forced ones together, at most. */
#define SV_KAFKA_MAX_LAYERED 96

/* Called from the rebalance callback before partitions are taken away (revoked, or lost after an
 * error), with just those partitions under the cooperative assignor and all of them under an eager
 * one; the daemon finishes or gives back its work there and stores its offsets. The callback then
 * commits the stored offsets synchronously (unless the partitions were lost), under both assignors. */
typedef void sv_kafka_revoke_fn(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts, void *baton);

/* What the rebalance callback calls; must outlive the consumer. */
typedef struct {
	sv_kafka_revoke_fn *on_revoke; /* NULL: nothing to finish */
	void *baton;
} sv_kafka_rebalance;

typedef struct {
	const char *name;    /* client.id and the log's name for it */
	const char *brokers; /* bootstrap.servers */
	const char *const *options;
	size_t option_count; /* the administrator's "key=value" options: they override our defaults */
	/* A producer's keyring: records with a label are signed with it (sv_kafka_mac.h). Must
	 * outlive the producer. */
	const sv_keyring *keyring;
} sv_kafka_client;

/* A consumer of topic in group: stored offsets only (enable.auto.offset.store=false), earliest
 * offset for a new group, and the extra "key=value" defaults given (overridable) and forced (not
 * overridable). Subscribed; its events are served by rd_kafka_consumer_poll. */
rd_kafka_t *sv_kafka_consumer_new(const sv_kafka_client *c, const char *group, const char *topic,
				  const char *const *defaults, size_t ndefaults, const char *const *forced,
				  size_t nforced, const sv_kafka_rebalance *rebalance, char *err, size_t errlen);

/* An idempotent producer whose delivery reports fill the sv_delivery passed as the message opaque.
 * Someone must poll it (sv_delivery_wait does, and may run in several threads; sv_producer_poll). */
rd_kafka_t *sv_kafka_producer_new(const sv_kafka_client *c, const char *const *defaults, size_t ndefaults, char *err,
				  size_t errlen);

/* The outcome of one produced message, set by the delivery report callback in whichever thread
 * polls the producer. */
typedef struct {
	int done;
	rd_kafka_resp_err_t err;
} sv_delivery;

/* Serves the producer's events for up to timeout_ms, or sleeps that long while another thread does (so a
 * report is served at once, whoever waits for it), returning early once *done (may be NULL) is set. Every
 * thread that polls a producer whose reports someone waits for must poll it through this. */
void sv_producer_poll(rd_kafka_t *producer, int timeout_ms, const int *done);

/* Waits until every delivery in d[0..n) is reported; librdkafka bounds that by message.timeout.ms.
 * Once *purge_when (may be NULL) is set, the outstanding ones get two more seconds and are then
 * purged from the producer (reported as failed, so nothing counts as sent that was not): only for
 * a producer whose every waiter stops then, such as at shutdown. Returns how many were delivered. */
size_t sv_delivery_wait(rd_kafka_t *producer, sv_delivery *d, size_t n, const volatile int *purge_when);

typedef struct {
	const char *topic;
	const void *key;
	size_t key_len;
	const void *value;
	size_t len;
	const char *error;  /* a dead letter's reason (SV_DEAD_LETTER_HEADER_ERROR); NULL: none */
	const char *source; /* a dead letter's origin (SV_DEAD_LETTER_HEADER_SOURCE) */
	/* What the record carries (SV_MAC_LABEL_*): signed with the producer's keyring under it.
	 * NULL: not signed (dead letters, which no service consumes). */
	const char *label;
} sv_record;

/* Queues one record (waiting while the queue is full); delivery (may be NULL) gets its report.
 * Returns librdkafka's refusal, or 0; RD_KAFKA_RESP_ERR__INVALID_ARG for a record with a label
 * from a producer without a keyring. */
rd_kafka_resp_err_t sv_produce(rd_kafka_t *producer, const sv_record *rec, sv_delivery *delivery);

enum { SV_DELIVERED = 0, SV_UNDELIVERABLE = 1, SV_CANCELLED = -1 };

/* Errors no retry can fix: the record is refused as it is (too large, not allowed, invalid). */
int sv_kafka_error_is_permanent(rd_kafka_resp_err_t err);

/* Produces and waits for the confirmation, retrying with back-off while Kafka is away. Returns
 * SV_DELIVERED; SV_UNDELIVERABLE when the record can never be delivered as it is (the error is in
 * *why when not NULL); SV_CANCELLED once *cancel (may be NULL) is set. With purge, a wait for the
 * broker is cut short as sv_delivery_wait does once *cancel is set. */
int sv_produce_delivered(rd_kafka_t *producer, const sv_record *rec, const volatile int *cancel, int purge,
			 rd_kafka_resp_err_t *why);

/* "topic[partition]@offset", for log lines and the dead letter's source header. */
void sv_kafka_describe(const rd_kafka_message_t *rkm, char *out, size_t outlen);

/* What a record costs on top of its key, value and header bytes, with room to spare (librdkafka's
 * message set and header framing). */
#define SV_DEAD_LETTER_OVERHEAD 512

/* How many payload bytes a dead letter may keep under a max_message_bytes limit, given its key and
 * header bytes; 0 when not even the framing fits. */
size_t sv_dead_letter_room(size_t max_message_bytes, size_t key_len, size_t headers_len);

/* Sends rkm (key and value) to topic with the reason and its source in the headers, and waits for
 * it as sv_produce_delivered does. A copy too large for Kafka is sent again with only the first
 * bytes that fit, then with no payload at all (the source header is the reference to the
 * original), both with SV_DEAD_LETTER_HEADER_TRUNCATED: a dead letter never waits for room.
 * SV_UNDELIVERABLE only when even that is refused for good. */
int sv_dead_letter(rd_kafka_t *producer, const char *topic, const rd_kafka_message_t *rkm, const char *reason,
		   const volatile int *cancel, int purge);

/* Stores next as the offset to commit for topic[partition]; with commit, commits it at once
 * (synchronously). Returns 0 or the error. */
rd_kafka_resp_err_t sv_kafka_store_offset(rd_kafka_t *consumer, const char *topic, int32_t partition, int64_t next,
					  int commit);

#endif
