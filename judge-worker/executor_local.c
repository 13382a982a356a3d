/* The local executor: the built-in sandbox (judge-worker/sandbox/sandbox.h). Compiles once, inside
 * the sandbox, with the task's compile limits, then runs the tests the worker asks for, in order, on a
 * fresh work directory with the task's limits (the language's time factor applied). Interactive tasks
 * run each test together with the task's validator (validator.h) and report checked results. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"
#include "validator.h"

#include "sandbox/sandbox.h"

static int local_open(const worker_config *cfg, void **state, char *err, size_t errlen)
{
	sv_sandbox *sb;

	/* Paths, mode and uids come from the sandbox's own SOLVEIT_SANDBOX_* / SOLVEIT_LANGUAGES variables. */
	if (sv_sandbox_open(NULL, &sb, err, errlen) < 0)
		return -1;
	sv_log(SV_LOG_INFO, "local executor: sandbox limit mode %s", sv_sandbox_mode_name(sv_sandbox_mode_get(sb)));
	*state = sb;
	return 0;
}

static void local_close(void *state)
{
	sv_sandbox_close(state);
}

static int local_language_ok(void *state, int language_id, char *err, size_t errlen)
{
	const sv_language *lang = sv_sandbox_language(state, language_id);

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
	int wall_ms = task_wall_limit_ms(task, language_id); /* 0: the sandbox's default, 2 x CPU + 1 s */

	sv_sandbox_limits_run_defaults(run);
	if (task->time_limit_ms > 0)
		run->cpu_time = task_cpu_limit_ms(task, language_id) / 1000.0;
	if (wall_ms > 0)
		run->wall_time = wall_ms / 1000.0;
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
		compile->cpu_time = task->compile_time_limit_ms / 1000.0;
		if (compile->wall_time < 3 * compile->cpu_time)
			compile->wall_time = 3 * compile->cpu_time;
	}
	if (task->compile_memory_limit_kb > 0)
		compile->memory_kb = task->compile_memory_limit_kb;
}

static void fill_run(exec_test_result *res, const sv_run_result *run)
{
	res->verdict = validator_run_verdict(run->status);
	res->time = run->time;
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

static void local_judge(void *state, const exec_request *req, exec_outcome *out)
{
	const task_data *task = req->task;
	int interactive = task->validator == VALIDATOR_INTERACTIVE;
	sv_sandbox_box *box = NULL;
	sv_run_result compile;
	sv_sandbox_limits limits, compile_limits;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&compile, 0, sizeof(compile));
	task_limits(task, req->language_id, &limits, &compile_limits);
	rc = sv_sandbox_prepare(state, req->language_id, req->code, req->code_len, &compile_limits, &box, &compile,
				out->error, sizeof(out->error));
	if (compile.stdout_len)
		out->compiler_output = strndup(compile.stdout_buf, compile.stdout_len);
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
	out->status = EXEC_DONE;
	for (size_t i = 0; i < task->test_count; i++) {
		const task_test *t = &task->tests[i];
		sv_run_result run;
		validator_result vr;
		exec_test_result res;

		if (req->cancel && *req->cancel) {
			out->status = EXEC_CANCELLED;
			break;
		}
		if (req->should_run && !req->should_run(req->baton, i))
			continue;
		memset(&run, 0, sizeof(run));
		memset(&vr, 0, sizeof(vr));
		memset(&res, 0, sizeof(res));
		if (interactive) {
			rc = interactive_test(req, box, &limits, t, &run, &vr, &res, out);
		} else {
			sv_sandbox_run_opts opts = {.stdin_data = t->input, .stdin_len = t->input_len};

			/* From the cached file when there is one: no copy of a big input in memory. */
			if (t->input_path) {
				opts.stdin_path = t->input_path;
				opts.stdin_data = NULL;
				opts.stdin_len = 0;
			}
			rc = sv_sandbox_run_ex(box, &opts, &limits, &run, out->error, sizeof(out->error));
			if (rc == 0)
				fill_run(&res, &run);
		}
		if (rc < 0) {
			sv_run_result_free(&run);
			validator_result_free(&vr);
			out->status = EXEC_FAILED;
			break;
		}
		rc = req->on_test(req->baton, i, &res);
		sv_run_result_free(&run);
		validator_result_free(&vr);
		if (rc) {
			out->status = EXEC_CANCELLED;
			break;
		}
	}
	sv_sandbox_destroy(box);
}

const executor_ops executor_local = {
    .name = "local",
    .open = local_open,
    .close = local_close,
    .language_ok = local_language_ok,
    .judge = local_judge,
};
