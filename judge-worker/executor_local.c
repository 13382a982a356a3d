/* The local executor: the built-in sandbox (judge-worker/sandbox/sandbox.h). Compiles once, inside
 * the sandbox, with the task's compile limits, then runs the tests the worker asks for on a fresh work
 * directory with the task's limits (the language's time factor applied), several at once when cores of
 * the worker's budget are idle (executor_lanes.c), reported in test order. Interactive tasks run each
 * test together with the task's validator (validator.h) and report checked results. */
#include "executor_local.h"

#include "compile_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"
#include "validator.h"
#include "verdict_map.h"
#include "worker_cores.h"
#include "worker_stats.h"

static int local_open(const worker_config *cfg, void **state, char *err, size_t errlen)
{
	local_state *st = calloc(1, sizeof(*st));

	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Paths, mode and uids come from the sandbox's own SOLVEIT_SANDBOX_* / SOLVEIT_LANGUAGES variables. */
	if (sv_sandbox_open(NULL, &st->sb, err, errlen) < 0) {
		free(st);
		return -1;
	}
	st->starved_reruns = cfg ? cfg->starved_reruns : 2;
	st->parallel_tests = cfg ? cfg->parallel_tests : LOCAL_PARALLEL_TESTS_DEFAULT;
	st->runner = &local_sandbox_runner;
	if (!(st->budget = core_budget_new(cfg ? cfg->cores : worker_cores_detect()))) {
		snprintf(err, errlen, "out of memory");
		sv_sandbox_close(st->sb);
		free(st);
		return -1;
	}
	if (cfg &&
	    compile_cache_open(cfg->compile_cache_dir, cfg->compile_cache_max_bytes, &st->compiled, err, errlen) < 0) {
		core_budget_free(st->budget);
		sv_sandbox_close(st->sb);
		free(st);
		return -1;
	}
	sv_log(SV_LOG_INFO,
	       "local executor: sandbox limit mode %s; %d core(s) shared by the judgements, up to %d test(s) of a "
	       "submission at once on idle ones",
	       sv_sandbox_mode_name(sv_sandbox_mode_get(st->sb)), core_budget_total(st->budget), st->parallel_tests);
	*state = st;
	return 0;
}

static void local_close(void *state)
{
	local_state *st = state;

	compile_cache_close(st->compiled);
	sv_sandbox_close(st->sb);
	core_budget_free(st->budget);
	free(st);
}

static int local_language_ok(void *state, int language_id, char *err, size_t errlen)
{
	const sv_language *lang = sv_sandbox_language(((local_state *)state)->sb, language_id);

	if (!lang) {
		snprintf(err, errlen, "language %d is not supported", language_id);
		return 0;
	}
	if (!lang->available) {
		snprintf(err, errlen, "language %d (%s) is not available on this judge: %s", language_id, lang->name,
			 lang->unavailable ? lang->unavailable : "toolchain missing");
		return 0;
	}
	return 1;
}

#define STDERR_HEAD_MAX 4096

/* The task's limits for the submission's language. */
static void task_limits(const task_data *task, int language_id, sv_sandbox_limits *run, sv_sandbox_limits *compile)
{
	int wall_ms = task_wall_limit_ms(task, language_id); /* 0: not set */

	sv_sandbox_limits_run_defaults(run);
	if (task->time_limit_ms > 0)
		run->cpu_time = task_cpu_limit_ms(task, language_id) / 1000.0;
	/* A task's own wall limit wins; else the CPU limit plus the sandbox's margin. */
	run->wall_time = wall_ms > 0 ? wall_ms / 1000.0 : sv_sandbox_wall_default(run->cpu_time);
	if (task->memory_limit_kb > 0)
		run->memory_kb = task->memory_limit_kb;
	if (task->output_limit_kb > 0) {
		run->stdout_kb = task->output_limit_kb;
		/* A program may write its answer to a file as well: the same bound. */
		if (run->file_size_kb < task->output_limit_kb)
			run->file_size_kb = task->output_limit_kb;
	}
	sv_sandbox_limits_compile_defaults(compile);
	if (task->compile_time_limit_ms > 0) {
		/* Generous (a wall-clock kill with CPU to spare is retried as the host's fault, never CE):
		 * three times the CPU, and at least 10 s more than it (30 s for the default 10 s). */
		compile->cpu_time = task->compile_time_limit_ms / 1000.0;
		compile->wall_time = 3 * compile->cpu_time;
		if (compile->wall_time < compile->cpu_time + 10)
			compile->wall_time = compile->cpu_time + 10;
	}
	if (task->compile_memory_limit_kb > 0)
		compile->memory_kb = task->compile_memory_limit_kb;
}

static void fill_run(exec_test_result *res, const sv_run_result *run)
{
	res->verdict = validator_run_verdict(run->status);
	res->time = run->time;
	if (run->status == SV_RUN_TLE)
		res->limit = run->wall_exceeded ? VERDICT_MAP_LIMIT_WALL : VERDICT_MAP_LIMIT_CPU;
	res->memory = run->memory_kb;
	res->output = run->stdout_buf ? run->stdout_buf : "";
	res->output_len = run->stdout_len;
	if (res->verdict != SV_VERDICT_NONE)
		snprintf(res->message, sizeof(res->message), "%s", run->message);
	res->stderr_head = run->stderr_buf ? run->stderr_buf : "";
	res->stderr_len = run->stderr_len < STDERR_HEAD_MAX ? run->stderr_len : STDERR_HEAD_MAX;
	res->exit_code = run->exit_code;
}

/* One test of an interactive task: the validator decides, so the result is checked. Returns 0, or -1 with
 * out->error (the validator failed: the submission cannot be judged). */
static int interactive_test(const exec_request *req, sv_sandbox_box *box, const sv_sandbox_limits *limits,
			    const task_test *t, sv_run_result *run, validator_result *vr, exec_test_result *res,
			    exec_outcome *out)
{
	const task_data *task = req->task;
	char *flags;
	int rc;

	if (!req->validators) {
		snprintf(out->error, sizeof(out->error), "interactive task %lld: no validator cache on this worker",
			 task->id);
		return -1;
	}
	if (!(flags = task_group_flags(task, t))) {
		snprintf(out->error, sizeof(out->error), "out of memory");
		return -1;
	}
	rc = validator_interact(req->validators, task, t, flags, box, limits, run, vr);
	free(flags);
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "interactive task %lld, test %d: %.400s", task->id, t->order,
			 vr->error);
		return -1;
	}
	fill_run(res, run);
	res->checked = 1;
	res->verdict = vr->verdict;
	res->has_score = vr->has_score;
	res->score = vr->score;
	res->judge_message = vr->judge_message;
	res->team_message = vr->team_message;
	if (vr->verdict == SV_VERDICT_AC || vr->verdict == SV_VERDICT_WA)
		res->message[0] = '\0';
	return 0;
}

/* One run of test t into run, vr and res: 0, or -1 with out->error (the sandbox or the validator failed). */
static int run_test(const exec_request *req, sv_sandbox_box *box, const sv_sandbox_limits *limits, const task_test *t,
		    sv_run_result *run, validator_result *vr, exec_test_result *res, exec_outcome *out)
{
	sv_sandbox_run_opts opts = {.stdin_data = t->input, .stdin_len = t->input_len};
	int rc;

	memset(run, 0, sizeof(*run));
	memset(vr, 0, sizeof(*vr));
	memset(res, 0, sizeof(*res));
	if (req->task->validator == VALIDATOR_INTERACTIVE)
		return interactive_test(req, box, limits, t, run, vr, res, out);
	/* From the cached file when there is one: no copy of a big input in memory. */
	if (t->input_path) {
		opts.stdin_path = t->input_path;
		opts.stdin_data = NULL;
		opts.stdin_len = 0;
	}
	rc = sv_sandbox_run_ex(box, &opts, limits, run, out->error, sizeof(out->error));
	if (rc == 0)
		fill_run(res, run);
	return rc;
}

/* executor_local.h */
int local_judge_test(const exec_request *req, sv_sandbox_box *box, const sv_sandbox_limits *limits, size_t index,
		     int reruns, sv_run_result *run, validator_result *vr, exec_test_result *res, exec_outcome *out)
{
	const task_test *t = &req->task->tests[index];

	for (int n = 0;; n++) {
		wall_kill kind;

		if (run_test(req, box, limits, t, run, vr, res, out) < 0)
			return -1;
		if (res->verdict != SV_VERDICT_TLE || !run->wall_exceeded)
			return 0;
		kind = verdict_map_wall_kill(run->time, limits->cpu_time, run->wall_time, run->run_delay);
		if (kind == WALL_KILL_OWN)
			return 0;
		if (n >= reruns || (req->cancel && *req->cancel)) {
			if (kind == WALL_KILL_SUSPECT)
				return 0; /* nothing says the host was at fault: the program's TLE */
			stats_add(STAT_STARVED_FAILURES, 1);
			snprintf(
			    out->error, sizeof(out->error),
			    "test %d was starved of CPU in %d run(s) (wall clock %.2f s ran out after %.2f s of CPU, "
			    "%.2f s waiting for a CPU): the judge host is overloaded",
			    t->order, n + 1, run->wall_time, run->time, run->run_delay);
			return -1;
		}
		stats_add(STAT_STARVED_RERUNS, 1);
		sv_log(SV_LOG_NOTICE,
		       "test %d: wall clock %.2f s ran out after %.2f s of CPU (limit %.2f s)%s; running it again (%d "
		       "of %d)",
		       t->order, run->wall_time, run->time, limits->cpu_time,
		       kind == WALL_KILL_STARVED ? ", starved of CPU" : "", n + 1, reruns);
		sv_run_result_free(run);
		validator_result_free(vr);
	}
}

static void local_judge(void *state, const exec_request *req, exec_outcome *out)
{
	local_state *st = state;
	const task_data *task = req->task;
	sv_sandbox_box *box = NULL;
	sv_run_result compile;
	sv_sandbox_limits limits, compile_limits;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&compile, 0, sizeof(compile));
	task_limits(task, req->language_id, &limits, &compile_limits);
	out->cpu_limit = limits.cpu_time;
	out->wall_limit = limits.wall_time;
	rc = compile_cache_prepare(st->compiled, st->sb, req->language_id, req->code, req->code_len, &compile_limits,
				   &box, &compile, out->error, sizeof(out->error));
	if (compile.stdout_len)
		out->compiler_output = strndup(compile.stdout_buf, compile.stdout_len);
	if (rc == 1 && compile.wall_exceeded) {
		/* A compiler that ran out of wall clock with CPU to spare was kept waiting by the host. */
		out->status = EXEC_FAILED;
		snprintf(out->error, sizeof(out->error),
			 "the compiler ran out of its %.0f s wall clock after %.2f s of CPU (limit %.0f s): the judge "
			 "host is overloaded",
			 compile_limits.wall_time, compile.time, compile_limits.cpu_time);
		sv_run_result_free(&compile);
		return;
	}
	if (rc == 1) {
		out->status = EXEC_COMPILE_ERROR;
		if (!out->compiler_output || !*out->compiler_output) {
			free(out->compiler_output);
			out->compiler_output = strdup(compile.message[0] ? compile.message : "compilation failed");
		}
		sv_run_result_free(&compile);
		return;
	}
	sv_run_result_free(&compile);
	if (rc < 0) {
		out->status = EXEC_FAILED;
		return;
	}
	out->status = local_run_tests(st, req, box, &limits, out);
	sv_sandbox_destroy(box);
}

const executor_ops executor_local = {
    .name = "local",
    .open = local_open,
    .close = local_close,
    .language_ok = local_language_ok,
    .judge = local_judge,
};
