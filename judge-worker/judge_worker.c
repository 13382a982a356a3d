/* judge-worker: consumes code-submissions (group judge-workers), judges --concurrency submissions at
 * once, reports progress and final results to code-results, and stores each message's offset only
 * once its final result is delivered (DESIGN.md §1, issue 5). See doc/judge-worker.8. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "sv_daemon.h"
#include "sv_kafka_client.h"
#include "sv_kafka_mac.h"
#include "sv_log.h"
#include "sv_message.h"
#include "sv_pg.h"
#include "sv_time.h"
#include "sv_version.h"
#include "validator.h"
#include "worker.h"
#include "worker_metrics.h"
#include "worker_offsets.h"
#include "worker_stats.h"
#include "worker_trust.h"

static worker w;
static rd_kafka_t *consumer;
static rd_kafka_t *runs_consumer;        /* the sample runs (--topic-runs); NULL: none */
static rd_kafka_queue_t *consumer_queue; /* to wake the poll loop when a judgement ends */
static offset_tracker *tracker;

/* Jobs taken from Kafka and not finished, and who judges which next (fair scheduling). */
static worker_queue *queue;

static void log_stats(const char *why)
{
	char line[1024];

	stats_format(line, sizeof(line));
	sv_log(SV_LOG_INFO, "stats (%s): %s", why, line);
}

/* ---- offsets ---- */

static void store_offset(int32_t partition, int64_t next)
{
	rd_kafka_resp_err_t err = sv_kafka_store_offset(consumer, w.cfg->topic_submissions, partition, next, 1);

	if (err)
		sv_log(SV_LOG_DEBUG, "storing offset %lld of partition %d: %s", (long long)next, (int)partition,
		       rd_kafka_err2str(err));
}

/* The submission and attempt a message is about; 0 when it is not a valid submission message
 * (judging it dead-letters it, which is no final result to remember). */
static int identity(const rd_kafka_message_t *m, long long *submission_id, int *attempt)
{
	sv_submission_msg msg;
	cJSON *tree = NULL;
	char err[256];
	int ok =
	    sv_submission_msg_parse(m->payload ? m->payload : "", m->len, &msg, &tree, err, sizeof(err)) == SV_MSG_OK;

	if (ok) {
		*submission_id = msg.submission_id;
		*attempt = msg.attempt;
	}
	cJSON_Delete(tree);
	return ok;
}

/* Whether the final result of this attempt is in PostgreSQL already (result-sink applied it). The
 * worker's own memory (stats_duplicate) misses what another worker judged: a partition that moves
 * while the broker refuses commits (a rebalance in progress, an expired membership) brings its next
 * owner messages judged and delivered before, and only the database knows. */
typedef struct {
	PGconn *pg;
	double retry_ms; /* after a failed connect, not before this (monotonic) */
} duplicate_check;

static int final_stored(duplicate_check *dc, long long submission_id, int attempt)
{
	static const char query[] = "SELECT 1 FROM submissions WHERE id = $1::bigint AND attempt = $2::integer"
				    " AND status IN ('completed', 'failed')";
	char id[24], at[16];
	const char *values[2] = {id, at};
	PGresult *res;
	int stored;

	/* Judging goes on from the Redis cache while PostgreSQL is away: it must not wait for a
	 * connect timeout per submission then. */
	if (sv_time_mono_ms() < dc->retry_ms)
		return 0;
	dc->pg = sv_pg_reconnect(dc->pg, w.cfg->db, "judge-worker duplicates");
	if (PQstatus(dc->pg) != CONNECTION_OK) {
		dc->retry_ms = sv_time_mono_ms() + 10000;
		return 0; /* judged then: the sink keeps the first final result it applied */
	}
	snprintf(id, sizeof(id), "%lld", submission_id);
	snprintf(at, sizeof(at), "%d", attempt);
	res = PQexecParams(dc->pg, query, 2, NULL, values, NULL, NULL, 0);
	stored = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	return stored;
}

/* 1 when j's attempt must not be judged again: its final result is stored (counted as a duplicate). */
static int judged_before(duplicate_check *dc, const job *j)
{
	long long submission_id;
	int attempt;

	if (!identity(j->msg, &submission_id, &attempt) || !final_stored(dc, submission_id, attempt))
		return 0;
	stats_add(STAT_DUPLICATES, 1);
	sv_log(SV_LOG_NOTICE,
	       "submission %lld attempt %d at partition %d offset %lld: final result already stored; not judged again",
	       submission_id, attempt, (int)j->partition, (long long)j->offset);
	return 1;
}

/* ---- judging threads ---- */

/* Whether a thread is free with nothing waiting for it: only then is a run taken, so a run never
 * waits in the queue where a submission fetched a moment later would have to queue behind it. */
static int thread_free(void)
{
	return wq_thread_free(queue, w.cfg->concurrency);
}

static void *judge_thread(void *arg)
{
	task_conn *tc = task_conn_new(w.tasks);
	duplicate_check dc = {NULL, 0};
	wq_thread sched;
	wq_pg sched_pg;
	job *j;

	wq_pg_hooks(&sched, &sched_pg, w.cfg->db);
	while ((j = wq_take(queue, &sched)) != NULL) {
		job_result jr;
		int trusted = 0; /* signed and the stored submission's (worker_trust.h) */

		j->started_ms = sv_time_mono_ms();
		worker_metrics_in_flight(1);
		if (j->cancel || !tc)
			jr = JOB_GIVEN_BACK;
		else if (j->is_run)
			jr = worker_run(&w, tc, j);
		else if ((trusted = worker_trust_submission(&w, j, &jr)))
			jr = judged_before(&dc, j) ? JOB_DONE : worker_judge(&w, tc, j);
		if (j->is_run) {
			/* Its offset was stored when it was taken. */
			if (jr != JOB_DONE)
				sv_log(SV_LOG_NOTICE, "sample run at partition %d offset %lld not finished",
				       (int)j->partition, (long long)j->offset);
		} else if (jr == JOB_DONE) {
			int64_t next = offsets_done(tracker, j->partition, j->offset);
			long long submission_id;
			int attempt;
			long judged;
			/* Only what was judged: a refused message must not make the real one a "duplicate". */
			if (trusted && identity(j->msg, &submission_id, &attempt))
				stats_final_delivered(submission_id, attempt);
			if (next >= 0)
				store_offset(j->partition, next);
			judged = stats_get(STAT_COMPLETED) + stats_get(STAT_FAILED) + stats_get(STAT_DEAD_LETTERED);
			if (w.cfg->stats_every > 0 && judged % w.cfg->stats_every == 0)
				log_stats("periodic");
		} else {
			stats_add(STAT_GIVEN_BACK, 1);
			sv_log(SV_LOG_NOTICE, "message at partition %d offset %lld given back unfinished",
			       (int)j->partition, (long long)j->offset);
		}
		worker_metrics_in_flight(-1);
		rd_kafka_message_destroy(j->msg);
		wq_done(queue, j, &sched);
		free(j);
		rd_kafka_queue_yield(consumer_queue); /* the poll loop may resume fetching now */
	}
	task_conn_free(tc);
	PQfinish(dc.pg);
	wq_pg_close(&sched_pg);
	return NULL;
}

static int in_partitions(const job *j, void *arg)
{
	const rd_kafka_topic_partition_list_t *parts = arg;

	if (!parts)
		return 1;
	if (j->is_run)
		return 0; /* parts are the submissions consumer's */
	for (int i = 0; i < parts->cnt; i++)
		if (parts->elems[i].partition == j->partition &&
		    !strcmp(parts->elems[i].topic, w.cfg->topic_submissions))
			return 1;
	return 0;
}

/* Finish (within grace_ms) or give back every job of parts (NULL: all). Queued jobs are given back
 * at once. Returns the number still unfinished after the hard bound. */
static size_t drain_jobs(const rd_kafka_topic_partition_list_t *parts, double grace_ms)
{
	size_t left;

	wq_cancel(queue, in_partitions, (void *)parts, 0);
	left = wq_wait_gone(queue, in_partitions, (void *)parts, sv_time_mono_ms() + grace_ms);
	if (left == 0)
		return 0;
	sv_log(SV_LOG_NOTICE, "giving back %zu unfinished judgement(s)", left);
	wq_cancel(queue, in_partitions, (void *)parts, 1);
	/* A cancelled judgement stops after its current test run or request. */
	return wq_wait_gone(queue, in_partitions, (void *)parts, sv_time_mono_ms() + 60000);
}

/* ---- Kafka ---- */

/* Before partitions go to another worker: finish what is in flight there (or give it back). */
static void on_revoke(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *parts, void *baton)
{
	size_t left;

	sv_log(SV_LOG_INFO, "finishing what is in flight in %d revoked partition(s)", parts->cnt);
	left = drain_jobs(parts, sv_daemon_stop ? 0 : w.cfg->shutdown_grace * 1000.0);
	if (left)
		sv_log(SV_LOG_ERR, "%zu judgement(s) did not stop", left);
	for (int i = 0; i < parts->cnt; i++)
		offsets_forget(tracker, parts->elems[i].partition);
	/* sv_kafka_client's rebalance callback commits what was stored here, synchronously. */
}

static int make_clients(char *err, size_t errlen)
{
	static const sv_kafka_rebalance rebalance = {on_revoke, NULL};
	static const char *const consumer_forced[] = {"enable.partition.eof=false"};
	static const char *const producer_defaults[] = {"linger.ms=0"};
	sv_kafka_client k = {"judge-worker", w.cfg->brokers, (const char *const *)w.cfg->kafka_options,
			     w.cfg->kafka_option_count, w.cfg->keyring};

	w.producer = sv_kafka_producer_new(&k, producer_defaults, 1, err, errlen);
	if (!w.producer)
		return -1;
	consumer = sv_kafka_consumer_new(&k, w.cfg->group_id, w.cfg->topic_submissions, NULL, 0, consumer_forced, 1,
					 &rebalance, err, errlen);
	if (!consumer)
		return -1;
	/* The runs in a group of their own: their rebalances never touch the submissions'. */
	if (*w.cfg->topic_runs && strcmp(w.cfg->topic_runs, "none")) {
		static const sv_kafka_rebalance no_work = {NULL, NULL};
		sv_kafka_client kr = k;
		char group[300];

		kr.name = "judge-worker-runs";
		snprintf(group, sizeof(group), "%s-runs", w.cfg->group_id);
		runs_consumer = sv_kafka_consumer_new(&kr, group, w.cfg->topic_runs, NULL, 0, consumer_forced, 1,
						      &no_work, err, errlen);
		if (!runs_consumer)
			return -1;
	}
	return 0;
}

/* While as many submissions as it may hold are taken, the poll loop waits for a thread to finish
 * instead of pausing the partitions: a pause drops librdkafka's fetched messages, and fetching
 * starts again only after a back-off (about a second of idle judging threads per pause, measured
 * with bench/pipeline-bench.py). The rest waits in librdkafka's own fetch queue. Returns 1 when the
 * loop should poll: a slot is free, or FULL_POLL_MS passed, so that a worker whose threads are all
 * busy for long still polls well within max.poll.interval.ms (taking at most one more message). */
#define FULL_POLL_MS 30000
static int wait_for_room(size_t limit, double *full_since)
{
	/* Deferred jobs (their users have one in flight) leave room for other users' messages. */
	if (wq_wait_room(queue, limit, 100)) {
		*full_since = 0;
		return 1;
	}
	if (*full_since == 0)
		*full_since = sv_time_mono_ms();
	if (sv_time_mono_ms() - *full_since >= FULL_POLL_MS) {
		*full_since = 0;
		return 1;
	}
	return 0;
}

/* While consumption is held (wq_hold: a Judge0 outage) the assigned partitions are paused, so the
 * consumer goes on polling (it stays in its group within max.poll.interval.ms) but takes nothing; they
 * are resumed when the hold ends. The assignment is paused again each second while held, so that
 * partitions a rebalance assigns during the outage are paused too; a message fetched before the pause
 * is taken and waits in the held queue like the others. */
static void follow_hold(int *paused, double *next_check)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int held = wq_held();
	double now = sv_time_mono_ms();
	rd_kafka_resp_err_t e;

	if (held == *paused && (!held || now < *next_check))
		return;
	*next_check = now + 1000;
	if ((e = rd_kafka_assignment(consumer, &parts)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		sv_log(SV_LOG_WARNING, "cannot read the consumer's assignment to %s it: %s", held ? "pause" : "resume",
		       rd_kafka_err2str(e));
		return;
	}
	if (parts->cnt)
		e = held ? rd_kafka_pause_partitions(consumer, parts) : rd_kafka_resume_partitions(consumer, parts);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
		sv_log(SV_LOG_WARNING, "cannot %s %d partition(s): %s", held ? "pause" : "resume", parts->cnt,
		       rd_kafka_err2str(e));
	else if (held != *paused)
		sv_log(SV_LOG_INFO, "%s %d assigned partition(s) of %s", held ? "paused" : "resumed", parts->cnt,
		       w.cfg->topic_submissions);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
		*paused = held;
	rd_kafka_topic_partition_list_destroy(parts);
}

/* A redelivery (a rebalance before the offset was committed, or a re-send by the sweeper) of an
 * attempt whose final result this worker delivered: counted, and its offset stored without judging
 * it again, which could only give a second, perhaps different, verdict. Returns 1 when so. */
static int skip_duplicate(rd_kafka_message_t *m)
{
	long long submission_id;
	int attempt;
	int64_t next;

	if (!identity(m, &submission_id, &attempt) || !stats_duplicate(submission_id, attempt))
		return 0;
	sv_log(SV_LOG_NOTICE, "submission %lld attempt %d at partition %d offset %lld: already judged; not again",
	       submission_id, attempt, (int)m->partition, (long long)m->offset);
	offsets_begin(tracker, m->partition, m->offset);
	next = offsets_done(tracker, m->partition, m->offset);
	if (next >= 0)
		store_offset(m->partition, next);
	rd_kafka_message_destroy(m);
	return 1;
}

static void take(rd_kafka_message_t *m, int is_run)
{
	job *j;

	if (is_run) {
		/* At most once: a run lost in a crash is one its owner runs again. */
		rd_kafka_resp_err_t err =
		    sv_kafka_store_offset(runs_consumer, w.cfg->topic_runs, m->partition, m->offset + 1, 1);

		if (err)
			sv_log(SV_LOG_DEBUG, "storing run offset %lld: %s", (long long)m->offset,
			       rd_kafka_err2str(err));
	} else {
		stats_add(STAT_RECEIVED, 1);
		if (skip_duplicate(m))
			return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		/* Not stored, so it comes back after a restart; nothing better to do without memory. */
		sv_log(SV_LOG_ERR, "out of memory: dropping offset %lld for now", (long long)m->offset);
		rd_kafka_message_destroy(m);
		return;
	}
	j->msg = m;
	j->partition = m->partition;
	j->offset = m->offset;
	j->received_ms = sv_time_mono_ms();
	j->is_run = is_run;
	if (!is_run)
		offsets_begin(tracker, m->partition, m->offset);
	wq_push(queue, j);
}

static void run(void)
{
	double next_stats = 0, next_lag = 0, full_since = 0, next_hold = 0;
	int paused = 0;
	size_t limit = (size_t)w.cfg->concurrency + (size_t)w.cfg->prefetch;
	rd_kafka_resp_err_t last_err = RD_KAFKA_RESP_ERR_NO_ERROR;

	while (!sv_daemon_stop) {
		rd_kafka_message_t *m;
		double now = sv_time_mono_ms();

		if (now >= next_stats) {
			if (*w.cfg->stats_file && stats_write_file(w.cfg->stats_file) < 0)
				sv_log(SV_LOG_WARNING, "cannot write %s: %s", w.cfg->stats_file, strerror(errno));
			next_stats = now + 1000;
		}
		if (now >= next_lag) {
			worker_metrics_lag(consumer, paused);
			next_lag = now + 5000;
		}
		if (sv_daemon_usr1) {
			sv_daemon_usr1 = 0;
			log_stats("SIGUSR1");
		}
		follow_hold(&paused, &next_hold);
		if (paused) {
			m = rd_kafka_consumer_poll(consumer, 100);
			goto got;
		}
		/* Take what the threads can judge plus --prefetch waiting, so that a thread that finishes
		 * starts the next at once. */
		if (!wait_for_room(limit, &full_since))
			continue;
		/* Submissions first: a run is taken only when none is fetched and a thread is free. */
		m = rd_kafka_consumer_poll(consumer, 0);
		if (!m && runs_consumer && thread_free()) {
			if ((m = rd_kafka_consumer_poll(runs_consumer, 0)) != NULL) {
				if (m->err) {
					if (m->err != last_err)
						sv_log(SV_LOG_WARNING, "runs consumer: %s", rd_kafka_message_errstr(m));
					last_err = m->err;
					rd_kafka_message_destroy(m);
				} else {
					take(m, 1);
				}
				continue;
			}
		}
		if (!m)
			m = rd_kafka_consumer_poll(consumer, runs_consumer ? 20 : 100);
	got:
		if (!m)
			continue;
		if (m->err) {
			if (m->err != last_err)
				sv_log(SV_LOG_WARNING, "consumer: %s", rd_kafka_message_errstr(m));
			last_err = m->err;
			rd_kafka_message_destroy(m);
			continue;
		}
		last_err = RD_KAFKA_RESP_ERR_NO_ERROR;
		take(m, 0);
	}
}

int main(int argc, char **argv)
{
	static worker_config cfg;
	char err[1024];
	pthread_t *threads = NULL, producer_thread;
	int rc, exit_code = 0, started = 0;

	worker_config_init(&cfg);
	rc = worker_config_load(&cfg, argc, argv, (worker_getenv_fn *)getenv, stdout, err, sizeof(err));
	if (rc == 0 && worker_config_check(&cfg, err, sizeof(err)) < 0)
		rc = -1;
	if (rc == 0 && !(cfg.keyring = sv_kafka_keyring_load(cfg.key_file, err, sizeof(err))))
		rc = -1;
	/* A bad or taken address is a configuration error, found before anything else starts. */
	if (rc == 0 && worker_metrics_start(cfg.metrics_listen, cfg.executor, err, sizeof(err)) < 0)
		rc = -1;
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "judge-worker: %s\n", err);
		worker_config_free(&cfg);
		return rc < 0 ? 1 : 0;
	}
	sv_log_use_stderr_or_syslog("judge-worker", cfg.foreground, (sv_log_level)cfg.log_level);
	w.cfg = &cfg;
	if (*cfg.metrics_listen)
		sv_log(SV_LOG_INFO, "metrics at http://%s/metrics", cfg.metrics_listen);

	sv_daemon_signals(1);

	/* Before any thread exists. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));

	w.exec = executor_find(cfg.executor);
	if (w.exec->open(&cfg, &w.exec_state, err, sizeof(err)) < 0) {
		sv_log(SV_LOG_ERR, "executor %s: %s", cfg.executor, err);
		exit_code = 1;
		goto out_curl;
	}
	/* Without validators the worker still judges every other task. */
	if (validator_cache_open(&cfg, &w.validators, w.validator_error, sizeof(w.validator_error)) < 0) {
		w.validators = NULL;
		sv_log(SV_LOG_WARNING, "custom and interactive validators are unavailable, such tasks fail: %s",
		       w.validator_error);
	}
	if (task_store_open(&cfg, &w.tasks, err, sizeof(err)) < 0) {
		sv_log(SV_LOG_ERR, "%s", err);
		exit_code = 1;
		goto out_exec;
	}
	tracker = offsets_new();
	queue = wq_new(&(wq_config){{cfg.share_students, cfg.share_staff, cfg.share_reruns}, cfg.per_user});
	if (!queue) {
		sv_log(SV_LOG_ERR, "out of memory");
		exit_code = 1;
		goto out_kafka;
	}
	sv_log(SV_LOG_INFO,
	       "fair scheduling: %d submission(s) per user at once%s, shares students %d staff %d reruns %d",
	       cfg.per_user, cfg.per_user ? "" : " (no bound)", cfg.share_students, cfg.share_staff, cfg.share_reruns);
	if (make_clients(err, sizeof(err)) < 0) {
		sv_log(SV_LOG_ERR, "Kafka: %s", err);
		exit_code = 1;
		goto out_kafka;
	}
	pthread_create(&producer_thread, NULL, worker_producer_poll_main, &w);
	consumer_queue = rd_kafka_queue_get_consumer(consumer);

	threads = calloc((size_t)cfg.concurrency, sizeof(pthread_t));
	for (int i = 0; threads && i < cfg.concurrency; i++, started++)
		if (pthread_create(&threads[i], NULL, judge_thread, NULL) != 0)
			break;
	sv_log(SV_LOG_NOTICE, "judge-worker %s: %s executor, %d at once, group %s on %s via %s, cache %s", SV_VERSION,
	       cfg.executor, started, cfg.group_id, cfg.topic_submissions, cfg.brokers,
	       *cfg.redis && strcmp(cfg.redis, "none") ? cfg.redis : "off");

	run();

	sv_log(SV_LOG_NOTICE, "stopping: no more work taken; finishing in-flight judgements for up to %d s",
	       cfg.shutdown_grace);
	if (drain_jobs(NULL, cfg.shutdown_grace * 1000.0) > 0) {
		sv_log(SV_LOG_ERR, "judgements did not stop; exiting without a clean Kafka close");
		_exit(2);
	}
	wq_stop(queue);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	rd_kafka_queue_destroy(consumer_queue);
	consumer_queue = NULL;
	rd_kafka_consumer_close(consumer);
	rd_kafka_destroy(consumer);
	consumer = NULL;
	if (runs_consumer) {
		rd_kafka_consumer_close(runs_consumer);
		rd_kafka_destroy(runs_consumer);
		runs_consumer = NULL;
	}
	if (rd_kafka_flush(w.producer, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		sv_log(SV_LOG_WARNING, "%d message(s) not delivered at exit", rd_kafka_outq_len(w.producer));
	w.producer_stop = 1;
	pthread_join(producer_thread, NULL);
	worker_metrics_stop();
	log_stats("exit");
	if (*cfg.stats_file)
		stats_write_file(cfg.stats_file);
	if (sv_kafka_fatal)
		exit_code = 2;
out_kafka:
	if (consumer)
		rd_kafka_destroy(consumer);
	if (runs_consumer)
		rd_kafka_destroy(runs_consumer);
	if (w.producer)
		rd_kafka_destroy(w.producer);
	offsets_free(tracker);
	wq_free(queue);
	task_store_close(w.tasks);
out_exec:
	if (w.validators)
		validator_cache_close(w.validators);
	w.exec->close(w.exec_state);
out_curl:
	worker_metrics_stop();
	curl_global_cleanup();
	sv_log(SV_LOG_NOTICE, "judge-worker stopped");
	worker_config_free(&cfg);
	return exit_code;
}
