#ifndef JUDGE0_HTTP_H
#define JUDGE0_HTTP_H

#include <pthread.h>
#include <stddef.h>

#include <curl/curl.h>

#include "worker_config.h"

/* Judge0 over HTTP for the judge0 executor (executor_judge0.c): one exchange with no retry, the checks
 * of Judge0 (GET /about, POST /authenticate), and its health: up, or down during an outage, shared by
 * the judging threads and a checker thread that probes Judge0 while it is down (doc/judge-worker.8,
 * "Judge0 outages"). The outage's start and end are logged once each, whichever thread sees them. */

typedef struct {
	const worker_config *cfg;
	char auth[512]; /* "Header: token", or "" */
	/* Judge0's health, shared by the judging threads and the checker thread. */
	pthread_mutex_t lock;
	int up;            /* 0 during an outage */
	double down_since; /* monotonic ms */
	pthread_t checker;
	int checker_started;
	volatile int stop; /* the checker ends */
} judge0_state;

typedef struct {
	char *data;
	size_t len, cap;
} judge0_buffer;

typedef enum {
	JUDGE0_CHECK_OK,
	JUDGE0_CHECK_DOWN,       /* no answer, or 5xx: an outage */
	JUDGE0_CHECK_TOKEN,      /* 401/403: the token is wrong (or missing) */
	JUDGE0_CHECK_NOT_JUDGE0, /* something answers, but not as Judge0 does */
} judge0_check_result;

/* Checks the URL and the token before the first submission and starts the checker thread. A wrong
 * token or a server that is not Judge0 is -1 with err naming the option to fix; an unreachable one is
 * logged and 0: the state starts down and the checker probes it with back-off. */
int judge0_state_open(const worker_config *cfg, judge0_state **state, char *err, size_t errlen);

/* Stops and joins the checker thread, frees the state. */
void judge0_state_close(judge0_state *st);

/* The request headers: JSON both ways and the token (curl_slist_free_all them). */
struct curl_slist *judge0_headers(const judge0_state *st);

/* One HTTP exchange, no retry: POST when body is set, else GET; the answer in out. *status is 0
 * without an answer. */
CURLcode judge0_perform(const judge0_state *st, CURL *curl, const char *url, const char *body,
			struct curl_slist *headers, judge0_buffer *out, long *status);

/* "Judge0 unreachable: ..." or "Judge0 answered HTTP n: body" into err. */
void judge0_describe(CURLcode rc, long status, const judge0_buffer *out, char *err, size_t errlen);

/* GET /about and, when full, POST /authenticate (counted in judge0_checks_failed when they fail). */
judge0_check_result judge0_check(const judge0_state *st, CURL *curl, int full, judge0_buffer *body, char *version,
				 size_t versionlen, char *err, size_t errlen);

int judge0_is_up(judge0_state *st);

/* The outage begins (why is logged, once per outage) / ends (logged once). */
void judge0_set_down(judge0_state *st, const char *why);
void judge0_set_up(judge0_state *st);

/* Waits while Judge0 is down: 0 once it is up, -1 when cancel was set (or the state closes) first. */
int judge0_wait_up(judge0_state *st, const volatile int *cancel);

#endif
