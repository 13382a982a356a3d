/* The judge0 executor: a Judge0 CE 1.13 server over HTTP (reference/judge0-api.md). Every test is a
 * Judge0 submission (Judge0 cannot compile once for several inputs), created with POST
 * /submissions/batch (at most 20 per call) and polled with GET /submissions/batch with back-off.
 * Always base64_encoded=true. 503 and network errors are retried within --judge0-retry-budget;
 * 422 and other refusals are reported as they are. Judge0's own comparison is not used. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "judge0_codec.h"
#include "sv_log.h"
#include "sv_time.h"
#include "verdict_map.h"
#include "sv_daemon.h"
#include "worker_stats.h"

typedef struct {
	const worker_config *cfg;
	char auth[512]; /* "Header: token", or "" */
} judge0_state;

typedef struct {
	char *data;
	size_t len, cap;
} buffer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	buffer *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *grown = realloc(b->data, cap);
		if (!grown)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int judge0_open(const worker_config *cfg, void **state, char *err, size_t errlen)
{
	judge0_state *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->cfg = cfg;
	if (*cfg->judge0_token)
		snprintf(st->auth, sizeof(st->auth), "%s: %s", cfg->judge0_auth_header, cfg->judge0_token);
	sv_log(SV_LOG_INFO, "judge0 executor: %s%s", cfg->judge0_url, *st->auth ? " (with token)" : "");
	*state = st;
	return 0;
}

static void judge0_close(void *state)
{
	free(state);
}

static int judge0_language_ok(void *state, int language_id, char *err, size_t errlen)
{
	if (judge0_language_known(language_id))
		return 1;
	snprintf(err, errlen, "language %d is not a Judge0 CE 1.13 language", language_id);
	return 0;
}

typedef enum {
	HTTP_OK,        /* 2xx, body in the buffer */
	HTTP_RETRY,     /* 503, 5xx, network: retry within the budget */
	HTTP_REFUSED,   /* 4xx: give up with the reason */
	HTTP_CANCELLED, /* the judgement was cancelled while retrying */
} http_result;

/* One request with retries: POST when body is set, else GET. */
static http_result request(judge0_state *st, CURL *curl, const char *url, const char *body, double deadline,
			   const volatile int *cancel, buffer *out, long *http_status, char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	unsigned attempt = 0;
	http_result result;

	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	if (*st->auth)
		headers = curl_slist_append(headers, st->auth);
	for (;;) {
		long status = 0;
		CURLcode rc;

		out->len = 0;
		if (out->data)
			out->data[0] = '\0';
		curl_easy_reset(curl);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)st->cfg->judge0_timeout_ms);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		if (body) {
			curl_easy_setopt(curl, CURLOPT_POST, 1L);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		}
		rc = curl_easy_perform(curl);
		if (rc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		*http_status = status;
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			result = HTTP_OK;
			break;
		}
		if (rc != CURLE_OK)
			snprintf(err, errlen, "Judge0 unreachable: %s", curl_easy_strerror(rc));
		else
			snprintf(err, errlen, "Judge0 answered HTTP %ld: %.300s", status,
				 out->len ? out->data : (status == 401 || status == 403 ? "(token refused)" : ""));
		if (rc == CURLE_OK && status < 500) {
			result = HTTP_REFUSED;
			break;
		}
		if (sv_time_mono_ms() >= deadline) {
			result = HTTP_RETRY;
			break;
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

static void judge0_judge(void *state, const exec_request *req, exec_outcome *out)
{
	judge0_state *st = state;
	const task_data *task = req->task;
	size_t n = task->test_count, reported = 0;
	char **tokens = calloc(n ? n : 1, sizeof(char *));
	judge0_result *done = calloc(n ? n : 1, sizeof(judge0_result));
	char url[2048], err[400];
	buffer body = {0};
	judge0_limits limits;
	CURL *curl = curl_easy_init();
	double start = sv_time_mono_ms(), deadline = start + st->cfg->judge0_retry_budget * 1000.0;
	unsigned poll_round = 0;
	long http_status = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!tokens || !done || !curl) {
		out->status = EXEC_FAILED;
		snprintf(out->error, sizeof(out->error), "out of memory");
		goto cleanup;
	}
	judge0_limits_from_task(task->time_limit_ms, task->memory_limit_kb, &limits);

	/* Create every test's submission, 20 per request. */
	for (size_t first = 0; first < n; first += JUDGE0_BATCH_MAX) {
		size_t count = n - first < JUDGE0_BATCH_MAX ? n - first : JUDGE0_BATCH_MAX;
		const char *inputs[JUDGE0_BATCH_MAX];
		size_t lens[JUDGE0_BATCH_MAX];
		char *json;
		http_result hr;

		for (size_t i = 0; i < count; i++) {
			inputs[i] = task->tests[first + i].input;
			lens[i] = task->tests[first + i].input_len;
		}
		json = judge0_batch_body(req->language_id, req->code, req->code_len, inputs, lens, count, &limits);
		snprintf(url, sizeof(url), "%s/submissions/batch?base64_encoded=true", st->cfg->judge0_url);
		hr = json ? request(st, curl, url, json, deadline, req->cancel, &body, &http_status, err, sizeof(err))
			  : HTTP_RETRY;
		free(json);
		if (hr == HTTP_REFUSED && http_status == 422 &&
		    judge0_parse_tokens(body.data, body.len, count, tokens + first, err, sizeof(err)) < 0) {
			/* Validation errors: say what Judge0 objected to, in its words. */
			out->status = EXEC_REJECTED;
			snprintf(out->error, sizeof(out->error), "Judge0 rejected the submission (HTTP 422): %s", err);
			goto cleanup;
		}
		if (hr != HTTP_OK) {
			fail_from_http(hr, err, out);
			goto cleanup;
		}
		rc = judge0_parse_tokens(body.data, body.len, count, tokens + first, err, sizeof(err));
		if (rc < 0) {
			/* Garbage from a broken server is worth another try; a refusal is not. */
			out->status = rc == -1 ? EXEC_REJECTED : EXEC_FAILED;
			snprintf(out->error, sizeof(out->error), "%s%s",
				 rc == -1 ? "Judge0 rejected the submission: " : "", err);
			goto cleanup;
		}
	}

	/* Poll with back-off; report tests in order as they finish. */
	while (reported < n) {
		size_t reported_before = reported;
		long delay;

		for (size_t first = reported; first < n; first += JUDGE0_BATCH_MAX) {
			size_t count = n - first < JUDGE0_BATCH_MAX ? n - first : JUDGE0_BATCH_MAX, used;
			judge0_result fresh[JUDGE0_BATCH_MAX];
			http_result hr;

			used = (size_t)snprintf(
			    url, sizeof(url),
			    "%s/submissions/batch?base64_encoded=true&fields=token,stdout,stderr,"
			    "status_id,time,memory,compile_output,message,exit_code,exit_signal&tokens=",
			    st->cfg->judge0_url);
			for (size_t i = 0; i < count && used < sizeof(url); i++)
				used += (size_t)snprintf(url + used, sizeof(url) - used, "%s%s", i ? "," : "",
							 tokens[first + i]);
			/* A poll that fails is retried within the same budget as the creation. */
			hr = request(st, curl, url, NULL, sv_time_mono_ms() + st->cfg->judge0_retry_budget * 1000.0,
				     req->cancel, &body, &http_status, err, sizeof(err));
			if (hr != HTTP_OK) {
				fail_from_http(hr, err, out);
				goto cleanup;
			}
			if (judge0_parse_results(body.data, body.len, count, limits.memory_limit, fresh, err,
						 sizeof(err)) < 0) {
				/* Garbage: count it like a failed request and poll again. */
				sv_log(SV_LOG_WARNING, "%s", err);
				stats_add(STAT_JUDGE0_RETRIES, 1);
				continue;
			}
			for (size_t i = 0; i < count; i++) {
				judge0_result *r = &fresh[i];
				size_t at = first + i;
				if (r->present && r->run.status_id > JUDGE0_PROCESSING && !done[at].present &&
				    (!r->token || !strcmp(r->token, tokens[at])))
					done[at] = *r;
				else
					judge0_result_free(r);
			}
		}
		while (reported < n && done[reported].present) {
			judge0_result *r = &done[reported];
			exec_test_result res;
			sv_verdict verdict = SV_VERDICT_NONE;
			verdict_map_outcome oc;

			memset(&res, 0, sizeof(res));
			oc = verdict_map_judge0(&r->run, &verdict, res.message, sizeof(res.message));
			if (r->run.status_id == JUDGE0_COMPILATION_ERROR) {
				out->status = EXEC_COMPILE_ERROR;
				out->compiler_output = strdup(
				    r->compile_output && *r->compile_output ? r->compile_output : "compilation failed");
				goto cleanup;
			}
			if (oc == VERDICT_MAP_ERROR || oc == VERDICT_MAP_PENDING) {
				out->status = EXEC_FAILED;
				snprintf(out->error, sizeof(out->error), "Judge0 failed on test %zu: %s", reported + 1,
					 res.message[0] ? res.message : "internal error");
				goto cleanup;
			}
			res.verdict = oc == VERDICT_MAP_CHECK ? SV_VERDICT_NONE : verdict;
			if (oc == VERDICT_MAP_CHECK)
				res.message[0] = '\0';
			res.time = r->time;
			res.memory = r->run.memory > 0 ? r->run.memory : 0;
			res.output = r->stdout_buf ? r->stdout_buf : "";
			res.output_len = r->stdout_len;
			if (reported == 0 && r->compile_output && *r->compile_output && !out->compiler_output)
				out->compiler_output = strdup(r->compile_output); /* warnings */
			if (req->on_test(req->baton, reported, &res)) {
				out->status = EXEC_CANCELLED;
				goto cleanup;
			}
			reported++;
		}
		if (reported >= n)
			break;
		if (reported > reported_before)
			poll_round = 0; /* results are flowing: look again soon */
		if (sv_time_mono_ms() - start > st->cfg->judge0_max_wait * 1000.0) {
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
	for (size_t i = 0; tokens && i < n; i++)
		free(tokens[i]);
	for (size_t i = 0; done && i < n; i++)
		judge0_result_free(&done[i]);
	free(tokens);
	free(done);
	free(body.data);
	if (curl)
		curl_easy_cleanup(curl);
}

const executor_ops executor_judge0 = {
    .name = "judge0",
    .open = judge0_open,
    .close = judge0_close,
    .language_ok = judge0_language_ok,
    .judge = judge0_judge,
};
