/* Judging one submission: parse, load the task, execute, check, score, report. */
#include "worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "checker.h"
#include "scoring.h"
#include "sv_log.h"
#include "sv_message.h"
#include "sv_result.h"
#include "sv_time.h"
#include "worker_backoff.h"
#include "worker_stats.h"

/* ---- producing with a delivery report ---- */

typedef struct {
	int done;
	rd_kafka_resp_err_t err;
} delivery;

static pthread_mutex_t delivery_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t delivery_cond = PTHREAD_COND_INITIALIZER;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	delivery *d = m->_private;

	if (!d)
		return; /* a progress event: nobody waits for it */
	pthread_mutex_lock(&delivery_lock);
	d->err = m->err;
	d->done = 1;
	pthread_cond_broadcast(&delivery_cond);
	pthread_mutex_unlock(&delivery_lock);
}

void worker_producer_conf(rd_kafka_conf_t *conf)
{
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
}

void *worker_producer_poll_main(void *arg)
{
	worker *w = arg;

	while (!w->producer_stop)
		rd_kafka_poll(w->producer, 100);
	return NULL;
}

/* Errors that no retry can fix: the message is refused as it is. */
static int permanent(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__INVALID_ARG ||
	       err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR_INVALID_RECORD;
}

/* Queues one message; 0, or the error librdkafka refused it with. A dead letter (error set) keeps
 * the original key and carries the reason and the source in the result-sink's header names. */
static rd_kafka_resp_err_t produce(worker *w, const char *topic, const void *key, size_t keylen, const char *payload,
				   size_t len, const char *error, const char *source, delivery *d)
{
	rd_kafka_resp_err_t err;

	for (;;) {
		if (error)
			err = rd_kafka_producev(w->producer, RD_KAFKA_V_TOPIC(topic),
						RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, keylen),
						RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_OPAQUE(d),
						RD_KAFKA_V_HEADER("solveit-error", error, -1),
						RD_KAFKA_V_HEADER("solveit-source", source, -1), RD_KAFKA_V_END);
		else
			err = rd_kafka_producev(w->producer, RD_KAFKA_V_TOPIC(topic),
						RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, keylen),
						RD_KAFKA_V_VALUE((void *)payload, len), RD_KAFKA_V_OPAQUE(d),
						RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		backoff_sleep_ms(50, NULL);
	}
	if (err)
		sv_log(SV_LOG_ERR, "producing to %s: %s", topic, rd_kafka_err2str(err));
	return err;
}

/* Produces and waits for the delivery report, retrying while Kafka is away. Returns 0 once
 * delivered, 1 when the message can never be delivered as it is (logged; the caller moves on rather
 * than stall the partition), -1 if the worker is stopping and the judgement should be given back. */
static int produce_delivered(worker *w, const char *topic, const void *key, size_t keylen, const char *payload,
			     size_t len, const char *error, const char *source, const volatile int *cancel)
{
	unsigned attempt = 0;

	for (;;) {
		delivery d = {0, RD_KAFKA_RESP_ERR_NO_ERROR};
		rd_kafka_resp_err_t err = produce(w, topic, key, keylen, payload, len, error, source, &d);

		if (!err) {
			/* The report always comes (message.timeout.ms bounds it), and d lives on this stack. */
			pthread_mutex_lock(&delivery_lock);
			while (!d.done)
				pthread_cond_wait(&delivery_cond, &delivery_lock);
			pthread_mutex_unlock(&delivery_lock);
			err = d.err;
			if (!err)
				return 0;
			sv_log(SV_LOG_WARNING, "delivery to %s failed: %s", topic, rd_kafka_err2str(err));
		}
		if (permanent(err)) {
			sv_log(SV_LOG_ERR, "giving up on a message of %zu bytes to %s: %s", len, topic,
			       rd_kafka_err2str(err));
			return 1;
		}
		if ((cancel && *cancel) || backoff_sleep_ms(backoff_delay_ms(200, 5000, attempt++), cancel) < 0)
			return -1;
	}
}

/* ---- the judgement ---- */

typedef struct {
	worker *w;
	job *j;
	const sv_submission_msg *msg;
	const task_data *task;
	checker_options checker;
	sv_test_result *results;
	scoring_test *scoring;
	char **messages; /* owned copies */
	char **actuals;  /* sample outputs, owned */
	size_t done;
	double callback_ms; /* time spent in our callback, not the executor's */
} judging;

static void progress(worker *w, const sv_submission_msg *msg, int done, int total)
{
	sv_result_msg ev;
	char *text;

	memset(&ev, 0, sizeof(ev));
	ev.submission_id = msg->submission_id;
	ev.task_id = msg->task_id;
	ev.status = SV_STATUS_PROCESSING;
	ev.attempt = msg->attempt;
	ev.tests_done = done;
	ev.total_tests = total;
	text = sv_result_msg_build(&ev);
	if (text) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", msg->submission_id);
		produce(w, w->cfg->topic_results, key, strlen(key), text, strlen(text), NULL, NULL, NULL);
		free(text);
	}
}

static int on_test(void *baton, size_t index, const exec_test_result *r)
{
	judging *jg = baton;
	const task_test *t = &jg->task->tests[index];
	sv_test_result *res = &jg->results[index];
	double start = sv_time_mono_ms();
	char reason[CHECKER_REASON_MAX];
	sv_verdict verdict = r->verdict;

	reason[0] = '\0';
	if (verdict == SV_VERDICT_NONE)
		verdict = checker_compare(&jg->checker, t->expected, t->expected_len, r->output, r->output_len, reason,
					  sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "%s", r->message);
	res->test_id = t->id;
	res->order = t->order;
	res->verdict = verdict;
	res->time = r->time;
	res->memory = r->memory;
	res->is_sample = t->is_sample;
	free(jg->messages[index]);
	jg->messages[index] = reason[0] ? strdup(reason) : NULL;
	res->message = jg->messages[index];
	if (t->is_sample) {
		size_t keep = r->output_len > SV_RESULT_SAMPLE_MAX + 16 ? SV_RESULT_SAMPLE_MAX + 16 : r->output_len;
		free(jg->actuals[index]);
		jg->actuals[index] = malloc(keep + 1);
		if (jg->actuals[index]) {
			memcpy(jg->actuals[index], r->output, keep);
			jg->actuals[index][keep] = '\0';
		}
		res->input = t->input;
		res->input_len = t->input_len;
		res->expected = t->expected;
		res->expected_len = t->expected_len;
		res->actual = jg->actuals[index];
		/* Cut outputs still say they were cut: the builder truncates and marks them. */
		res->actual_len = jg->actuals[index] ? keep : 0;
	}
	jg->scoring[index].verdict = verdict;
	jg->scoring[index].time = r->time;
	jg->scoring[index].memory = r->memory;
	jg->done = index + 1;
	progress(jg->w, jg->msg, (int)jg->done, (int)jg->task->test_count);
	jg->callback_ms += sv_time_mono_ms() - start;
	return jg->j->cancel;
}

static void reset_results(judging *jg)
{
	for (size_t i = 0; i < jg->task->test_count; i++) {
		const task_test *t = &jg->task->tests[i];
		free(jg->messages[i]);
		free(jg->actuals[i]);
		jg->messages[i] = jg->actuals[i] = NULL;
		memset(&jg->results[i], 0, sizeof(sv_test_result));
		jg->results[i].test_id = t->id;
		jg->results[i].order = t->order;
		jg->results[i].is_sample = t->is_sample;
		memset(&jg->scoring[i], 0, sizeof(scoring_test));
		jg->scoring[i].test_id = t->id;
		jg->scoring[i].order = t->order;
		jg->scoring[i].weight = t->weight;
	}
	jg->done = 0;
}

/* Sends a final result; 0 when delivered. */
static int send_final(worker *w, job *j, sv_result_msg *res)
{
	char *text = sv_result_msg_build(res), key[24];
	int rc;

	if (!text) {
		sv_log(SV_LOG_ERR, "submission %lld: cannot build the result message", res->submission_id);
		return -1;
	}
	snprintf(key, sizeof(key), "%lld", res->submission_id);
	rc = produce_delivered(w, w->cfg->topic_results, key, strlen(key), text, strlen(text), NULL, NULL, &j->cancel);
	free(text);
	if (rc == 0)
		stats_add(res->status == SV_STATUS_COMPLETED ? STAT_COMPLETED : STAT_FAILED, 1);
	return rc < 0 ? -1 : 0;
}

static job_result report_failed(worker *w, job *j, long long submission_id, long long task_id, int attempt,
				const char *why)
{
	sv_result_msg res;

	memset(&res, 0, sizeof(res));
	res.submission_id = submission_id;
	res.task_id = task_id;
	res.status = SV_STATUS_FAILED;
	res.attempt = attempt > 0 ? attempt : 1;
	res.error_message = why;
	sv_log(SV_LOG_WARNING, "submission %lld attempt %d: failed: %s", submission_id, res.attempt, why);
	return send_final(w, j, &res) == 0 ? JOB_DONE : JOB_GIVEN_BACK;
}

static job_result dead_letter(worker *w, job *j, const char *why)
{
	const rd_kafka_message_t *m = j->msg;
	char source[300];

	snprintf(source, sizeof(source), "%s[%d]@%lld", rd_kafka_topic_name(m->rkt), (int)m->partition,
		 (long long)m->offset);
	sv_log(SV_LOG_WARNING, "%s: %s; sent to %s", source, why, w->cfg->topic_dead);
	switch (produce_delivered(w, w->cfg->topic_dead, m->key, m->key_len, m->payload ? m->payload : "", m->len, why,
				  source, &j->cancel)) {
	case -1:
		return JOB_GIVEN_BACK;
	case 0:
		stats_add(STAT_DEAD_LETTERED, 1);
		return JOB_DONE;
	default:
		return JOB_DONE; /* logged: a message that cannot even be dead-lettered must not stall the partition */
	}
}

/* The attempt of a message that did not parse, when it can still be read. */
static int raw_attempt(const cJSON *tree)
{
	const cJSON *a = tree ? cJSON_GetObjectItemCaseSensitive(tree, "attempt") : NULL;

	return cJSON_IsNumber(a) && a->valuedouble >= 1 && a->valuedouble <= 1000 ? (int)a->valuedouble : 1;
}

static long long raw_task_id(const cJSON *tree)
{
	const cJSON *a = tree ? cJSON_GetObjectItemCaseSensitive(tree, "task_id") : NULL;

	return cJSON_IsNumber(a) && a->valuedouble >= 1 && a->valuedouble < 9007199254740992.0
		   ? (long long)a->valuedouble
		   : 0;
}

static job_result judge_task(worker *w, job *j, const sv_submission_msg *msg, const task_data *task, double *exec_ms)
{
	judging jg;
	sv_result_msg res;
	scoring_summary sum;
	exec_request req;
	exec_outcome out;
	job_result jr = JOB_GIVEN_BACK;
	size_t n = task->test_count;
	char error[600];

	memset(&jg, 0, sizeof(jg));
	jg.w = w;
	jg.j = j;
	jg.msg = msg;
	jg.task = task;
	task_checker_options(task, &jg.checker);
	jg.results = calloc(n, sizeof(*jg.results));
	jg.scoring = calloc(n, sizeof(*jg.scoring));
	jg.messages = calloc(n, sizeof(char *));
	jg.actuals = calloc(n, sizeof(char *));
	if (!jg.results || !jg.scoring || !jg.messages || !jg.actuals)
		goto out;

	progress(w, msg, 0, (int)n);
	memset(&req, 0, sizeof(req));
	req.language_id = msg->language_id;
	req.code = msg->code;
	req.code_len = msg->code_len;
	req.task = task;
	req.on_test = on_test;
	req.baton = &jg;
	req.cancel = &j->cancel;
	for (int tries = 1;; tries++) {
		double start = sv_time_mono_ms();
		reset_results(&jg);
		jg.callback_ms = 0;
		w->exec->judge(w->exec_state, &req, &out);
		*exec_ms += sv_time_mono_ms() - start - jg.callback_ms;
		if (out.status != EXEC_FAILED || tries >= w->cfg->max_tries)
			break;
		sv_log(SV_LOG_WARNING, "submission %lld attempt %d: executor failed (%s); judging again (%d of %d)",
		       msg->submission_id, msg->attempt, out.error, tries + 1, w->cfg->max_tries);
		stats_add(STAT_EXECUTOR_RETRIES, 1);
		free(out.compiler_output);
		if (backoff_sleep_ms(backoff_delay_ms(500, 10000, (unsigned)tries - 1), &j->cancel) < 0) {
			out.status = EXEC_CANCELLED;
			out.compiler_output = NULL;
			break;
		}
	}
	if (out.status == EXEC_CANCELLED || j->cancel)
		goto out_free;
	if (out.status == EXEC_FAILED || out.status == EXEC_REJECTED) {
		snprintf(error, sizeof(error), "%s%s", out.status == EXEC_FAILED ? "could not be judged: " : "",
			 out.error);
		jr = report_failed(w, j, msg->submission_id, msg->task_id, msg->attempt, error);
		goto out_free;
	}

	scoring_summarize(jg.scoring, n, out.status == EXEC_COMPILE_ERROR, &sum);
	memset(&res, 0, sizeof(res));
	res.submission_id = msg->submission_id;
	res.task_id = msg->task_id;
	res.attempt = msg->attempt;
	res.compiler_output = out.compiler_output;
	if (sum.verdict == SV_VERDICT_NONE) {
		jr = report_failed(w, j, msg->submission_id, msg->task_id, msg->attempt,
				   "the executor reported no verdict for some tests");
		goto out_free;
	}
	res.status = SV_STATUS_COMPLETED;
	res.verdict = sum.verdict;
	res.score = sum.score;
	res.passed_tests = sum.passed_tests;
	res.total_tests = (int)n;
	res.execution_time = sum.execution_time;
	res.memory_used = sum.memory_used;
	res.tests = out.status == EXEC_COMPILE_ERROR ? NULL : jg.results;
	res.test_count = out.status == EXEC_COMPILE_ERROR ? 0 : n;
	if (send_final(w, j, &res) == 0) {
		jr = JOB_DONE;
		sv_log(SV_LOG_INFO, "submission %lld attempt %d: %s score %d (%d/%zu tests)", msg->submission_id,
		       msg->attempt, sv_verdict_name(sum.verdict), sum.score, sum.passed_tests, n);
	}
out_free:
	free(out.compiler_output);
out:
	for (size_t i = 0; i < n; i++) {
		if (jg.messages)
			free(jg.messages[i]);
		if (jg.actuals)
			free(jg.actuals[i]);
	}
	free(jg.results);
	free(jg.scoring);
	free(jg.messages);
	free(jg.actuals);
	return jr;
}

job_result worker_judge(worker *w, task_conn *tc, job *j)
{
	const rd_kafka_message_t *m = j->msg;
	sv_submission_msg msg;
	cJSON *tree = NULL;
	task_data task;
	char err[600];
	job_result jr;
	double exec_ms = 0, started_ms = sv_time_mono_ms();
	unsigned db_attempt = 0;

	memset(&task, 0, sizeof(task));
	if (sv_submission_msg_parse(m->payload ? m->payload : "", m->len, &msg, &tree, err, sizeof(err)) < 0) {
		if (msg.submission_id > 0) {
			char why[700];
			snprintf(why, sizeof(why), "bad submission message: %s", err);
			jr = report_failed(w, j, msg.submission_id, raw_task_id(tree), raw_attempt(tree), why);
		} else {
			jr = dead_letter(w, j, err);
		}
		cJSON_Delete(tree);
		return jr;
	}
	if (msg.code_len > (size_t)w->cfg->max_code_bytes) {
		snprintf(err, sizeof(err), "the source code is %zu bytes, more than this judge's limit of %ld bytes",
			 msg.code_len, w->cfg->max_code_bytes);
		jr = report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, err);
		goto done;
	}
	if (!w->exec->language_ok(w->exec_state, msg.language_id, err, sizeof(err))) {
		jr = report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, err);
		goto done;
	}
	for (;;) {
		task_status st = task_store_get(tc, msg.task_id, msg.task_revision, &task, err, sizeof(err));
		if (st == TASK_OK)
			break;
		if (st == TASK_NOT_FOUND) {
			jr = report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, err);
			goto done;
		}
		/* PostgreSQL is the source of truth: wait for it rather than fail the submission. */
		if (db_attempt++ == 0)
			sv_log(SV_LOG_WARNING, "submission %lld: %s; waiting for PostgreSQL", msg.submission_id, err);
		if (backoff_sleep_ms(backoff_delay_ms(200, 5000, db_attempt), &j->cancel) < 0) {
			jr = JOB_GIVEN_BACK;
			goto done;
		}
	}
	if (task.test_count == 0) {
		jr = report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, "the task has no tests");
		goto done;
	}
	jr = judge_task(w, j, &msg, &task, &exec_ms);
	if (jr == JOB_DONE) {
		/* Overhead: consumed to delivered, minus the executor and minus waiting for a free thread. */
		double now = sv_time_mono_ms(), queued = started_ms - j->received_ms;
		sv_log(
		    SV_LOG_INFO,
		    "submission %lld attempt %d: timing total %.3f ms queued %.3f ms executor %.3f ms overhead %.3f ms",
		    msg.submission_id, msg.attempt, now - j->received_ms, queued, exec_ms, now - started_ms - exec_ms);
	}
done:
	task_data_free(&task);
	cJSON_Delete(tree);
	return jr;
}
