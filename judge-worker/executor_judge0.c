/* The judge0 executor: a Judge0 CE 1.13 server over HTTP (reference/judge0-api.md). Every test is a
 * Judge0 submission (Judge0 cannot compile once for several inputs), created with POST
 * /submissions/batch (at most 20 per call) and polled with GET /submissions/batch with back-off.
 * Always base64_encoded=true. Judge0's own comparison is not used.
 *
 * Judge0 being down is never the submission's fault: network errors and 5xx answers are retried
 * within --judge0-retry-budget, then Judge0 counts as down (an outage, logged once at its start and
 * once at its end) and the judging thread waits, its submission neither failed nor committed, until
 * the checker thread finds Judge0 answering again. 503 (queue full, maintenance) is retried for as
 * long as it lasts. Only what Judge0 refuses for this submission (422) is reported as such. Tokens
 * Judge0 forgot (a restart with a fresh database) or lost from its queue are sent again. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "judge0_codec.h"
#include "judge0_http.h"
#include "sv_log.h"
#include "sv_time.h"
#include "verdict_map.h"
#include "sv_daemon.h"
#include "worker_stats.h"

/* How much of a program's stderr is passed on (for staff). */
#define STDERR_HEAD 4096

static int judge0_open(const worker_config *cfg, void **state, char *err, size_t errlen)
{
	return judge0_state_open(cfg, (judge0_state **)state, err, errlen);
}

static void judge0_close(void *state)
{
	judge0_state_close(state);
}

static int judge0_wait_ready(void *state, const volatile int *cancel)
{
	return judge0_wait_up(state, cancel);
}

static int judge0_language_ok(void *state, int language_id, char *err, size_t errlen)
{
	if (judge0_language_known(language_id))
		return 1;
	snprintf(err, errlen, "language %d is not a Judge0 CE 1.13 language", language_id);
	return 0;
}

typedef enum {
	HTTP_OK,        /* 2xx, body in the judge0_buffer */
	HTTP_RETRY,     /* 5xx beyond the budget while Judge0 itself answers: this request's failure */
	HTTP_REFUSED,   /* 4xx: give up with the reason */
	HTTP_CANCELLED, /* the judgement was cancelled while retrying or waiting */
} http_result;

/* One request with retries: POST when body is set, else GET. Outages are waited out (see the top). */
static http_result request(judge0_state *st, CURL *curl, const char *url, const char *body, const volatile int *cancel,
			   judge0_buffer *out, long *http_status, char *err, size_t errlen)
{
	struct curl_slist *headers = judge0_headers(st);
	double deadline = sv_time_mono_ms() + st->cfg->judge0_retry_budget * 1000.0;
	unsigned attempt = 0;
	http_result result;

	for (;;) {
		long status = 0;
		CURLcode rc = judge0_perform(st, curl, url, body, headers, out, &status);
		int outage = 0;

		*http_status = status;
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			judge0_set_up(st);
			result = HTTP_OK;
			break;
		}
		judge0_describe(rc, status, out, err, errlen);
		if (rc == CURLE_OK && (status == 401 || status == 403)) {
			/* The token was good at start: Judge0's AUTHN_TOKEN changed, no fault of the submission. */
			outage = 1;
		} else if (rc == CURLE_OK && status < 500) {
			result = HTTP_REFUSED;
			break;
		} else if (status != 503 && sv_time_mono_ms() >= deadline) {
			char version[64], why[700];

			/* Judge0 answers its checks but not this: the request's own failure. */
			if (rc == CURLE_OK && judge0_check(st, curl, 0, out, version, sizeof(version), why,
							   sizeof(why)) == JUDGE0_CHECK_OK) {
				result = HTTP_RETRY;
				break;
			}
			outage = 1;
		}
		if (outage) {
			char why[700];

			if (status == 401 || status == 403)
				snprintf(
				    why, sizeof(why),
				    "Judge0 at %s refused the token it took before (HTTP %ld): check --judge0-token / "
				    "SOLVEIT_JUDGE0_TOKEN against its AUTHN_TOKEN",
				    st->cfg->judge0_url, status);
			else
				snprintf(why, sizeof(why),
					 "%s, still after --judge0-retry-budget %d s (--judge0-url %s)", err,
					 st->cfg->judge0_retry_budget, st->cfg->judge0_url);
			judge0_set_down(st, why);
			if (judge0_wait_up(st, cancel) < 0) {
				result = HTTP_CANCELLED;
				break;
			}
			deadline = sv_time_mono_ms() + st->cfg->judge0_retry_budget * 1000.0;
			attempt = 0;
			continue;
		}
		if (attempt == 0)
			sv_log(SV_LOG_WARNING, "%s; retrying with back-off", err);
		stats_add(STAT_JUDGE0_RETRIES, 1);
		if (sv_sleep_ms(
			sv_backoff_jitter_ms(sv_backoff_delay_ms(200, 5000, attempt++), (unsigned long)random()),
			cancel) < 0) {
			result = HTTP_CANCELLED;
			break;
		}
	}
	curl_slist_free_all(headers);
	return result;
}

static void fail_from_http(http_result hr, const char *reason, exec_outcome *out)
{
	out->status = hr == HTTP_REFUSED ? EXEC_REJECTED : hr == HTTP_CANCELLED ? EXEC_CANCELLED : EXEC_FAILED;
	snprintf(out->error, sizeof(out->error), "%s", reason);
}

/* One submission's judgement on Judge0: a token per test, created in order, reported in order. */
typedef struct {
	judge0_state *st;
	const exec_request *req;
	exec_outcome *out;
	CURL *curl;
	judge0_buffer body;
	judge0_limits limits;
	size_t n;
	size_t created;  /* tests [0, created) have a token or were skipped */
	size_t reported; /* tests [0, reported) were reported or skipped */
	char **tokens;   /* NULL for a skipped test */
	int *reruns;     /* per test: runs again after a wall-clock kill with little CPU */
	judge0_result *done;
	double *sent_at; /* per test: when its token was created (monotonic ms), for the stuck check */
	int resubmits;   /* lost or stuck tokens sent again so far */
} judge0_job;

/* 1 when a test's failure can make the worker skip later ones (pass-fail tasks, 'break' groups):
 * then each test is sent only after the worker has seen the ones before it. */
static int may_skip(const exec_request *req)
{
	const task_data *task = req->task;

	if (!req->should_run)
		return 0;
	if (task->type == TASK_TYPE_PASS_FAIL && !task->judge_all)
		return 1;
	for (size_t i = 0; i < task->group_count; i++)
		if (task->groups[i].break_on_reject)
			return 1;
	return 0;
}

/* Creates the submissions of tests [first, first + count). 0, or -1 with run->out set. */
static int create_batch(judge0_job *run, size_t first, size_t count)
{
	const task_data *task = run->req->task;
	const char *inputs[JUDGE0_BATCH_MAX];
	size_t lens[JUDGE0_BATCH_MAX];
	char url[2048], err[400];
	long http_status = 0;
	http_result hr;
	char *json;
	int rc;

	for (size_t i = 0; i < count; i++) {
		inputs[i] = task->tests[first + i].input;
		lens[i] = task->tests[first + i].input_len;
	}
	json = judge0_batch_body(run->req->language_id, run->req->code, run->req->code_len, inputs, lens, count,
				 &run->limits);
	snprintf(url, sizeof(url), "%s/submissions/batch?base64_encoded=true", run->st->cfg->judge0_url);
	hr = json ? request(run->st, run->curl, url, json, run->req->cancel, &run->body, &http_status, err, sizeof(err))
		  : HTTP_RETRY;
	free(json);
	if (hr == HTTP_REFUSED && http_status == 422 &&
	    judge0_parse_tokens(run->body.data, run->body.len, count, run->tokens + first, err, sizeof(err)) < 0) {
		/* Validation errors: say what Judge0 objected to, in its words. */
		run->out->status = EXEC_REJECTED;
		snprintf(run->out->error, sizeof(run->out->error), "Judge0 rejected the submission (HTTP 422): %s",
			 err);
		return -1;
	}
	if (hr != HTTP_OK) {
		fail_from_http(hr, err, run->out);
		return -1;
	}
	rc = judge0_parse_tokens(run->body.data, run->body.len, count, run->tokens + first, err, sizeof(err));
	for (size_t i = 0; i < count; i++)
		run->sent_at[first + i] = sv_time_mono_ms();
	if (rc < 0) {
		/* Garbage from a broken server is worth another try; a refusal is not. */
		run->out->status = rc == -1 ? EXEC_REJECTED : EXEC_FAILED;
		snprintf(run->out->error, sizeof(run->out->error), "%s%s",
			 rc == -1 ? "Judge0 rejected the submission: " : "", err);
		return -1;
	}
	return 0;
}

/* Sends test at to Judge0 again: it forgot the token or lost it from its queue (what says which).
 * 0, or -1 with run->out set (beyond --judge0-resubmits the judgement fails). */
static int resend(judge0_job *run, size_t at, const char *what)
{
	const worker_config *cfg = run->st->cfg;

	if (run->resubmits >= cfg->judge0_resubmits) {
		run->out->status = EXEC_FAILED;
		snprintf(
		    run->out->error, sizeof(run->out->error),
		    "Judge0 lost test %zu's submission again after %d re-submission(s) (--judge0-resubmits): it %s",
		    at + 1, run->resubmits, what);
		return -1;
	}
	run->resubmits++;
	stats_add(STAT_JUDGE0_RESUBMITS, 1);
	sv_log(SV_LOG_WARNING, "Judge0 lost test %zu's submission (token %s): it %s; sending it again (%d of %d)",
	       at + 1, run->tokens[at], what, run->resubmits, cfg->judge0_resubmits);
	free(run->tokens[at]);
	run->tokens[at] = NULL;
	return create_batch(run, at, 1);
}

/* Whether Judge0's queue can explain a test waiting In Queue: 1 when GET /workers reports submissions
 * waiting, 0 when its queue is empty or it cannot say (then the token was lost from the queue). */
static int queue_explains(judge0_job *run, long *queued)
{
	struct curl_slist *headers = judge0_headers(run->st);
	char url[2048];
	long status;
	CURLcode rc;

	*queued = 0;
	snprintf(url, sizeof(url), "%s/workers", run->st->cfg->judge0_url);
	rc = judge0_perform(run->st, run->curl, url, NULL, headers, &run->body, &status);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK || status != 200 || judge0_parse_workers(run->body.data, run->body.len, queued) < 0)
		return 0;
	return *queued > 0;
}

/* Polls the unreported tests that have tokens, 20 per request. Tokens Judge0 no longer knows, and
 * tests In Queue beyond --judge0-stuck-seconds with Judge0's queue empty, are sent again. 0, or -1 with
 * run->out set. */
static int poll_results(judge0_job *run)
{
	const worker_config *cfg = run->st->cfg;
	char url[2048], err[400];
	long http_status = 0;
	int queue_known = 0, queue_busy = 0;
	long queued = 0;

	for (size_t first = run->reported; first < run->created; first += JUDGE0_BATCH_MAX) {
		size_t count = run->created - first < JUDGE0_BATCH_MAX ? run->created - first : JUDGE0_BATCH_MAX, used;
		judge0_result fresh[JUDGE0_BATCH_MAX];
		int again[JUDGE0_BATCH_MAX] = {0}; /* 1: forgotten, 2: stuck in the queue */
		http_result hr;

		used = (size_t)snprintf(url, sizeof(url),
					"%s/submissions/batch?base64_encoded=true&fields=token,stdout,stderr,"
					"status_id,time,memory,compile_output,message,exit_code,exit_signal&tokens=",
					cfg->judge0_url);
		for (size_t i = 0; i < count && used < sizeof(url); i++)
			if (run->tokens[first + i])
				used += (size_t)snprintf(url + used, sizeof(url) - used, "%s%s",
							 url[used - 1] == '=' ? "" : ",", run->tokens[first + i]);
		if (url[used - 1] == '=')
			continue; /* every test of this slice was skipped */
		hr = request(run->st, run->curl, url, NULL, run->req->cancel, &run->body, &http_status, err,
			     sizeof(err));
		if (hr != HTTP_OK) {
			fail_from_http(hr, err, run->out);
			return -1;
		}
		if (judge0_parse_results(run->body.data, run->body.len, count, run->limits.memory_limit, fresh, err,
					 sizeof(err)) < 0) {
			/* Garbage: count it like a failed request and poll again. */
			sv_log(SV_LOG_WARNING, "%s", err);
			stats_add(STAT_JUDGE0_RETRIES, 1);
			continue;
		}
		/* The answer lists the tokens asked for, in order: skipped tests were not asked for. */
		for (size_t i = 0, k = 0; i < count; i++) {
			size_t at = first + i;
			judge0_result *r;
			if (!run->tokens[at])
				continue;
			r = &fresh[k++];
			if (r->unknown && !run->done[at].present) {
				stats_add(STAT_JUDGE0_LOST_TOKENS, 1);
				again[i] = 1;
			} else if (r->present && r->run.status_id == JUDGE0_IN_QUEUE &&
				   sv_time_mono_ms() - run->sent_at[at] >= cfg->judge0_stuck_seconds * 1000.0) {
				if (!queue_known) {
					queue_busy = queue_explains(run, &queued);
					queue_known = 1;
				}
				if (queue_busy) {
					sv_log(SV_LOG_INFO,
					       "Judge0 test %zu In Queue for %d s behind %ld queued; waiting", at + 1,
					       cfg->judge0_stuck_seconds, queued);
					run->sent_at[at] = sv_time_mono_ms(); /* looked at again one period later */
				} else {
					stats_add(STAT_JUDGE0_STUCK, 1);
					again[i] = 2;
				}
			}
			if (r->present && r->run.status_id > JUDGE0_PROCESSING && !run->done[at].present &&
			    (!r->token || !strcmp(r->token, run->tokens[at])))
				run->done[at] = *r;
			else
				judge0_result_free(r);
		}
		for (size_t i = 0; i < count; i++)
			if (again[i] &&
			    resend(run, first + i,
				   again[i] == 1
				       ? "no longer knows the token (restarted with a fresh database?)"
				       : "stayed In Queue for --judge0-stuck-seconds while its queue was empty") < 0)
				return -1;
	}
	return 0;
}

/* Reports the finished tests in order. 1 when some were reported, 0 when none, -1 to stop (out set). */
static int report_ready(judge0_job *run, int ask)
{
	const exec_request *req = run->req;
	size_t before = run->reported;

	while (run->reported < run->created && (!run->tokens[run->reported] || run->done[run->reported].present)) {
		judge0_result *r = &run->done[run->reported];
		exec_test_result res;
		sv_verdict verdict = SV_VERDICT_NONE;
		verdict_map_outcome oc;

		if (!run->tokens[run->reported] || (ask && !req->should_run(req->baton, run->reported))) {
			run->reported++; /* skipped: no on_test call */
			continue;
		}
		memset(&res, 0, sizeof(res));
		oc = verdict_map_judge0(&r->run, &verdict, res.message, sizeof(res.message));
		if (r->run.status_id == JUDGE0_COMPILATION_ERROR) {
			run->out->status = EXEC_COMPILE_ERROR;
			run->out->compiler_output =
			    strdup(r->compile_output && *r->compile_output ? r->compile_output : "compilation failed");
			return -1;
		}
		if (oc == VERDICT_MAP_ERROR || oc == VERDICT_MAP_PENDING) {
			run->out->status = EXEC_FAILED;
			snprintf(run->out->error, sizeof(run->out->error), "Judge0 failed on test %zu: %s",
				 run->reported + 1, res.message[0] ? res.message : "internal error");
			return -1;
		}
		if (oc == VERDICT_MAP_FINAL && verdict == SV_VERDICT_TLE) {
			size_t at = run->reported;

			res.limit = verdict_map_judge0_limit(&r->run, r->time, run->limits.cpu_time_limit);
			/* Judge0 says nothing of waiting for a CPU: a wall-clock kill with little CPU runs again. */
			if (!strcmp(res.limit, VERDICT_MAP_LIMIT_WALL) &&
			    verdict_map_wall_kill(r->time, run->limits.cpu_time_limit, 0, -1) != WALL_KILL_OWN &&
			    run->reruns[at] < run->st->cfg->starved_reruns) {
				run->reruns[at]++;
				stats_add(STAT_STARVED_RERUNS, 1);
				sv_log(SV_LOG_NOTICE,
				       "Judge0 test %zu: wall clock ran out after %.3f s of CPU (limit %.3f s); "
				       "running it "
				       "again (%d of %d)",
				       at + 1, r->time, run->limits.cpu_time_limit, run->reruns[at],
				       run->st->cfg->starved_reruns);
				judge0_result_free(r);
				memset(r, 0, sizeof(*r));
				free(run->tokens[at]);
				run->tokens[at] = NULL;
				if (create_batch(run, at, 1) < 0)
					return -1;
				return run->reported > before;
			}
		}
		res.verdict = oc == VERDICT_MAP_CHECK ? SV_VERDICT_NONE : verdict;
		if (oc == VERDICT_MAP_CHECK)
			res.message[0] = '\0';
		res.time = r->time;
		res.memory = r->run.memory > 0 ? r->run.memory : 0;
		res.output = r->stdout_buf ? r->stdout_buf : "";
		res.output_len = r->stdout_len;
		res.stderr_head = r->stderr_buf;
		res.stderr_len = !r->stderr_buf ? 0 : r->stderr_len > STDERR_HEAD ? STDERR_HEAD : r->stderr_len;
		res.exit_code = r->run.has_exit_signal && r->run.exit_signal > 0 ? -1
				: r->run.has_exit_code                           ? r->run.exit_code
										 : 0;
		if (r->compile_output && *r->compile_output && !run->out->compiler_output)
			run->out->compiler_output = strdup(r->compile_output); /* warnings */
		if (req->on_test(req->baton, run->reported, &res)) {
			run->out->status = EXEC_CANCELLED;
			return -1;
		}
		run->reported++;
	}
	return run->reported > before;
}

/* Creates what may be created now: every test at once, or, when a failure may skip later tests,
 * the next test the worker still wants once every earlier one is reported. 0 or -1 (out set). */
static int create_next(judge0_job *run, int sequential)
{
	const exec_request *req = run->req;

	if (!sequential) {
		while (run->created < run->n) {
			size_t count =
			    run->n - run->created < JUDGE0_BATCH_MAX ? run->n - run->created : JUDGE0_BATCH_MAX;
			if (create_batch(run, run->created, count) < 0)
				return -1;
			run->created += count;
		}
		return 0;
	}
	while (run->created == run->reported && run->created < run->n) {
		if (!req->should_run(req->baton, run->created)) {
			run->created++;
			run->reported++;
			continue;
		}
		if (create_batch(run, run->created, 1) < 0)
			return -1;
		run->created++;
	}
	return 0;
}

static void judge0_judge(void *state, const exec_request *req, exec_outcome *out)
{
	judge0_state *st = state;
	const task_data *task = req->task;
	judge0_job run = {.st = st, .req = req, .out = out, .n = task->test_count};
	int sequential = may_skip(req);
	double waiting_since;
	unsigned poll_round = 0;

	memset(out, 0, sizeof(*out));
	if (task->validator == VALIDATOR_INTERACTIVE) {
		out->status = EXEC_REJECTED;
		snprintf(out->error, sizeof(out->error),
			 "interactive problems need the local executor (this worker runs --executor judge0)");
		return;
	}
	run.tokens = calloc(run.n ? run.n : 1, sizeof(char *));
	run.done = calloc(run.n ? run.n : 1, sizeof(judge0_result));
	run.reruns = calloc(run.n ? run.n : 1, sizeof(int));
	run.sent_at = calloc(run.n ? run.n : 1, sizeof(double));
	run.curl = curl_easy_init();
	if (!run.tokens || !run.done || !run.reruns || !run.sent_at || !run.curl) {
		out->status = EXEC_FAILED;
		snprintf(out->error, sizeof(out->error), "out of memory");
		goto cleanup;
	}
	judge0_limits_from_task(task_cpu_limit_ms(task, req->language_id), task_wall_limit_ms(task, req->language_id),
				task->memory_limit_kb, task->output_limit_kb, &run.limits);
	out->cpu_limit = run.limits.cpu_time_limit;
	out->wall_limit = run.limits.wall_time_limit;
	waiting_since = sv_time_mono_ms();

	/* Poll with back-off; report tests in order as they finish. */
	for (;;) {
		long delay;
		int rc;

		if (create_next(&run, sequential) < 0)
			goto cleanup;
		if (run.reported >= run.n)
			break;
		if (poll_results(&run) < 0 || (rc = report_ready(&run, !sequential && req->should_run)) < 0)
			goto cleanup;
		if (run.reported >= run.n)
			break;
		if (rc > 0) {
			poll_round = 0; /* results are flowing: look again soon */
			waiting_since = sv_time_mono_ms();
			if (run.created == run.reported)
				continue; /* the next test can be sent at once */
		}
		if (sv_time_mono_ms() - waiting_since > st->cfg->judge0_max_wait * 1000.0) {
			out->status = EXEC_FAILED;
			snprintf(out->error, sizeof(out->error), "Judge0 did not finish within %d s",
				 st->cfg->judge0_max_wait);
			goto cleanup;
		}
		delay = sv_backoff_delay_ms(st->cfg->judge0_poll_min_ms, st->cfg->judge0_poll_max_ms, poll_round++);
		if (sv_sleep_ms(sv_backoff_jitter_ms(delay, (unsigned long)random()), req->cancel) < 0) {
			out->status = EXEC_CANCELLED;
			goto cleanup;
		}
	}
	out->status = EXEC_DONE;
cleanup:
	for (size_t i = 0; run.tokens && i < run.n; i++)
		free(run.tokens[i]);
	for (size_t i = 0; run.done && i < run.n; i++)
		judge0_result_free(&run.done[i]);
	free(run.tokens);
	free(run.done);
	free(run.reruns);
	free(run.sent_at);
	free(run.body.data);
	if (run.curl)
		curl_easy_cleanup(run.curl);
}

const executor_ops executor_judge0 = {
    .name = "judge0",
    .open = judge0_open,
    .close = judge0_close,
    .language_ok = judge0_language_ok,
    .judge = judge0_judge,
    .wait_ready = judge0_wait_ready,
};
