#include "solveit_kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"
#include "http_log.h"

#include "solveit_config.h"
#include "solveit_metrics.h"
#include "solveit_db.h"
#include "sv_contract.h"
#include "sv_kafka.h"
#include "sv_kafka_mac.h"

APLOG_USE_MODULE(solveit);

/* Flush bound at child exit: the parent SIGKILLs a child after about 9 s (mpm_unix.c), and a
 * dead broker must not hold the child; what is not delivered stays unsent for the sweeper. */
#define FLUSH_MS 2000
#define POLL_MS  100

/* One produced message. The delivery report and a waiting request each hold a reference. */
typedef struct {
	apr_int64_t submission_id;
	int state; /* 0 pending, 1 delivered, -1 failed */
	int refs;
} delivery;

static struct {
	rd_kafka_t *rk;
	const char *topic;
	const char *runs_topic;
	const sv_keyring *keyring; /* SolveitKeyFile: signs every message (sv_kafka_mac.h) */
	server_rec *s;
	apr_pool_t *thread_pool;
	apr_thread_t *thread;        /* serves delivery reports */
	apr_thread_t *record_thread; /* writes kafka_sent_at */
	apr_thread_mutex_t *mutex;
	apr_thread_cond_t *cond;
	apr_thread_cond_t *record_wake; /* under mutex: the stop, for the kafka_sent_at thread */
	volatile apr_uint32_t stop;
	int destroyed;
	/* Submissions confirmed by the broker whose kafka_sent_at is not yet written. */
	apr_int64_t *sent;
	int nsent, capsent;
	unsigned long failures;
} kafka;

static void release(delivery *d)
{
	if (--d->refs == 0)
		free(d);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	delivery *d = m->_private;

	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		sv_metrics_kafka_delivery_failed();
	/* A sample run's message (solveit_kafka_send_run): nobody waits, nothing to record. */
	if (!d) {
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
			ap_log_error(APLOG_MARK, APLOG_WARNING, 0, kafka.s,
				     "solveit: a sample run's message was not delivered to Kafka (%s)",
				     rd_kafka_err2str(m->err));
		return;
	}
	apr_thread_mutex_lock(kafka.mutex);
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		d->state = 1;
		if (kafka.nsent == kafka.capsent) {
			int cap = kafka.capsent ? 2 * kafka.capsent : 64;
			apr_int64_t *grown = realloc(kafka.sent, (size_t)cap * sizeof(apr_int64_t));

			if (grown) {
				kafka.sent = grown;
				kafka.capsent = cap;
			}
		}
		/* Out of memory only loses the timestamp: the sweeper re-sends, consumers are idempotent. */
		if (kafka.nsent < kafka.capsent)
			kafka.sent[kafka.nsent++] = d->submission_id;
	} else {
		d->state = -1;
		/* Log the first failure and then every hundredth, not a line per message of an outage. */
		if (kafka.failures++ % 100 == 0)
			ap_log_error(APLOG_MARK, APLOG_WARNING, 0, kafka.s,
				     "solveit: submission %" APR_INT64_T_FMT
				     " not delivered to Kafka (%s); it stays unsent (%lu failures)",
				     d->submission_id, rd_kafka_err2str(m->err), kafka.failures);
	}
	apr_thread_cond_broadcast(kafka.cond);
	release(d);
	apr_thread_mutex_unlock(kafka.mutex);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	char fatal[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		ap_log_error(APLOG_MARK, APLOG_CRIT, 0, kafka.s, "solveit: fatal Kafka producer error: %s", fatal);
	} else {
		ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, kafka.s, "solveit: Kafka: %s", reason);
	}
}

/* Writes kafka_sent_at for the confirmed submissions, in one statement. */
static void record_sent(apr_pool_t *pool)
{
	apr_int64_t *ids;
	int n;
	sv_db db;
	char *list, *p;

	apr_thread_mutex_lock(kafka.mutex);
	ids = kafka.sent;
	n = kafka.nsent;
	kafka.sent = NULL;
	kafka.nsent = kafka.capsent = 0;
	apr_thread_mutex_unlock(kafka.mutex);
	if (n == 0) {
		free(ids);
		return;
	}
	p = list = apr_palloc(pool, (apr_size_t)n * 21 + 1);
	for (int i = 0; i < n; i++)
		p += sprintf(p, i ? ",%" APR_INT64_T_FMT : "%" APR_INT64_T_FMT, ids[i]);
	free(ids);
	if (sv_db_open(kafka.s, pool, &db) < 0) {
		ap_log_error(APLOG_MARK, APLOG_WARNING, 0, kafka.s,
			     "solveit: no database connection to record kafka_sent_at of %d submissions", n);
		return;
	}
	sv_db_query(&db, SV_SQL_SUBMISSIONS_SENT, NULL, list);
	sv_db_close(&db);
}

static void *APR_THREAD_FUNC poll_thread(apr_thread_t *thread, void *data)
{
	while (!apr_atomic_read32(&kafka.stop)) {
		rd_kafka_poll(kafka.rk, POLL_MS);
		sv_metrics_kafka_queue(rd_kafka_outq_len(kafka.rk));
	}
	apr_thread_exit(thread, APR_SUCCESS);
	return NULL;
}

/* The database writes have a thread of their own: waiting for a pooled connection (mod_dbd's
 * reslist has no timeout) must never hold up the delivery reports that requests wait for. */
static void *APR_THREAD_FUNC record_thread(apr_thread_t *thread, void *data)
{
	while (!apr_atomic_read32(&kafka.stop)) {
		apr_thread_mutex_lock(kafka.mutex);
		if (!apr_atomic_read32(&kafka.stop))
			apr_thread_cond_timedwait(kafka.record_wake, kafka.mutex, apr_time_from_msec(POLL_MS));
		apr_thread_mutex_unlock(kafka.mutex);
		record_sent(kafka.thread_pool);
		apr_pool_clear(kafka.thread_pool);
	}
	apr_thread_exit(thread, APR_SUCCESS);
	return NULL;
}

/* Both threads leave at once, not at the end of their current wait of up to POLL_MS: the child's
 * exit waits for them, and a graceful restart's new generation starts at the first old child's
 * exit (mod_solveit.c). rd_kafka_yield() does not end a rd_kafka_poll() that is waiting (2.0.2);
 * yielding the main queue, which rd_kafka_poll() serves, does. */
static void stop_threads(void)
{
	rd_kafka_queue_t *main_queue;

	apr_atomic_set32(&kafka.stop, 1);
	if (kafka.rk && (main_queue = rd_kafka_queue_get_main(kafka.rk)) != NULL) {
		rd_kafka_queue_yield(main_queue);
		rd_kafka_queue_destroy(main_queue);
	}
	apr_thread_mutex_lock(kafka.mutex);
	apr_thread_cond_broadcast(kafka.record_wake);
	apr_thread_mutex_unlock(kafka.mutex);
}

void solveit_kafka_child_stop(void)
{
	apr_status_t rv;
	int left;

	if (!kafka.rk || kafka.destroyed)
		return;
	kafka.destroyed = 1;
	stop_threads();
	if (kafka.thread)
		apr_thread_join(&rv, kafka.thread);
	if (kafka.record_thread)
		apr_thread_join(&rv, kafka.record_thread);
	rd_kafka_flush(kafka.rk, FLUSH_MS);
	record_sent(kafka.thread_pool);
	left = rd_kafka_outq_len(kafka.rk);
	if (left > 0)
		ap_log_error(APLOG_MARK, APLOG_WARNING, 0, kafka.s,
			     "solveit: child exiting with %d Kafka messages undelivered after %d ms; their submissions "
			     "stay unsent",
			     left, FLUSH_MS);
	rd_kafka_destroy(kafka.rk);
	kafka.rk = NULL;
}

static apr_status_t child_cleanup(void *data)
{
	solveit_kafka_child_stop();
	return APR_SUCCESS;
}

apr_status_t solveit_kafka_child_init(apr_pool_t *pchild, server_rec *s)
{
	solveit_config *c = solveit_config_get(s);
	/* Our defaults come first so that SolveitKafkaOption can override any of them. */
	static const char *const defaults[] = {
	    "linger.ms=2",
	    "message.timeout.ms=" APR_STRINGIFY(SV_SUBMISSION_DELIVERY_TIMEOUT_MS),
	    "socket.timeout.ms=10000",
	    "queue.buffering.max.messages=100000",
	};
	apr_array_header_t *opts = apr_array_make(pchild, 8, sizeof(const char *));
	rd_kafka_conf_t *conf;
	char err[512];
	apr_status_t rv;

	memset(&kafka, 0, sizeof(kafka));
	kafka.s = s;
	kafka.topic = sv_cfg_kafka_topic(c);
	kafka.runs_topic = sv_cfg_runs_topic(c);
	kafka.keyring = sv_cfg_keyring(c);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		APR_ARRAY_PUSH(opts, const char *) = defaults[i];
	APR_ARRAY_PUSH(opts, const char *) = apr_psprintf(pchild, "client.id=mod_solveit-%ld", (long)getpid());
	if (c->kafka_options)
		apr_array_cat(opts, c->kafka_options);
	if ((rv = apr_thread_mutex_create(&kafka.mutex, APR_THREAD_MUTEX_DEFAULT, pchild)) != APR_SUCCESS ||
	    (rv = apr_thread_cond_create(&kafka.cond, pchild)) != APR_SUCCESS ||
	    (rv = apr_thread_cond_create(&kafka.record_wake, pchild)) != APR_SUCCESS ||
	    (rv = apr_pool_create(&kafka.thread_pool, pchild)) != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "solveit: cannot set up the Kafka producer");
		return rv;
	}
	conf = sv_kafka_conf_new(sv_cfg_kafka_brokers(c), (const char *const *)opts->elts, (size_t)opts->nelts, err,
				 sizeof(err));
	if (!conf) {
		ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "solveit: Kafka configuration: %s", err);
		return APR_EGENERAL;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	kafka.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!kafka.rk) {
		rd_kafka_conf_destroy(conf);
		ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "solveit: cannot create the Kafka producer: %s", err);
		return APR_EGENERAL;
	}
	/* The pre-cleanup runs before mod_dbd's connection pool (a sub-pool of pchild) is destroyed,
	 * so the last delivery reports can still be recorded. The child-cleanup slot stays empty:
	 * processes forked for CGI or piped logs must never touch librdkafka's threads. */
	apr_pool_pre_cleanup_register(pchild, NULL, child_cleanup);
	apr_pool_cleanup_register(pchild, NULL, child_cleanup, apr_pool_cleanup_null);
	rv = apr_thread_create(&kafka.thread, NULL, poll_thread, NULL, pchild);
	if (rv != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "solveit: cannot start the Kafka poll thread");
		kafka.thread = NULL;
		return rv;
	}
	rv = apr_thread_create(&kafka.record_thread, NULL, record_thread, NULL, pchild);
	if (rv != APR_SUCCESS) {
		ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "solveit: cannot start the kafka_sent_at thread");
		kafka.record_thread = NULL;
		return rv;
	}
	return APR_SUCCESS;
}

void solveit_kafka_child_stopping(void)
{
	/* Only ask the poll thread to stop: requests may still be running in a graceful stop, so
	 * the producer itself is flushed and destroyed by the pool cleanup once they are done. */
	apr_atomic_set32(&kafka.stop, 1);
}

int solveit_kafka_reachable(int timeout_ms, char *err, apr_size_t errlen)
{
	if (!kafka.rk || kafka.destroyed) {
		snprintf(err, errlen, "no producer in this child");
		return 0;
	}
	return sv_kafka_reachable(kafka.rk, timeout_ms, err, errlen);
}

/* Queues one message signed under label (the workers judge nothing unsigned). Never blocks:
 * without RD_KAFKA_MSG_F_BLOCK a full queue is an immediate error. */
static rd_kafka_resp_err_t produce_signed(const char *topic, const char *label, const char *key, const char *payload,
					  apr_size_t len, delivery *d)
{
	rd_kafka_headers_t *headers = sv_kafka_mac_headers(kafka.keyring, label, payload, len);
	rd_kafka_resp_err_t rc =
	    rd_kafka_producev(kafka.rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
			      RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			      RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);

	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR)
		rd_kafka_headers_destroy(headers); /* not queued, so still ours */
	return rc;
}

int solveit_kafka_send_submission(request_rec *r, apr_int64_t submission_id, const char *payload, apr_size_t len,
				  int wait_ms)
{
	char key[24];
	delivery *d;
	rd_kafka_resp_err_t rc;
	int result;

	if (!kafka.rk || kafka.destroyed) {
		ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
			      "solveit: no Kafka producer in this child; submission %" APR_INT64_T_FMT " stays unsent",
			      submission_id);
		return -1;
	}
	d = malloc(sizeof(*d));
	if (!d)
		return -1;
	d->submission_id = submission_id;
	d->state = 0;
	d->refs = wait_ms > 0 ? 2 : 1;
	snprintf(key, sizeof(key), "%" APR_INT64_T_FMT, submission_id);
	rc = produce_signed(kafka.topic, SV_MAC_LABEL_SUBMISSION, key, payload, len, d);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		free(d);
		ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
			      "solveit: submission %" APR_INT64_T_FMT " not queued for Kafka (%s); it stays unsent",
			      submission_id, rd_kafka_err2str(rc));
		return -1;
	}
	if (wait_ms <= 0)
		return 0;
	apr_thread_mutex_lock(kafka.mutex);
	{
		apr_time_t deadline = apr_time_now() + apr_time_from_msec(wait_ms);

		while (d->state == 0) {
			apr_time_t left = deadline - apr_time_now();

			if (left <= 0 || apr_thread_cond_timedwait(kafka.cond, kafka.mutex, left) == APR_TIMEUP)
				break;
		}
	}
	result = d->state == 1;
	release(d);
	apr_thread_mutex_unlock(kafka.mutex);
	return result;
}

int solveit_kafka_send_run(request_rec *r, apr_int64_t run_id, const char *payload, apr_size_t len)
{
	char key[24];
	rd_kafka_resp_err_t rc;

	if (!kafka.rk || kafka.destroyed)
		return -1;
	snprintf(key, sizeof(key), "%" APR_INT64_T_FMT, run_id);
	rc = produce_signed(kafka.runs_topic, SV_MAC_LABEL_RUN, key, payload, len, NULL);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
			      "solveit: sample run %" APR_INT64_T_FMT " not queued (%s)", run_id, rd_kafka_err2str(rc));
		return -1;
	}
	return 0;
}
