/* judge-worker: consumes code-submissions (group judge-workers), judges --concurrency submissions at
 * once, reports progress and final results to code-results, and stores each message's offset only
 * once its final result is delivered (DESIGN.md §1, issue 5). See doc/judge-worker.8. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sv_kafka.h"
#include "sv_log.h"
#include "sv_time.h"
#include "sv_version.h"
#include "worker.h"
#include "worker_offsets.h"
#include "worker_stats.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t stats_requested;
static volatile sig_atomic_t fatal_error;

static worker w;
static rd_kafka_t *consumer;
static rd_kafka_queue_t *consumer_queue; /* to wake the poll loop when a judgement ends */
static offset_tracker *tracker;

/* Jobs taken from Kafka and not finished: queued (!running) and running, in arrival order. */
static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t jobs_done = PTHREAD_COND_INITIALIZER;
static job *jobs_head, *jobs_tail;
static size_t jobs_pending;
static int threads_stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		stop_requested = 1;
}

static void on_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char why[512];
		rd_kafka_fatal_error(rk, why, sizeof(why));
		sv_log(SV_LOG_ERR, "kafka %s: fatal error: %s", rd_kafka_name(rk), why);
		fatal_error = 1;
		stop_requested = 1;
		return;
	}
	/* Broker outages are expected; librdkafka reconnects on its own. */
	sv_log(err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TRANSPORT ? SV_LOG_INFO
												 : SV_LOG_WARNING,
	       "kafka %s: %s: %s", rd_kafka_name(rk), rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static void log_stats(const char *why)
{
	char line[1024];

	stats_format(line, sizeof(line));
	sv_log(SV_LOG_INFO, "stats (%s): %s", why, line);
}

/* ---- offsets ---- */

static void store_offset(int32_t partition, int64_t next)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t err;

	rd_kafka_topic_partition_list_add(list, w.cfg->topic_submissions, partition)->offset = next;
	err = rd_kafka_offsets_store(consumer, list);
	if (err)
		sv_log(SV_LOG_DEBUG, "storing offset %lld of partition %d: %s", (long long)next, (int)partition,
		       rd_kafka_err2str(err));
	else
		rd_kafka_commit(consumer, list, 1); /* at once, so a crash redelivers as little as possible */
	rd_kafka_topic_partition_list_destroy(list);
}

/* ---- judging threads ---- */

static void job_remove(job *j)
{
	job **pp = &jobs_head, *prev = NULL;

	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = j->next;
		if (jobs_tail == j)
			jobs_tail = prev;
	}
	jobs_pending--;
}

static void *judge_thread(void *arg)
{
	task_conn *tc = task_conn_new(w.tasks);

	pthread_mutex_lock(&jobs_lock);
	for (;;) {
		job *j;
		job_result jr;

		for (j = jobs_head; j && j->running; j = j->next)
			;
		if (!j) {
			if (threads_stop)
				break;
			pthread_cond_wait(&jobs_work, &jobs_lock);
			continue;
		}
		j->running = 1;
		pthread_mutex_unlock(&jobs_lock);

		jr = j->cancel || !tc ? JOB_GIVEN_BACK : worker_judge(&w, tc, j);
		if (jr == JOB_DONE) {
			int64_t next = offsets_done(tracker, j->partition, j->offset);
			long judged;
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
		rd_kafka_message_destroy(j->msg);

		pthread_mutex_lock(&jobs_lock);
		job_remove(j);
		free(j);
		pthread_cond_broadcast(&jobs_done);
		rd_kafka_queue_yield(consumer_queue); /* the poll loop may resume fetching now */
	}
	pthread_mutex_unlock(&jobs_lock);
	task_conn_free(tc);
	return NULL;
}

static int in_partitions(const job *j, const rd_kafka_topic_partition_list_t *parts)
{
	if (!parts)
		return 1;
	for (int i = 0; i < parts->cnt; i++)
		if (parts->elems[i].partition == j->partition &&
		    !strcmp(parts->elems[i].topic, w.cfg->topic_submissions))
			return 1;
	return 0;
}

static size_t count_jobs(const rd_kafka_topic_partition_list_t *parts)
{
	size_t n = 0;

	for (job *j = jobs_head; j; j = j->next)
		n += in_partitions(j, parts);
	return n;
}

/* Finish (within grace_ms) or give back every job of parts (NULL: all). Queued jobs are given back
 * at once. Returns the number still unfinished after the hard bound. */
static size_t drain_jobs(const rd_kafka_topic_partition_list_t *parts, double grace_ms)
{
	double deadline = sv_time_mono_ms() + grace_ms;
	size_t left;

	pthread_mutex_lock(&jobs_lock);
	for (job *j = jobs_head; j; j = j->next)
		if (!j->running && in_partitions(j, parts))
			j->cancel = 1;
	pthread_cond_broadcast(&jobs_work);
	for (int phase = 0; phase < 2; phase++) {
		while ((left = count_jobs(parts)) > 0) {
			double now = sv_time_mono_ms();
			struct timespec ts;
			if (now >= deadline)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&jobs_done, &jobs_lock, &ts);
		}
		if (left == 0 || phase == 1)
			break;
		sv_log(SV_LOG_NOTICE, "giving back %zu unfinished judgement(s)", left);
		for (job *j = jobs_head; j; j = j->next)
			if (in_partitions(j, parts))
				j->cancel = 1;
		/* A cancelled judgement stops after its current test run or request. */
		deadline = sv_time_mono_ms() + 60000;
	}
	pthread_mutex_unlock(&jobs_lock);
	return left;
}

/* ---- Kafka ---- */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		sv_log(SV_LOG_INFO, "assigned %d partition(s) of %s", parts->cnt, w.cfg->topic_submissions);
		rd_kafka_assign(rk, parts);
		return;
	}
	if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		size_t left;
		sv_log(SV_LOG_INFO, "revoking %d partition(s): finishing what is in flight there", parts->cnt);
		left = drain_jobs(parts, stop_requested ? 0 : w.cfg->shutdown_grace * 1000.0);
		if (left)
			sv_log(SV_LOG_ERR, "%zu judgement(s) did not stop", left);
		for (int i = 0; i < parts->cnt; i++)
			offsets_forget(tracker, parts->elems[i].partition);
		rd_kafka_commit(rk, NULL, 0);
	}
	rd_kafka_assign(rk, NULL);
}

static int user_set(const char *key)
{
	size_t n = strlen(key);

	for (size_t i = 0; i < w.cfg->kafka_option_count; i++)
		if (!strncmp(w.cfg->kafka_options[i], key, n) && w.cfg->kafka_options[i][n] == '=')
			return 1;
	return 0;
}

static rd_kafka_t *make_client(rd_kafka_type_t type, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = sv_kafka_conf_new(w.cfg->brokers, (const char *const *)w.cfg->kafka_options,
						  w.cfg->kafka_option_count, err, errlen);
	static const char *const consumer_fixed[] = {
	    "enable.auto.offset.store=false", /* stored only after the final result is delivered */
	    "enable.partition.eof=false",
	};
	/* fetch.wait.max.ms: the embedded broker answers an empty fetch only after the full wait, even
	 * when a submission arrives meanwhile, so the default 500 ms would be added to every judgement.
	 * A real broker answers as soon as data arrives; there a low value only costs idle fetches. */
	static const char *const consumer_defaults[] = {"auto.offset.reset=earliest", "fetch.wait.max.ms=10"};
	static const char *const producer_defaults[] = {"enable.idempotence=true", "linger.ms=0",
							"message.timeout.ms=30000"};
	const char *const *defaults = type == RD_KAFKA_CONSUMER ? consumer_defaults : producer_defaults;
	size_t ndefaults = type == RD_KAFKA_CONSUMER ? 2 : 3;
	rd_kafka_t *rk;
	char reason[512], opt[300];

	if (!conf)
		return NULL;
	for (size_t i = 0; i < ndefaults; i++) {
		size_t keylen = strcspn(defaults[i], "=");
		snprintf(opt, sizeof(opt), "%.*s", (int)keylen, defaults[i]);
		if (!user_set(opt) && sv_kafka_conf_set_option(conf, defaults[i], err, errlen) < 0)
			goto fail;
	}
	if (type == RD_KAFKA_CONSUMER) {
		snprintf(opt, sizeof(opt), "group.id=%s", w.cfg->group_id);
		if (sv_kafka_conf_set_option(conf, opt, err, errlen) < 0)
			goto fail;
		for (size_t i = 0; i < 2; i++)
			if (sv_kafka_conf_set_option(conf, consumer_fixed[i], err, errlen) < 0)
				goto fail;
		rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	} else {
		worker_producer_conf(conf);
	}
	rd_kafka_conf_set_error_cb(conf, on_kafka_error);
	rk = rd_kafka_new(type, conf, reason, sizeof(reason));
	if (!rk) {
		snprintf(err, errlen, "%s", reason);
		goto fail;
	}
	return rk;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
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
	struct timespec until;
	int room;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 100 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&jobs_lock);
	while (jobs_pending > limit && !stop_requested)
		if (pthread_cond_timedwait(&jobs_done, &jobs_lock, &until) != 0)
			break;
	room = jobs_pending <= limit;
	pthread_mutex_unlock(&jobs_lock);
	if (room) {
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

static void take(rd_kafka_message_t *m)
{
	job *j = calloc(1, sizeof(*j));

	if (!j) {
		/* Not stored, so it comes back after a restart; nothing better to do without memory. */
		sv_log(SV_LOG_ERR, "out of memory: dropping offset %lld for now", (long long)m->offset);
		rd_kafka_message_destroy(m);
		return;
	}
	stats_add(STAT_RECEIVED, 1);
	j->msg = m;
	j->partition = m->partition;
	j->offset = m->offset;
	j->received_ms = sv_time_mono_ms();
	offsets_begin(tracker, m->partition, m->offset);
	pthread_mutex_lock(&jobs_lock);
	if (jobs_tail)
		jobs_tail->next = j;
	else
		jobs_head = j;
	jobs_tail = j;
	jobs_pending++;
	pthread_cond_signal(&jobs_work);
	pthread_mutex_unlock(&jobs_lock);
}

static void run(void)
{
	double next_stats = 0, full_since = 0;
	size_t limit = (size_t)w.cfg->concurrency + (size_t)w.cfg->prefetch;
	rd_kafka_resp_err_t last_err = RD_KAFKA_RESP_ERR_NO_ERROR;

	while (!stop_requested) {
		rd_kafka_message_t *m;
		double now = sv_time_mono_ms();

		if (now >= next_stats) {
			if (*w.cfg->stats_file && stats_write_file(w.cfg->stats_file) < 0)
				sv_log(SV_LOG_WARNING, "cannot write %s: %s", w.cfg->stats_file, strerror(errno));
			next_stats = now + 1000;
		}
		if (stats_requested) {
			stats_requested = 0;
			log_stats("SIGUSR1");
		}
		/* Take what the threads can judge plus --prefetch waiting, so that a thread that finishes
		 * starts the next at once. */
		if (!wait_for_room(limit, &full_since))
			continue;
		m = rd_kafka_consumer_poll(consumer, 100);
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
		take(m);
	}
}

int main(int argc, char **argv)
{
	static worker_config cfg;
	char err[1024];
	pthread_t *threads = NULL, producer_thread;
	rd_kafka_topic_partition_list_t *topics;
	struct sigaction sa;
	int rc, exit_code = 0, started = 0;

	worker_config_init(&cfg);
	rc = worker_config_load(&cfg, argc, argv, (worker_getenv_fn *)getenv, stdout, err, sizeof(err));
	if (rc == 0 && worker_config_check(&cfg, err, sizeof(err)) < 0)
		rc = -1;
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "judge-worker: %s\n", err);
		worker_config_free(&cfg);
		return rc < 0 ? 1 : 0;
	}
	sv_log_use_stderr_or_syslog("judge-worker", cfg.foreground, (sv_log_level)cfg.log_level);
	w.cfg = &cfg;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Before any thread exists. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));

	w.exec = executor_find(cfg.executor);
	if (w.exec->open(&cfg, &w.exec_state, err, sizeof(err)) < 0) {
		sv_log(SV_LOG_ERR, "executor %s: %s", cfg.executor, err);
		exit_code = 1;
		goto out_curl;
	}
	if (task_store_open(&cfg, &w.tasks, err, sizeof(err)) < 0) {
		sv_log(SV_LOG_ERR, "%s", err);
		exit_code = 1;
		goto out_exec;
	}
	tracker = offsets_new();
	if (!(w.producer = make_client(RD_KAFKA_PRODUCER, err, sizeof(err))) ||
	    !(consumer = make_client(RD_KAFKA_CONSUMER, err, sizeof(err)))) {
		sv_log(SV_LOG_ERR, "Kafka: %s", err);
		exit_code = 1;
		goto out_kafka;
	}
	pthread_create(&producer_thread, NULL, worker_producer_poll_main, &w);
	rd_kafka_poll_set_consumer(consumer);
	consumer_queue = rd_kafka_queue_get_consumer(consumer);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, cfg.topic_submissions, RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(consumer, topics) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		sv_log(SV_LOG_ERR, "cannot subscribe to %s", cfg.topic_submissions);
		exit_code = 2;
		stop_requested = 1;
	}
	rd_kafka_topic_partition_list_destroy(topics);

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
	pthread_mutex_lock(&jobs_lock);
	threads_stop = 1;
	pthread_cond_broadcast(&jobs_work);
	pthread_mutex_unlock(&jobs_lock);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	rd_kafka_queue_destroy(consumer_queue);
	consumer_queue = NULL;
	rd_kafka_consumer_close(consumer);
	rd_kafka_destroy(consumer);
	consumer = NULL;
	if (rd_kafka_flush(w.producer, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		sv_log(SV_LOG_WARNING, "%d message(s) not delivered at exit", rd_kafka_outq_len(w.producer));
	w.producer_stop = 1;
	pthread_join(producer_thread, NULL);
	log_stats("exit");
	if (*cfg.stats_file)
		stats_write_file(cfg.stats_file);
	if (fatal_error)
		exit_code = 2;
out_kafka:
	if (consumer)
		rd_kafka_destroy(consumer);
	if (w.producer)
		rd_kafka_destroy(w.producer);
	offsets_free(tracker);
	task_store_close(w.tasks);
out_exec:
	w.exec->close(w.exec_state);
out_curl:
	curl_global_cleanup();
	sv_log(SV_LOG_NOTICE, "judge-worker stopped");
	worker_config_free(&cfg);
	return exit_code;
}
