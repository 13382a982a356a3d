/* Judging one submission: parse, load the task, execute, check, score, report. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "checker.h"
#include "scoring.h"
#include "sv_kafka_client.h"
#include "sv_log.h"
#include "sv_message.h"
#include "sv_result.h"
#include "sv_time.h"
#include "sv_daemon.h"
#include "worker_stats.h"

/* Serves the delivery reports nobody waits for (progress events). */
void *worker_producer_poll_main(void *arg)
{
	worker *w = arg;

	while (!w->producer_stop)
		rd_kafka_poll(w->producer, 100);
	return NULL;
}

static void key_of(long long submission_id, char key[24])
{
	snprintf(key, 24, "%lld", submission_id);
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
		sv_record rec = {w->cfg->topic_results, key, 0, text, strlen(text), NULL, NULL};

		key_of(msg->submission_id, key);
		rec.key_len = strlen(key);
		sv_produce(w->producer, &rec, NULL);
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

static void failed_result(sv_result_msg *res, long long submission_id, long long task_id, int attempt, const char *why)
{
	memset(res, 0, sizeof(*res));
	res->submission_id = submission_id;
	res->task_id = task_id;
	res->status = SV_STATUS_FAILED;
	res->attempt = attempt > 0 ? attempt : 1;
	res->error_message = why;
}

/* Sends a final result; 0 when delivered. A result Kafka refuses as it is (larger than the
 * producer's message.max.bytes, say) is replaced by a small failed result saying why, so the
 * offset is never stored past a result that was lost; -1 when neither could be delivered. */
static int send_final(worker *w, job *j, sv_result_msg *res)
{
	char *text = sv_result_msg_build(res), key[24];
	sv_record rec = {w->cfg->topic_results, key, 0, NULL, 0, NULL, NULL};
	rd_kafka_resp_err_t why = RD_KAFKA_RESP_ERR_NO_ERROR;
	int rc;

	if (!text) {
		sv_log(SV_LOG_ERR, "submission %lld: cannot build the result message", res->submission_id);
		return -1;
	}
	key_of(res->submission_id, key);
	rec.key_len = strlen(key);
	rec.value = text;
	rec.len = strlen(text);
	rc = sv_produce_delivered(w->producer, &rec, &j->cancel, 0, &why);
	if (rc == SV_UNDELIVERABLE && res->status == SV_STATUS_COMPLETED) {
		char reason[300];
		sv_result_msg failed;

		snprintf(reason, sizeof(reason),
			 "The judge could not deliver this submission's result (%zu bytes: %s). Please ask the "
			 "staff.",
			 rec.len, rd_kafka_err2str(why));
		free(text);
		failed_result(&failed, res->submission_id, res->task_id, res->attempt, reason);
		sv_log(SV_LOG_WARNING, "submission %lld attempt %d: reported failed instead: %s", res->submission_id,
		       res->attempt, reason);
		return send_final(w, j, &failed);
	}
	free(text);
	if (rc == SV_DELIVERED)
		stats_add(res->status == SV_STATUS_COMPLETED ? STAT_COMPLETED : STAT_FAILED, 1);
	return rc == SV_DELIVERED ? 0 : -1;
}

static job_result report_failed(worker *w, job *j, long long submission_id, long long task_id, int attempt,
				const char *why)
{
	sv_result_msg res;

	failed_result(&res, submission_id, task_id, attempt, why);
	sv_log(SV_LOG_WARNING, "submission %lld attempt %d: failed: %s", submission_id, res.attempt, why);
	return send_final(w, j, &res) == 0 ? JOB_DONE : JOB_GIVEN_BACK;
}

static job_result dead_letter(worker *w, job *j, const char *why)
{
	const rd_kafka_message_t *m = j->msg;
	char source[300];

	sv_kafka_describe(m, source, sizeof(source));
	sv_log(SV_LOG_WARNING, "%s: %s; sent to %s", source, why, w->cfg->topic_dead);
	switch (sv_dead_letter(w->producer, w->cfg->topic_dead, m, why, &j->cancel, 0)) {
	case SV_CANCELLED:
		return JOB_GIVEN_BACK;
	case SV_DELIVERED:
		stats_add(STAT_DEAD_LETTERED, 1);
		return JOB_DONE;
	default:
		return JOB_DONE; /* logged: a message that cannot even be dead-lettered must not stall the partition */
	}
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
		if (sv_sleep_ms(sv_backoff_delay_ms(500, 10000, (unsigned)tries - 1), &j->cancel) < 0) {
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
	int rc;

	memset(&task, 0, sizeof(task));
	rc = sv_submission_msg_parse(m->payload ? m->payload : "", m->len, &msg, &tree, err, sizeof(err));
	if (rc != SV_MSG_OK) {
		/* A newer producer's message may be fine for a newer judge: set it aside, unjudged. */
		if (msg.submission_id > 0 && rc != SV_MSG_NEWER) {
			char why[700];
			snprintf(why, sizeof(why), "bad submission message: %s", err);
			return report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, why);
		}
		return dead_letter(w, j, err);
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
		if (sv_sleep_ms(sv_backoff_delay_ms(200, 5000, db_attempt), &j->cancel) < 0) {
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
