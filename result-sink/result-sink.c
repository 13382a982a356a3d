/* result-sink: applies the code-results events to PostgreSQL, dead-letters the malformed ones and
 * runs the sweeper (DESIGN.md §1). See result-sink(8). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <librdkafka/rdkafka.h>

#include "sink_apply.h"
#include "sink_config.h"
#include "sink_db.h"
#include "sink_kafka.h"
#include "sink_metrics.h"
#include "sink_runs.h"
#include "sink_sweeper.h"
#include "sv_daemon.h"
#include "sv_kafka_mac.h"
#include "sv_log.h"
#include "sv_metrics.h"
#include "sv_result.h"
#include "sv_time.h"
#include "sv_version.h"

enum { EXIT_CONFIG = 1, EXIT_FATAL = 2 };

typedef struct {
	const sink_config *config;
	rd_kafka_t *consumer;
	rd_kafka_t *producer;
	sink_db *db;
} sink;

/* Dead letters Kafka refused for good (see dead_letter), for the log. */
static unsigned long dead_letters_lost;
/* Events refused because their MAC did not verify (sv_kafka_mac.h), for the log. */
static unsigned long unauthenticated;

/* Sends the message to the dead-letter topic, the reason in a header, and waits for the broker to
 * confirm it (cut down to what fits when it is too large, see sv_dead_letter). kind, a word, labels
 * the refusal in the metrics. Returns 0 once it is dealt with, -1 when shutting down first. */
static int dead_letter(sink *s, const rd_kafka_message_t *rkm, long long submission_id, const char *kind,
		       const char *reason)
{
	char source[300];

	sink_metrics_refused(kind);
	sv_kafka_describe(rkm, source, sizeof(source));
	if (submission_id > 0)
		sv_log(SV_LOG_WARNING, "%s: rejected event for submission %lld: %s; sent to %s", source, submission_id,
		       reason, s->config->dead_letter_topic);
	else
		sv_log(SV_LOG_WARNING, "%s: rejected event: %s; sent to %s", source, reason,
		       s->config->dead_letter_topic);
	switch (sv_dead_letter(s->producer, s->config->dead_letter_topic, rkm, reason, &sv_daemon_stop, 1)) {
	case SV_DELIVERED:
		sink_metrics_dead_letter();
		return 0;
	case SV_CANCELLED:
		return -1;
	default:
		/* Refused for good even as a bare reference (not allowed, say): waiting cannot fix it, and
		 * holding the offset would stop every event behind it on this partition. */
		dead_letters_lost++;
		sv_log(SV_LOG_ERR,
		       "%s: the dead letter cannot be delivered to %s; event skipped (%lu dead letter(s) lost)", source,
		       s->config->dead_letter_topic, dead_letters_lost);
		return 0;
	}
}

/* Applies one event, waiting out database outages. Returns 1 when the message is dealt with (its
 * offset may be stored), 0 when interrupted by shutdown. */
/* An array field of the event as JSON text, "[]" when absent; NULL when out of memory. */
static char *array_text(const cJSON *tree, const char *name)
{
	const cJSON *array = cJSON_GetObjectItemCaseSensitive(tree, name);

	return cJSON_IsArray(array) ? cJSON_PrintUnformatted(array) : strdup("[]");
}

/* A run result (sink_runs.h): 1 dealt with, 0 interrupted by shutdown, -1 not a run result
 * after all (the caller handles it as a submission's). */
static int handle_run(sink *s, const rd_kafka_message_t *rkm)
{
	char source[300], err[1024], *tests = NULL;
	sv_run_report res;
	cJSON *tree = NULL;
	unsigned retries = 0;
	int done = 0, applied;

	if (sv_run_report_parse(rkm->payload, rkm->len, &res, &tests, &tree, err, sizeof(err)) != SV_MSG_OK) {
		cJSON *root = cJSON_ParseWithLength(rkm->payload, rkm->len);
		int is_run = root && sv_run_is(root);

		cJSON_Delete(root);
		if (!is_run)
			return -1;
		return dead_letter(s, rkm, 0, "malformed", err) == 0;
	}
	sv_kafka_describe(rkm, source, sizeof(source));
	while (!sv_daemon_stop) {
		sink_db_rc rc;

		if (sink_db_ensure(s->db) < 0) {
			sv_sleep_ms(sv_backoff_delay_ms(100, 2000, retries++), &sv_daemon_stop);
			continue;
		}
		rc = sink_run_apply(s->db, &res, tests, &applied, err, sizeof(err));
		if (rc == SINK_DB_OK) {
			sv_log(applied ? SV_LOG_DEBUG : SV_LOG_NOTICE, "%s: sample run %lld %s: %s", source, res.run_id,
			       sv_status_name(res.status),
			       applied ? "applied" : "ignored (no such run waiting for this result)");
			done = 1;
			break;
		}
		if (rc == SINK_DB_REJECT) {
			done = dead_letter(s, rkm, 0, "mismatch", err) == 0;
			break;
		}
		sv_sleep_ms(sv_backoff_delay_ms(100, 2000, retries++), &sv_daemon_stop);
	}
	free(tests);
	cJSON_Delete(tree);
	return done;
}

/* Which kind of result rkm is by its signature: 1 a run result, 0 a submission's result; -1 when
 * it verifies as neither (dead-lettered with the reason, and counted, in *done). Only a worker
 * holding the keyring decides a verdict: a forged or altered event changes nothing. */
static int authenticated_kind(sink *s, const rd_kafka_message_t *rkm, int *done)
{
	int run = sink_run_candidate(rkm->payload, rkm->len);
	enum sv_mac_status st = sv_kafka_mac_check(s->config->keyring, rkm, SV_MAC_LABEL_RESULT);
	char reason[128];

	if (st == SV_MAC_OK)
		return 0;
	if (run) {
		st = sv_kafka_mac_check(s->config->keyring, rkm, SV_MAC_LABEL_RUN_RESULT);
		if (st == SV_MAC_OK)
			return 1;
	}
	unauthenticated++;
	*done = dead_letter(s, rkm, 0, sv_metrics_mac_reason(st),
			    sv_kafka_mac_reason(st, "result", reason, sizeof(reason))) == 0;
	return -1;
}

static int handle(sink *s, const rd_kafka_message_t *rkm)
{
	char source[300], err[1024];
	sv_result_msg msg;
	cJSON *tree = NULL;
	char *test_results = NULL, *group_results = NULL;
	double last_logged = 0;
	unsigned retries = 0;
	int done = 0, kind;

	sv_kafka_describe(rkm, source, sizeof(source));
	if (!rkm->payload || rkm->len == 0)
		return dead_letter(s, rkm, 0, "empty", "empty message") == 0;
	if ((kind = authenticated_kind(s, rkm, &done)) < 0)
		return done;
	if (kind == 1) {
		done = handle_run(s, rkm);
		return done >= 0 ? done
				 : dead_letter(s, rkm, 0, "not_a_run", "a run result that is not a run result") == 0;
	}
	done = 0;
	if (sv_result_msg_parse(rkm->payload, rkm->len, &msg, &tree, err, sizeof(err)) < 0)
		return dead_letter(s, rkm, msg.submission_id, "malformed", err) == 0;
	while (!sv_daemon_stop) {
		sink_decision decision;
		sink_arrays arrays;
		sink_db_rc rc;

		if (!test_results)
			test_results = array_text(tree, "test_results");
		if (!group_results)
			group_results = array_text(tree, "groups");
		if (!test_results || !group_results) {
			/* Out of memory: wait and try again; skipping the event is never an option. */
			sv_log(SV_LOG_ERR, "%s: out of memory; retrying", source);
			sv_sleep_ms(1000, &sv_daemon_stop);
			continue;
		}
		arrays.test_results = test_results;
		arrays.group_results = group_results;
		if (sink_db_ensure(s->db) < 0) {
			sv_sleep_ms(sv_backoff_delay_ms(100, 2000, retries++), &sv_daemon_stop);
			continue;
		}
		rc = sink_apply_event(s->db, &msg, &arrays, &decision, err, sizeof(err));
		if (rc == SINK_DB_OK) {
			sv_log(SV_LOG_DEBUG, "%s: submission %lld attempt %d %s (%s): %s", source, msg.submission_id,
			       msg.attempt, sv_status_name(msg.status),
			       msg.status == SV_STATUS_PROCESSING ? "progress" : "final", sink_decision_name(decision));
			if (decision == SINK_APPLY)
				sink_metrics_applied(&msg);
			done = 1;
			break;
		}
		if (rc == SINK_DB_REJECT) {
			done = dead_letter(s, rkm, msg.submission_id, "mismatch", err) == 0;
			break;
		}
		/* Said once, then every 30 s: the outage itself is logged by sink_db. */
		if (last_logged == 0 || sv_time_mono_ms() - last_logged > 30000) {
			sv_log(SV_LOG_ERR, "%s: cannot apply the event for submission %lld yet: %s; retrying", source,
			       msg.submission_id, err);
			last_logged = sv_time_mono_ms();
		}
		sv_sleep_ms(sv_backoff_delay_ms(100, 2000, retries++), &sv_daemon_stop);
	}
	free(test_results);
	free(group_results);
	sv_result_msg_clear(&msg);
	cJSON_Delete(tree);
	return done;
}

/* The effect is durable: let the offset be committed (DESIGN.md §1, invariant 3). */
static void store_offset(sink *s, const rd_kafka_message_t *rkm)
{
	rd_kafka_resp_err_t err =
	    sv_kafka_store_offset(s->consumer, rd_kafka_topic_name(rkm->rkt), rkm->partition, rkm->offset + 1, 0);

	if (err) {
		char source[300];

		/* Typically the partition moved to another sink while we waited for PostgreSQL: that
		 * sink gets the event again and applying it twice is harmless. */
		sv_kafka_describe(rkm, source, sizeof(source));
		sv_log(SV_LOG_NOTICE, "%s: offset not stored (%s); the event will be delivered again", source,
		       rd_kafka_err2str(err));
	}
}

static void consume(sink *s)
{
	double next_lag = 0;

	while (!sv_daemon_stop) {
		rd_kafka_message_t *rkm = rd_kafka_consumer_poll(s->consumer, 200);

		if (sv_time_mono_ms() >= next_lag) {
			sink_metrics_lag(s->consumer);
			next_lag = sv_time_mono_ms() + 5000;
		}
		if (!rkm)
			continue;
		if (rkm->err) {
			if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				sv_log(SV_LOG_WARNING, "kafka consumer: %s", rd_kafka_message_errstr(rkm));
		} else if (handle(s, rkm)) {
			store_offset(s, rkm);
		}
		rd_kafka_message_destroy(rkm);
	}
}

int main(int argc, char **argv)
{
	sink_config config;
	sink s = {&config, NULL, NULL, NULL};
	sink_sweeper *sweeper = NULL;
	char err[1024];
	sigset_t previous;
	int status = 0;

	switch (sink_config_load(&config, argc, argv, err, sizeof(err))) {
	case SINK_CONFIG_HELP:
		sink_config_usage(stdout);
		sink_config_free(&config);
		return 0;
	case SINK_CONFIG_VERSION:
		printf("result-sink %s\n", SV_VERSION);
		sink_config_free(&config);
		return 0;
	case SINK_CONFIG_ERROR:
		fprintf(stderr, "result-sink: %s\n", err);
		sink_config_free(&config);
		return EXIT_CONFIG;
	case SINK_CONFIG_RUN:
		break;
	}
	config.keyring = sv_kafka_keyring_load(config.key_file, err, sizeof(err));
	if (!config.keyring) {
		fprintf(stderr, "result-sink: %s\n", err);
		sink_config_free(&config);
		return EXIT_CONFIG;
	}
	/* A taken address is a configuration error, found before anything else starts. */
	if (sink_metrics_start(config.metrics_listen, err, sizeof(err)) < 0) {
		fprintf(stderr, "result-sink: %s\n", err);
		sink_config_free(&config);
		return EXIT_CONFIG;
	}
	sv_log_use_stderr_or_syslog("result-sink", config.foreground, config.verbose ? SV_LOG_DEBUG : SV_LOG_INFO);
	if (config.sweeper && sink_resend_after_check(&config, err, sizeof(err)) < 0)
		sv_log(SV_LOG_WARNING, "%s", err);
	sv_daemon_signals(0);

	/* librdkafka's and the sweeper's threads inherit this mask: the signals reach the main thread. */
	sv_daemon_block_signals(&previous);
	s.producer = sink_producer_new(&config, err, sizeof(err));
	if (!s.producer) {
		sv_log(SV_LOG_ERR, "kafka producer: %s", err);
		status = EXIT_CONFIG;
		goto out;
	}
	s.consumer = sink_consumer_new(&config, err, sizeof(err));
	if (!s.consumer) {
		sv_log(SV_LOG_ERR, "kafka consumer: %s", err);
		status = EXIT_CONFIG;
		goto out;
	}
	s.db = sink_db_new(config.db, "result-sink", sink_apply_statements, sink_apply_statement_count);
	if (!s.db) {
		sv_log(SV_LOG_ERR, "out of memory");
		status = EXIT_FATAL;
		goto out;
	}
	if (config.sweeper) {
		sweeper = sink_sweeper_start(&config, s.producer, err, sizeof(err));
		if (!sweeper) {
			sv_log(SV_LOG_ERR, "%s", err);
			status = EXIT_FATAL;
			goto out;
		}
	}
	pthread_sigmask(SIG_SETMASK, &previous, NULL);

	sv_log(SV_LOG_NOTICE, "result-sink %s: consuming %s as group %s from %s; sweeper %s; %zu key(s) from %s",
	       SV_VERSION, config.results_topic, config.group, config.brokers, config.sweeper ? "on" : "off",
	       sv_keyring_count(config.keyring), config.key_file);
	consume(&s);
	sv_log(SV_LOG_NOTICE, "result-sink: stopping; %lu unauthenticated event(s) refused, %lu dead letter(s) lost",
	       unauthenticated, dead_letters_lost);
	if (sv_kafka_fatal)
		status = EXIT_FATAL;

out:
	sv_daemon_request_stop();
	sink_sweeper_stop(sweeper);
	if (s.consumer) {
		/* Commits the stored offsets and leaves the group at once, so a successor need not wait
		 * for the session to time out. */
		rd_kafka_consumer_close(s.consumer);
		rd_kafka_destroy(s.consumer);
	}
	if (s.producer) {
		rd_kafka_flush(s.producer, 2000);
		rd_kafka_destroy(s.producer);
	}
	sink_db_free(s.db);
	sink_metrics_stop();
	sink_config_free(&config);
	return status;
}
