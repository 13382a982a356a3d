/* Judge0 over HTTP for the judge0 executor: one exchange, the checks, and the outage state the
 * judging threads and the checker thread share (judge0_http.h). */
#include "judge0_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge0_codec.h"
#include "sv_daemon.h"
#include "sv_log.h"
#include "sv_time.h"
#include "worker_queue.h"
#include "worker_stats.h"

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	judge0_buffer *b = userdata;
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

struct curl_slist *judge0_headers(const judge0_state *st)
{
	struct curl_slist *headers = NULL;

	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/json");
	if (*st->auth)
		headers = curl_slist_append(headers, st->auth);
	return headers;
}

/* One HTTP exchange, no retry: POST when body is set, else GET. *status is 0 without an answer. */
CURLcode judge0_perform(const judge0_state *st, CURL *curl, const char *url, const char *body,
			struct curl_slist *headers, judge0_buffer *out, long *status)
{
	CURLcode rc;

	*status = 0;
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
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	return rc;
}

void judge0_describe(CURLcode rc, long status, const judge0_buffer *out, char *err, size_t errlen)
{
	if (rc != CURLE_OK)
		snprintf(err, errlen, "Judge0 unreachable: %s", curl_easy_strerror(rc));
	else
		snprintf(err, errlen, "Judge0 answered HTTP %ld: %.300s", status,
			 out->len ? out->data : (status == 401 || status == 403 ? "(token refused)" : ""));
}

/* GET /about (is it Judge0? Judge0 authenticates it too) and, when full, POST /authenticate (is the
 * token good?); err says what failed, naming the option to fix. version gets Judge0's version. */
judge0_check_result judge0_check(const judge0_state *st, CURL *curl, int full, judge0_buffer *body, char *version,
				 size_t versionlen, char *err, size_t errlen)
{
	static const char *const paths[] = {"/about", "/authenticate"};
	struct curl_slist *headers = judge0_headers(st);
	judge0_check_result result = JUDGE0_CHECK_OK;

	for (size_t i = 0; i < (full ? 2u : 1u) && result == JUDGE0_CHECK_OK; i++) {
		char url[2048];
		long status;
		CURLcode rc;

		snprintf(url, sizeof(url), "%s%s", st->cfg->judge0_url, paths[i]);
		rc = judge0_perform(st, curl, url, i ? "" : NULL, headers, body, &status);
		if (rc != CURLE_OK || status >= 500) {
			judge0_describe(rc, status, body, err, errlen);
			result = JUDGE0_CHECK_DOWN;
		} else if (status == 401 || status == 403) {
			if (*st->auth)
				snprintf(err, errlen,
					 "Judge0 at %s refused the token (HTTP %ld to %s %s): check --judge0-token / "
					 "SOLVEIT_JUDGE0_TOKEN and --judge0-auth-header / SOLVEIT_JUDGE0_AUTH_HEADER "
					 "(%s)",
					 st->cfg->judge0_url, status, i ? "POST" : "GET", paths[i],
					 st->cfg->judge0_auth_header);
			else
				snprintf(err, errlen,
					 "Judge0 at %s wants a token (HTTP %ld to %s %s): set SOLVEIT_JUDGE0_TOKEN "
					 "(--judge0-token) to one of its AUTHN_TOKEN",
					 st->cfg->judge0_url, status, i ? "POST" : "GET", paths[i]);
			result = JUDGE0_CHECK_TOKEN;
		} else if (status != 200 ||
			   (i == 0 && judge0_parse_about(body->data, body->len, version, versionlen) < 0)) {
			snprintf(err, errlen,
				 "%s does not answer as Judge0 CE does (%s %s: HTTP %ld %.80s): check --judge0-url / "
				 "SOLVEIT_JUDGE0_URL",
				 st->cfg->judge0_url, i ? "POST" : "GET", paths[i], status,
				 body->len ? body->data : "");
			result = JUDGE0_CHECK_NOT_JUDGE0;
		}
	}
	curl_slist_free_all(headers);
	if (result != JUDGE0_CHECK_OK)
		stats_add(STAT_JUDGE0_CHECKS_FAILED, 1);
	return result;
}

int judge0_is_up(judge0_state *st)
{
	int up;

	pthread_mutex_lock(&st->lock);
	up = st->up;
	pthread_mutex_unlock(&st->lock);
	return up;
}

/* Nothing more is started or taken from Kafka while Judge0 is down (worker_queue.h). */
static void hold_consumption(const judge0_state *st)
{
	char why[2200];

	snprintf(why, sizeof(why), "Judge0 at %s is down", st->cfg->judge0_url);
	wq_hold(why);
}

/* The outage begins: logged once, whichever thread sees it first. */
void judge0_set_down(judge0_state *st, const char *why)
{
	int was_up;

	pthread_mutex_lock(&st->lock);
	was_up = st->up;
	if (was_up) {
		st->up = 0;
		st->down_since = sv_time_mono_ms();
	}
	pthread_mutex_unlock(&st->lock);
	if (!was_up)
		return;
	stats_set(STAT_JUDGE0_UP, 0);
	stats_add(STAT_JUDGE0_OUTAGES, 1);
	sv_log(SV_LOG_ERR,
	       "Judge0 outage began: %s; submissions wait, neither judged nor failed nor committed, until it "
	       "answers again",
	       why);
	hold_consumption(st);
}

void judge0_set_up(judge0_state *st)
{
	double since = 0;
	int was_down;

	pthread_mutex_lock(&st->lock);
	was_down = !st->up;
	if (was_down) {
		st->up = 1;
		since = st->down_since;
	}
	pthread_mutex_unlock(&st->lock);
	if (!was_down)
		return;
	stats_set(STAT_JUDGE0_UP, 1);
	sv_log(SV_LOG_NOTICE, "Judge0 outage ended: %s answers again after %.0f s; judging resumes",
	       st->cfg->judge0_url, (sv_time_mono_ms() - since) / 1000.0);
	wq_release();
}

/* Waits while Judge0 is down. 0 once it is up, -1 when cancelled first. */
int judge0_wait_up(judge0_state *st, const volatile int *cancel)
{
	while (!judge0_is_up(st))
		if (st->stop || sv_sleep_ms(200, cancel) < 0)
			return -1;
	return 0;
}

/* Sleeps ms, waking early when the checker stops or Judge0 goes down meanwhile (then it is probed at
 * once). -1 when stopped. */
static int checker_sleep(judge0_state *st, long ms, int up)
{
	for (long slept = 0; slept < ms; slept += 100) {
		if (sv_sleep_ms(ms - slept < 100 ? ms - slept : 100, &st->stop) < 0)
			return -1;
		if (up && !judge0_is_up(st))
			return 0;
	}
	return 0;
}

/* The checker thread: GET /about every --judge0-check-interval while Judge0
 * answers; with back-off up to that while it does not. A failing check makes an outage only after
 * --judge0-retry-budget of failures (a blip is not an outage), a refused token at once. */
static void *checker_main(void *arg)
{
	judge0_state *st = arg;
	CURL *curl = curl_easy_init();
	judge0_buffer body = {NULL, 0, 0};
	judge0_check_result last = JUDGE0_CHECK_OK;
	double failing_since = 0;
	unsigned attempt = 0;

	while (curl && !st->stop) {
		long interval = st->cfg->judge0_check_interval * 1000L;
		int up = judge0_is_up(st);
		char err[700], version[64];
		judge0_check_result rc;

		if (checker_sleep(
			st, up && last == JUDGE0_CHECK_OK ? interval : sv_backoff_delay_ms(200, interval, attempt++),
			up) < 0)
			break;
		rc = judge0_check(st, curl, 0, &body, version, sizeof(version), err, sizeof(err));
		if (rc == JUDGE0_CHECK_OK) {
			attempt = 0;
			failing_since = 0;
			judge0_set_up(st);
		} else {
			if (failing_since == 0)
				failing_since = sv_time_mono_ms();
			if (rc != last)
				sv_log(SV_LOG_WARNING, "Judge0 check failed: %s", err);
			if (rc != JUDGE0_CHECK_DOWN ||
			    sv_time_mono_ms() - failing_since >= st->cfg->judge0_retry_budget * 1000.0)
				judge0_set_down(st, err);
		}
		last = rc;
	}
	free(body.data);
	if (curl)
		curl_easy_cleanup(curl);
	return NULL;
}

/* Checks Judge0 before the first submission: a wrong token or a server that is not Judge0 stops the
 * worker (configuration no retry can fix); an unreachable one does not (Judge0 may start after the
 * worker), the submissions wait for it. */
int judge0_state_open(const worker_config *cfg, judge0_state **state, char *err, size_t errlen)
{
	judge0_state *st = calloc(1, sizeof(*st));
	judge0_buffer body = {NULL, 0, 0};
	char version[64] = "", why[700];
	judge0_check_result rc = JUDGE0_CHECK_DOWN;
	CURL *curl;

	if (!st || !(curl = curl_easy_init())) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->cfg = cfg;
	pthread_mutex_init(&st->lock, NULL);
	if (*cfg->judge0_token)
		snprintf(st->auth, sizeof(st->auth), "%s: %s", cfg->judge0_auth_header, cfg->judge0_token);
	rc = judge0_check(st, curl, 1, &body, version, sizeof(version), why, sizeof(why));
	curl_easy_cleanup(curl);
	free(body.data);
	if (rc == JUDGE0_CHECK_TOKEN || rc == JUDGE0_CHECK_NOT_JUDGE0) {
		snprintf(err, errlen, "%s", why);
		pthread_mutex_destroy(&st->lock);
		free(st);
		return -1;
	}
	st->up = rc == JUDGE0_CHECK_OK;
	stats_set(STAT_JUDGE0_UP, st->up);
	if (st->up) {
		sv_log(SV_LOG_INFO, "judge0 executor: %s, Judge0 %s%s", cfg->judge0_url, version,
		       *st->auth ? " (token accepted)" : " (no token)");
		if (strncmp(version, "1.13.", 5) != 0)
			sv_log(SV_LOG_WARNING, "judge0 executor: %s runs Judge0 %s; this worker speaks 1.13's API",
			       cfg->judge0_url, version);
	} else {
		st->down_since = sv_time_mono_ms();
		stats_add(STAT_JUDGE0_OUTAGES, 1);
		sv_log(SV_LOG_ERR,
		       "judge0 executor: cannot reach Judge0 at --judge0-url / SOLVEIT_JUDGE0_URL %s (%s); starting "
		       "anyway: submissions wait until it answers, it is checked again with back-off",
		       cfg->judge0_url, why);
		hold_consumption(st);
	}
	if (pthread_create(&st->checker, NULL, checker_main, st) == 0)
		st->checker_started = 1;
	else
		sv_log(SV_LOG_WARNING, "judge0 executor: no checker thread; Judge0 is checked only by requests");
	*state = st;
	return 0;
}

void judge0_state_close(judge0_state *st)
{

	if (!st)
		return;
	st->stop = 1;
	if (st->checker_started)
		pthread_join(st->checker, NULL);
	pthread_mutex_destroy(&st->lock);
	free(st);
}