#ifndef EXECUTOR_LOCAL_H
#define EXECUTOR_LOCAL_H

/* The local executor's own parts (executor_local.c, executor_lanes.c): not for other callers. */

#include "executor.h"
#include "validator.h"

#include "sandbox/sandbox.h"

typedef struct core_budget core_budget;     /* worker_cores.h */
typedef struct compile_cache compile_cache; /* compile_cache.h */

/* Tests of one submission at once when the executor is opened without a configuration (the drivers). */
#define LOCAL_PARALLEL_TESTS_DEFAULT 8

/* How the tests run: local_judge_test on boxes from sv_sandbox_share; other functions in the unit tests of
 * the scheduling (tests/unit/check_lanes.c). */
typedef struct {
	int (*judge_test)(const exec_request *req, sv_sandbox_box *box, const sv_sandbox_limits *limits, size_t index,
			  int reruns, sv_run_result *run, validator_result *vr, exec_test_result *res,
			  exec_outcome *out);
	int (*share)(sv_sandbox_box *prepared, sv_sandbox_box **out, char *err, size_t errlen);
	void (*destroy)(sv_sandbox_box *box);
} local_runner;

typedef struct {
	sv_sandbox *sb;
	int starved_reruns;  /* --starved-reruns */
	int parallel_tests;  /* --parallel-tests */
	core_budget *budget; /* --cores, shared by every judgement of the process */
	const local_runner *runner;
	compile_cache *compiled; /* --compile-cache; NULL: off */
} local_state;

extern const local_runner local_sandbox_runner;

/* Runs test index in box until its verdict is the program's own: a wall-clock kill with little CPU is run
 * again up to reruns times (verdict_map_wall_kill). 0 with res set; -1 with out->error, the status
 * EXEC_FAILED either way (the executor failed, or the host starved the test in every run). Only
 * out->error is written. Thread-safe for distinct boxes. */
int local_judge_test(const exec_request *req, sv_sandbox_box *box, const sv_sandbox_limits *limits, size_t index,
		     int reruns, sv_run_result *run, validator_result *vr, exec_test_result *res, exec_outcome *out);

/* Runs the tests req asks for on the prepared box (and on boxes shared from it for tests run at once),
 * calling req's callbacks from the calling thread only, in test order: should_run before a test starts
 * and again when its result is due (0 then: the run is dropped, as if it had never started), on_test for
 * each test that ran. Returns EXEC_DONE, EXEC_FAILED (out->error says why) or EXEC_CANCELLED. */
exec_status local_run_tests(local_state *st, const exec_request *req, sv_sandbox_box *prepared,
			    const sv_sandbox_limits *limits, exec_outcome *out);

#endif
