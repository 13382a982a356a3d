#ifndef EXECUTOR_H
#define EXECUTOR_H

#include <stddef.h>

#include "sv_verdict.h"
#include "task_data.h"
#include "worker_config.h"

/* Where submitted programs run, behind one small vtable chosen by --executor (the mod_tile
 * storage-backend pattern). An executor compiles once if it can and runs every test in order,
 * reporting each run through the request's callback; the worker checks outputs, scores and reports. */

typedef struct {
	/* SV_VERDICT_NONE: the program ran cleanly, check its output. Else TLE, MLE, RE or OLE. */
	sv_verdict verdict;
	double time;        /* CPU seconds */
	const char *limit;  /* TLE: VERDICT_MAP_LIMIT_CPU or _WALL (verdict_map.h); NULL otherwise */
	long long memory;   /* KB */
	const char *output; /* stdout, valid during the callback only */
	size_t output_len;
	char message[256]; /* why it failed ("killed by signal 11 (SIGSEGV)"), "" otherwise */
	/* Interactive tasks: the executor ran the validator with the program, so the verdict is final
	 * (AC, WA, or the program's own TLE/MLE/RE/OLE) and the worker does not check the output. */
	int checked;
	int has_score; /* checked: the validator's score.txt */
	double score;
	const char *judge_message; /* checked: the validator's judgemessage.txt (staff only); NULL: none */
	const char *team_message;  /* checked: its teammessage.txt; NULL: none */
	/* For staff: the head of the program's stderr and its exit code (-1: killed by a signal). */
	const char *stderr_head;
	size_t stderr_len;
	int exit_code;
} exec_test_result;

typedef struct validator_cache validator_cache; /* validator.h */

typedef struct {
	int language_id;
	const char *code;
	size_t code_len;
	const task_data *task;
	/* Asked before each test, in test order: 0 skips it (not run, no on_test call; pass-fail tasks
	 * stop at the first failure, 'break' groups at theirs). NULL: every test runs. An executor that runs
	 * tests at once asks again when a result is due, in test order, and drops the run on a 0 (an earlier
	 * test's failure decided): the answers may only turn from 1 to 0 as results are recorded. */
	int (*should_run)(void *baton, size_t index);
	/* Called once per test that ran, in test order, from the thread that called judge (never two at
	 * once). A non-zero return stops the judgement (EXEC_CANCELLED). */
	int (*on_test)(void *baton, size_t index, const exec_test_result *result);
	void *baton;
	const volatile int *cancel;  /* non-zero: stop as soon as possible (shutdown, rebalance) */
	validator_cache *validators; /* compiled validators of custom and interactive tasks; may be NULL */
} exec_request;

typedef enum {
	EXEC_DONE = 0,      /* every test was reported */
	EXEC_COMPILE_ERROR, /* compiler_output says why; no test was run */
	/* The executor failed (sandbox error, Judge0 failing this submission while it answers otherwise, a
	 * compiler or a test starved of CPU by the host): retry later, then report the submission failed,
	 * never CE or TLE. A Judge0 outage is not a failure: the judgement waits for Judge0. */
	EXEC_FAILED,
	EXEC_REJECTED, /* the executor refuses this submission for good (Judge0 422): report failed */
	EXEC_CANCELLED,
} exec_status;

typedef struct {
	exec_status status;
	char *compiler_output; /* malloc'd or NULL; set for CE, may be set for DONE (warnings) */
	char error[512];       /* for FAILED and REJECTED */
	double cpu_limit;      /* seconds per test as applied (0: not said), for the log */
	double wall_limit;
} exec_outcome;

typedef struct {
	const char *name;
	int (*open)(const worker_config *cfg, void **state, char *err, size_t errlen);
	void (*close)(void *state);
	/* 1 when the language can be judged; 0 with the reason in err. */
	int (*language_ok)(void *state, int language_id, char *err, size_t errlen);
	/* Thread-safe: several submissions are judged at once. */
	void (*judge)(void *state, const exec_request *req, exec_outcome *out);
	/* Waits while the service the executor runs programs on is down (a Judge0 outage): the job is
	 * then neither started nor failed, and its offset not committed. 0 when ready, -1 when cancel was
	 * set first. NULL: always ready (the local sandbox). */
	int (*wait_ready)(void *state, const volatile int *cancel);
} executor_ops;

/* "local" or "judge0"; NULL for an unknown name. */
const executor_ops *executor_find(const char *name);

extern const executor_ops executor_local;
extern const executor_ops executor_judge0;

#endif
