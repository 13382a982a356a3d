/* "Run on the samples": one run message from parse to its delivered result (sv_run.h). A run is
 * never a submission: its result goes out as a run result, keyed by the run, and no message of
 * the submissions' kind is ever sent for it. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sv_kafka_client.h"
#include "sv_log.h"
#include "sv_run.h"
#include "worker_trust.h"

int worker_run_send(worker *w, job *j, const sv_run_report *res)
{
	char key[32], *text = sv_run_report_build(res);
	sv_record rec = {w->cfg->topic_results, key, 0, NULL, 0, NULL, NULL, SV_MAC_LABEL_RUN_RESULT};
	rd_kafka_resp_err_t why = RD_KAFKA_RESP_ERR_NO_ERROR;
	int rc;

	if (!text) {
		sv_log(SV_LOG_ERR, "sample run %lld: cannot build the result message", res->run_id);
		return -1;
	}
	snprintf(key, sizeof(key), "run-%lld", res->run_id);
	rec.key_len = strlen(key);
	rec.value = text;
	rec.len = strlen(text);
	rc = sv_produce_delivered(w->producer, &rec, &j->cancel, 0, &why);
	free(text);
	if (rc == SV_UNDELIVERABLE && res->status == SV_STATUS_COMPLETED) {
		sv_run_report failed = *res;

		failed.status = SV_STATUS_FAILED;
		failed.verdict = SV_VERDICT_NONE;
		failed.tests = NULL;
		failed.test_count = 0;
		failed.compiler_output = NULL;
		failed.error_message = "The judge could not deliver this run's result. Please run it again.";
		sv_log(SV_LOG_WARNING, "sample run %lld: result undeliverable (%s); reported failed", res->run_id,
		       rd_kafka_err2str(why));
		return worker_run_send(w, j, &failed);
	}
	if (rc == SV_DELIVERED)
		sv_log(SV_LOG_INFO, "sample run %lld of task %lld: %s %s, %zu sample(s)", res->run_id, res->task_id,
		       sv_status_name(res->status),
		       res->verdict != SV_VERDICT_NONE ? sv_verdict_name(res->verdict) : "-", res->test_count);
	return rc == SV_DELIVERED ? 0 : -1;
}

static job_result run_failed(worker *w, job *j, const sv_run_msg *run, const char *why)
{
	sv_run_report res;

	memset(&res, 0, sizeof(res));
	res.run_id = run->run_id;
	res.task_id = run->task_id;
	res.user_id = run->user_id;
	res.token = run->token;
	res.status = SV_STATUS_FAILED;
	res.error_message = why;
	return worker_run_send(w, j, &res) == 0 || !j->cancel ? JOB_DONE : JOB_GIVEN_BACK;
}

/* The task with its sample tests only (the same data, not copied): free samples->tests alone. */
static int samples_only(const task_data *task, task_data *samples)
{
	*samples = *task;
	samples->test_count = 0;
	samples->tests = calloc(task->test_count ? task->test_count : 1, sizeof(*samples->tests));
	if (!samples->tests)
		return -1;
	for (size_t i = 0; i < task->test_count; i++)
		if (task->tests[i].is_sample)
			samples->tests[samples->test_count++] = task->tests[i];
	return 0;
}

job_result worker_run(worker *w, task_conn *tc, job *j)
{
	const rd_kafka_message_t *m = j->msg;
	task_data task, samples;
	sv_run_msg run;
	cJSON *tree = NULL;
	char err[600], what[48];
	job_result jr = JOB_DONE;

	memset(&task, 0, sizeof(task));
	memset(&samples, 0, sizeof(samples));
	if (!worker_trust_run_mac(w, j, &jr))
		return jr;
	if (sv_run_msg_parse(m->payload ? m->payload : "", m->len, &run, &tree, err, sizeof(err)) != SV_MSG_OK) {
		/* Nobody waits on a message that names no run it can be told to: dropped, logged. */
		sv_log(SV_LOG_WARNING, "runs topic partition %d offset %lld: not a run message (%s); dropped",
		       (int)j->partition, (long long)j->offset, err);
		return JOB_DONE;
	}
	if (!worker_trust_run(w, j, &run, &jr))
		goto done;
	if (run.code_len > (size_t)w->cfg->max_code_bytes) {
		snprintf(err, sizeof(err), "the source code is %zu bytes, more than this judge's limit of %ld bytes",
			 run.code_len, w->cfg->max_code_bytes);
		jr = run_failed(w, j, &run, err);
		goto done;
	}
	if (!w->exec->language_ok(w->exec_state, run.language_id, err, sizeof(err))) {
		jr = run_failed(w, j, &run, err);
		goto done;
	}
	snprintf(what, sizeof(what), "sample run %lld", run.run_id);
	switch (worker_task_load(tc, j, run.task_id, run.task_revision, &task, what, err, sizeof(err))) {
	case 0:
		jr = run_failed(w, j, &run, err);
		goto done;
	case -1:
		jr = JOB_GIVEN_BACK;
		goto done;
	}
	if (samples_only(&task, &samples) < 0) {
		jr = JOB_GIVEN_BACK;
		goto done;
	}
	if (samples.test_count == 0)
		jr = run_failed(w, j, &run, "This task has no sample tests to run on.");
	else
		jr = worker_judge_samples(w, j, &run, &samples);
done:
	free(samples.tests);
	task_data_free(&task);
	cJSON_Delete(tree);
	return jr;
}
