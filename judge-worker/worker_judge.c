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
#include "validator.h"
#include "worker_metrics.h"
#include "worker_stats.h"
#include "worker_trust.h"

/* Serves the delivery reports nobody waits for (progress events). */
void *worker_producer_poll_main(void *arg)
{
	worker *w = arg;

	while (!w->producer_stop)
		sv_producer_poll(w->producer, 100, NULL);
	return NULL;
}

static void key_of(long long submission_id, char key[24])
{
	snprintf(key, 24, "%lld", submission_id);
}

/* ---- the judgement ---- */

/* What the worker keeps of one test's run: owned copies of the executor's and validator's texts,
 * and whether it ran or was skipped (scoring_plan). */
typedef struct {
	char *message;       /* the reason of a failure (checker, executor) */
	char *judge_message; /* staff only: judgemessage.txt, or the checker's reason */
	char *team_message;
	char *stderr_head;
	char *actual; /* sample tests: the output */
	int ran;
	int skipped;
} test_texts;

typedef struct {
	worker *w;
	job *j;
	const sv_submission_msg *msg; /* a submission's judgement, or */
	const sv_run_msg *run;        /* a sample run's (every test a sample, every one run) */
	const task_data *task;
	checker_options checker;
	scoring_plan plan;
	sv_test_result *results;
	scoring_outcome *outcomes;
	test_texts *texts;
	size_t done;
	double callback_ms; /* time spent in our callbacks, not the executor's */
	char failure[700];  /* set: the submission cannot be judged (a validator failed), why */
} judging;

static void progress(worker *w, const sv_submission_msg *msg, int done, int total)
{
	sv_result_msg ev;
	char *text;

	if (!msg)
		return; /* a sample run has no progress events */
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
		sv_record rec = {w->cfg->topic_results, key, 0, text, strlen(text), NULL, NULL, SV_MAC_LABEL_RESULT};

		key_of(msg->submission_id, key);
		rec.key_len = strlen(key);
		sv_produce(w->producer, &rec, NULL);
		free(text);
	}
}

/* A copy of at most max + 16 bytes (the result builder cuts at max and says so), NULL for none. */
static char *copy_head(const char *bytes, size_t len, size_t max)
{
	size_t keep = len > max + 16 ? max + 16 : len;
	char *copy;

	if (!bytes || len == 0)
		return NULL;
	copy = malloc(keep + 1);
	if (copy) {
		memcpy(copy, bytes, keep);
		copy[keep] = '\0';
	}
	return copy;
}

static char *copy_text(const char *text, size_t max)
{
	return text && *text ? copy_head(text, strlen(text), max) : NULL;
}

static void texts_free(test_texts *t)
{
	free(t->message);
	free(t->judge_message);
	free(t->team_message);
	free(t->stderr_head);
	free(t->actual);
	memset(t, 0, sizeof(*t));
}

/* Checks one output with the task's validator; 0, or -1 with jg->failure set. */
static int check_output(judging *jg, const task_test *t, const exec_test_result *r, scoring_outcome *o,
			test_texts *texts)
{
	const task_data *task = jg->task;
	char reason[CHECKER_REASON_MAX], err[300];
	checker_options opts = jg->checker;
	char *flags = task_group_flags(task, t);
	validator_result vr;
	int rc = 0;

	reason[0] = '\0';
	if (!flags) {
		snprintf(jg->failure, sizeof(jg->failure), "out of memory");
		return -1;
	}
	if (task->validator == VALIDATOR_INTERACTIVE) {
		snprintf(jg->failure, sizeof(jg->failure),
			 "test %d: the executor ran an interactive task without its validator", t->order);
		rc = -1;
	} else if (task->validator == VALIDATOR_CUSTOM) {
		if (!jg->w->validators) {
			snprintf(jg->failure, sizeof(jg->failure), "this judge cannot run custom validators: %s",
				 jg->w->validator_error);
			rc = -1;
		} else if (validator_check(jg->w->validators, task, t, flags, r->output, r->output_len, &vr) < 0) {
			snprintf(jg->failure, sizeof(jg->failure), "the task's validator failed on test %d: %s",
				 t->order, vr.error);
			validator_result_free(&vr);
			rc = -1;
		} else {
			o->verdict = vr.verdict;
			o->has_score = vr.has_score;
			o->score = vr.score;
			texts->judge_message = copy_text(vr.judge_message, SV_RESULT_FEEDBACK_MAX);
			texts->team_message = copy_text(vr.team_message, SV_RESULT_FEEDBACK_MAX);
			validator_result_free(&vr);
		}
	} else if (*flags && checker_options_parse(flags, &opts, err, sizeof(err)) < 0) {
		snprintf(jg->failure, sizeof(jg->failure), "test %d: the group's validator flags: %s", t->order, err);
		rc = -1;
	} else {
		o->verdict = checker_compare(&opts, t->expected, t->expected_len, r->output, r->output_len, reason,
					     sizeof(reason));
		/* The reason may quote hidden data: "message" keeps it only where it may be shown. */
		texts->message = copy_text(reason, SV_RESULT_MESSAGE_MAX);
		texts->judge_message = copy_text(reason, SV_RESULT_FEEDBACK_MAX);
	}
	free(flags);
	return rc;
}

static void fill_result(judging *jg, size_t index, const exec_test_result *r)
{
	const task_test *t = &jg->task->tests[index];
	const scoring_outcome *o = &jg->outcomes[index];
	test_texts *texts = &jg->texts[index];
	sv_test_result *res = &jg->results[index];

	res->verdict = o->verdict;
	res->limit = o->verdict == SV_VERDICT_TLE ? r->limit : NULL;
	res->time = r->time;
	res->memory = r->memory;
	res->has_score = o->has_score;
	res->score = o->score;
	res->message = texts->message;
	res->judge_message = texts->judge_message;
	res->team_message = texts->team_message;
	size_t sample_max = jg->run ? SV_RUN_TEXT_MAX : SV_RESULT_SAMPLE_MAX;

	texts->stderr_head =
	    copy_head(r->stderr_head, r->stderr_len, jg->run ? SV_RUN_TEXT_MAX : SV_RESULT_FEEDBACK_MAX);
	res->stderr_head = texts->stderr_head;
	res->stderr_len = texts->stderr_head ? strlen(texts->stderr_head) : 0;
	res->has_exit_code = 1;
	res->exit_code = r->exit_code;
	/* An interactive task's input and answer are the validator's (the number to guess): never shown,
	 * not even for samples (reference §3.1). */
	if (t->is_sample && jg->task->validator != VALIDATOR_INTERACTIVE) {
		texts->actual = copy_head(r->output, r->output_len, sample_max);
		res->input = t->input;
		res->input_len = t->input_len;
		res->expected = t->expected;
		res->expected_len = t->expected_len;
		/* Cut outputs still say they were cut: the builder truncates and marks them. */
		res->actual = texts->actual;
		res->actual_len =
		    texts->actual ? (r->output_len < sample_max + 16 ? r->output_len : sample_max + 16) : 0;
	}
}

static int should_run(void *baton, size_t index)
{
	judging *jg = baton;
	/* A sample run runs every sample, whatever fails. */
	int run = !jg->failure[0] && (jg->run || scoring_plan_should_run(&jg->plan, index));

	if (!run && index < jg->task->test_count)
		jg->texts[index].skipped = 1;
	return run;
}

static int on_test(void *baton, size_t index, const exec_test_result *r)
{
	judging *jg = baton;
	const task_test *t;
	scoring_outcome *o;
	test_texts *texts;
	double start = sv_time_mono_ms();

	if (index >= jg->task->test_count)
		return 1;
	t = &jg->task->tests[index];
	o = &jg->outcomes[index];
	texts = &jg->texts[index];
	texts_free(texts);
	/* An executor that does not ask should_run still has the skipped tests left out. */
	if (!should_run(jg, index))
		goto out;
	memset(o, 0, sizeof(*o));
	o->verdict = r->verdict;
	o->time = r->time;
	o->memory = r->memory;
	if (r->checked) {
		/* Interactive: the executor ran the validator, its verdict is final. */
		o->has_score = r->has_score;
		o->score = r->score;
		texts->message = copy_text(r->message, SV_RESULT_MESSAGE_MAX);
		texts->judge_message = copy_text(r->judge_message, SV_RESULT_FEEDBACK_MAX);
		texts->team_message = copy_text(r->team_message, SV_RESULT_FEEDBACK_MAX);
	} else if (r->verdict != SV_VERDICT_NONE) {
		texts->message = copy_text(r->message, SV_RESULT_MESSAGE_MAX);
	} else if (check_output(jg, t, r, o, texts) < 0) {
		texts_free(texts);
		memset(o, 0, sizeof(*o));
		goto out;
	}
	texts->ran = 1;
	fill_result(jg, index, r);
	scoring_plan_record(&jg->plan, index, o->verdict);
	jg->done = index + 1;
	progress(jg->w, jg->msg, (int)jg->done, (int)jg->task->test_count);
out:
	jg->callback_ms += sv_time_mono_ms() - start;
	return jg->j->cancel || jg->failure[0];
}

static void reset_results(judging *jg)
{
	for (size_t i = 0; i < jg->task->test_count; i++) {
		const task_test *t = &jg->task->tests[i];
		sv_test_result *res = &jg->results[i];

		texts_free(&jg->texts[i]);
		memset(res, 0, sizeof(*res));
		res->test_id = t->id;
		res->order = t->order;
		res->is_sample = t->is_sample;
		res->group =
		    t->group >= 0 && (size_t)t->group < jg->task->group_count ? jg->task->groups[t->group].name : NULL;
		memset(&jg->outcomes[i], 0, sizeof(scoring_outcome));
	}
	scoring_plan_reset(&jg->plan);
	jg->failure[0] = '\0';
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
	sv_record rec = {w->cfg->topic_results, key, 0, NULL, 0, NULL, NULL, SV_MAC_LABEL_RESULT};
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
	if (rc == SV_DELIVERED)
		worker_metrics_judged(res, j->language_id, (sv_time_mono_ms() - j->started_ms) / 1000.0);
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

/* Runs the executor, again after a failure of its own up to the retry budget. */
static void execute(judging *jg, const exec_request *req, exec_outcome *out, double *exec_ms)
{
	worker *w = jg->w;

	for (int tries = 1;; tries++) {
		double start = sv_time_mono_ms();

		reset_results(jg);
		jg->callback_ms = 0;
		w->exec->judge(w->exec_state, req, out);
		*exec_ms += sv_time_mono_ms() - start - jg->callback_ms;
		if (out->status != EXEC_FAILED || tries >= w->cfg->max_tries || jg->failure[0])
			break;
		sv_log(SV_LOG_WARNING, "%s %lld: executor failed (%s); judging again (%d of %d)",
		       jg->run ? "sample run" : "submission", jg->run ? jg->run->run_id : jg->msg->submission_id,
		       out->error, tries + 1, w->cfg->max_tries);
		stats_add(STAT_EXECUTOR_RETRIES, 1);
		free(out->compiler_output);
		out->compiler_output = NULL;
		if (sv_sleep_ms(sv_backoff_delay_ms(500, 10000, (unsigned)tries - 1), &jg->j->cancel) < 0) {
			out->status = EXEC_CANCELLED;
			break;
		}
	}
}

/* Every test either ran or was skipped by the plan. */
static int all_reported(const judging *jg)
{
	for (size_t i = 0; i < jg->task->test_count; i++)
		if (!jg->texts[i].ran && !jg->texts[i].skipped)
			return 0;
	return 1;
}

/* Scores the judged tests and sends the final result. */
static job_result report_judged(judging *jg, const exec_outcome *out)
{
	const sv_submission_msg *msg = jg->msg;
	const task_data *task = jg->task;
	int compile_error = out->status == EXEC_COMPILE_ERROR;
	sv_test_result *ran = NULL;
	sv_group_result *groups = NULL;
	job_result jr = JOB_GIVEN_BACK;
	scoring_summary sum;
	sv_result_msg res;
	size_t count = 0;

	if (!compile_error && !all_reported(jg))
		return report_failed(jg->w, jg->j, msg->submission_id, msg->task_id, msg->attempt,
				     "the executor reported no verdict for some tests");
	if (scoring_summarize(task, jg->outcomes, compile_error, &sum) < 0)
		return JOB_GIVEN_BACK; /* out of memory: another worker may do better */
	if (sum.verdict == SV_VERDICT_NONE) {
		jr = report_failed(jg->w, jg->j, msg->submission_id, msg->task_id, msg->attempt,
				   "the executor reported no verdict for some tests");
		goto out;
	}
	ran = calloc(task->test_count, sizeof(*ran));
	groups = calloc(sum.group_count + 1, sizeof(*groups));
	if (!ran || !groups)
		goto out;
	/* Tests not run (skipped after a failure) have no entry; total_tests still counts them. */
	for (size_t i = 0; i < task->test_count && !compile_error; i++)
		if (jg->texts[i].ran)
			ran[count++] = jg->results[i];
	for (size_t g = 0; g < sum.group_count; g++) {
		groups[g].name = sum.groups[g].name;
		groups[g].points = sum.groups[g].points;
		groups[g].max_points = sum.groups[g].max_points;
		groups[g].verdict = sum.groups[g].verdict;
	}
	memset(&res, 0, sizeof(res));
	res.submission_id = msg->submission_id;
	res.task_id = msg->task_id;
	res.attempt = msg->attempt;
	res.compiler_output = out->compiler_output;
	res.status = SV_STATUS_COMPLETED;
	res.verdict = sum.verdict;
	res.score = sum.score;
	res.has_points = 1;
	res.points = sum.points;
	res.max_points = sum.max_points;
	res.groups = groups;
	res.group_count = sum.group_count;
	res.passed_tests = sum.passed_tests;
	res.total_tests = (int)task->test_count;
	res.execution_time = sum.execution_time;
	res.memory_used = sum.memory_used;
	res.tests = ran;
	res.test_count = count;
	if (send_final(jg->w, jg->j, &res) == 0) {
		jr = JOB_DONE;
		sv_log(SV_LOG_INFO, "submission %lld attempt %d: %s score %d (%g of %g points, %d/%zu tests, %zu run)",
		       msg->submission_id, msg->attempt, sv_verdict_name(sum.verdict), sum.score, sum.points,
		       sum.max_points, sum.passed_tests, task->test_count, count);
	}
out:
	free(ran);
	free(groups);
	scoring_summary_free(&sum);
	return jr;
}

/* A sample run's result: its tests as they ran, or failed with why. */
static job_result report_run(judging *jg, const exec_outcome *out, const char *why)
{
	const task_data *task = jg->task;
	sv_run_test *tests = NULL;
	sv_run_report res;
	size_t count = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	res.run_id = jg->run->run_id;
	res.task_id = jg->run->task_id;
	res.user_id = jg->run->user_id;
	res.token = jg->run->token;
	res.status = SV_STATUS_COMPLETED;
	res.verdict = SV_VERDICT_AC;
	if (!why && out->status == EXEC_COMPILE_ERROR) {
		res.verdict = SV_VERDICT_CE;
	} else if (!why) {
		if (!(tests = calloc(task->test_count, sizeof(*tests))))
			return JOB_GIVEN_BACK;
		for (size_t i = 0; i < task->test_count; i++) {
			const sv_test_result *t = &jg->results[i];
			sv_run_test *rt = &tests[count];

			if (!jg->texts[i].ran)
				continue;
			count++;
			rt->order = t->order;
			rt->name = task->tests[i].name;
			rt->verdict = t->verdict;
			rt->time = t->time;
			rt->memory = t->memory;
			rt->exit_code = t->has_exit_code ? t->exit_code : 0;
			rt->input = t->input;
			rt->input_len = t->input_len;
			rt->expected = t->expected;
			rt->expected_len = t->expected_len;
			rt->output = t->actual;
			rt->output_len = t->actual_len;
			rt->stderr_text = t->stderr_head;
			rt->stderr_len = t->stderr_len;
			if (res.verdict == SV_VERDICT_AC && t->verdict != SV_VERDICT_AC)
				res.verdict = t->verdict;
		}
		if (count < task->test_count)
			why = "the executor reported no verdict for some tests";
	}
	if (why) {
		res.status = SV_STATUS_FAILED;
		res.verdict = SV_VERDICT_NONE;
		res.error_message = why;
	} else {
		res.compiler_output = out->compiler_output;
		res.tests = tests;
		res.test_count = count;
	}
	rc = worker_run_send(jg->w, jg->j, &res);
	free(tests);
	return rc == 0 || !jg->j->cancel ? JOB_DONE : JOB_GIVEN_BACK;
}

/* A judgement that cannot finish, reported as the submission's or the run's. */
static job_result fail_job(judging *jg, const char *why)
{
	if (jg->run)
		return report_run(jg, NULL, why);
	return report_failed(jg->w, jg->j, jg->msg->submission_id, jg->msg->task_id, jg->msg->attempt, why);
}

/* Judges a submission (msg) or a sample run (run): exactly one of the two is given. */
static job_result judge_task(worker *w, job *j, const sv_submission_msg *msg, const sv_run_msg *run,
			     const task_data *task, double *exec_ms)
{
	judging jg;
	exec_request req;
	exec_outcome out;
	job_result jr = JOB_GIVEN_BACK;
	size_t n = task->test_count;
	char error[600];
	int planned;

	memset(&jg, 0, sizeof(jg));
	memset(&out, 0, sizeof(out));
	jg.w = w;
	jg.j = j;
	jg.msg = msg;
	jg.run = run;
	jg.task = task;
	task_checker_options(task, &jg.checker);
	jg.results = calloc(n, sizeof(*jg.results));
	jg.outcomes = calloc(n, sizeof(*jg.outcomes));
	jg.texts = calloc(n, sizeof(*jg.texts));
	planned = scoring_plan_init(&jg.plan, task) == 0;
	if (!jg.results || !jg.outcomes || !jg.texts || !planned)
		goto out;
	if ((task->validator == VALIDATOR_CUSTOM || task->validator == VALIDATOR_INTERACTIVE) && !w->validators) {
		snprintf(error, sizeof(error), "this judge cannot run the task's %s validator: %s",
			 task->validator == VALIDATOR_CUSTOM ? "custom" : "interactive", w->validator_error);
		jr = fail_job(&jg, error);
		goto out;
	}

	/* While the executor's service is down the submission stays pending: no "processing" event, so
	 * result-sink's sweeper never counts the outage as attempts that did not finish. */
	if (w->exec->wait_ready && w->exec->wait_ready(w->exec_state, &j->cancel) < 0)
		goto out;
	progress(w, msg, 0, (int)n);
	memset(&req, 0, sizeof(req));
	req.language_id = msg ? msg->language_id : run->language_id;
	req.code = msg ? msg->code : run->code;
	req.code_len = msg ? msg->code_len : run->code_len;
	req.task = task;
	req.should_run = should_run;
	req.on_test = on_test;
	req.baton = &jg;
	req.cancel = &j->cancel;
	req.validators = w->validators;
	execute(&jg, &req, &out, exec_ms);
	if (out.cpu_limit > 0)
		sv_log(SV_LOG_INFO, "%s %lld: limits per test: CPU %.3f s, wall clock %.3f s",
		       msg ? "submission" : "sample run", msg ? msg->submission_id : run->run_id, out.cpu_limit,
		       out.wall_limit);
	if (j->cancel)
		goto out;
	if (jg.failure[0]) {
		/* A validator that cannot judge: the submission is not at fault, staff must look. */
		jr = fail_job(&jg, jg.failure);
	} else if (out.status == EXEC_CANCELLED) {
		jr = JOB_GIVEN_BACK;
	} else if (out.status == EXEC_FAILED || out.status == EXEC_REJECTED) {
		snprintf(error, sizeof(error), "%s%s", out.status == EXEC_FAILED ? "could not be judged: " : "",
			 out.error);
		jr = fail_job(&jg, error);
	} else {
		jr = run ? report_run(&jg, &out, NULL) : report_judged(&jg, &out);
	}
out:
	free(out.compiler_output);
	for (size_t i = 0; jg.texts && i < n; i++)
		texts_free(&jg.texts[i]);
	if (planned)
		scoring_plan_free(&jg.plan);
	free(jg.results);
	free(jg.outcomes);
	free(jg.texts);
	return jr;
}

job_result worker_judge_samples(worker *w, job *j, const sv_run_msg *run, const task_data *task)
{
	double exec_ms = 0;

	return judge_task(w, j, NULL, run, task, &exec_ms);
}

int worker_task_load(task_conn *tc, job *j, long long task_id, int revision, task_data *task, const char *what,
		     char *err, size_t errlen)
{
	unsigned db_attempt = 0;

	for (;;) {
		task_status st = task_store_get(tc, task_id, revision, task, err, errlen);

		if (st == TASK_OK)
			return 1;
		if (st == TASK_NOT_FOUND)
			return 0;
		/* PostgreSQL is the source of truth: wait for it rather than fail the job. */
		if (db_attempt++ == 0)
			sv_log(SV_LOG_WARNING, "%s: %s; waiting for PostgreSQL", what, err);
		if (sv_sleep_ms(sv_backoff_delay_ms(200, 5000, db_attempt), &j->cancel) < 0)
			return -1;
	}
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
	char what[48];
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
		return worker_dead_letter(w, j, "malformed", err);
	}
	j->language_id = msg.language_id;
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
	snprintf(what, sizeof(what), "submission %lld", msg.submission_id);
	switch (worker_task_load(tc, j, msg.task_id, msg.task_revision, &task, what, err, sizeof(err))) {
	case 0:
		jr = report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, err);
		goto done;
	case -1:
		jr = JOB_GIVEN_BACK;
		goto done;
	}
	if (task.test_count == 0) {
		jr = report_failed(w, j, msg.submission_id, msg.task_id, msg.attempt, "the task has no tests");
		goto done;
	}
	jr = judge_task(w, j, &msg, NULL, &task, &exec_ms);
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
