/* The local executor: the built-in sandbox (judge-worker/sandbox/sandbox.h). Compiles once, inside
 * the sandbox, then runs every test in order on a fresh work directory with the task's limits. */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"

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

static sv_verdict run_verdict(sv_run_status status)
{
	switch (status) {
	case SV_RUN_OK:
		return SV_VERDICT_NONE;
	case SV_RUN_TLE:
		return SV_VERDICT_TLE;
	case SV_RUN_MLE:
		return SV_VERDICT_MLE;
	case SV_RUN_OLE:
		return SV_VERDICT_OLE;
	default:
		return SV_VERDICT_RE;
	}
}

static void local_judge(void *state, const exec_request *req, exec_outcome *out)
{
	sv_sandbox_box *box = NULL;
	sv_run_result compile;
	sv_sandbox_limits limits;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&compile, 0, sizeof(compile));
	rc = sv_sandbox_prepare(state, req->language_id, req->code, req->code_len, NULL, &box, &compile, out->error,
				sizeof(out->error));
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
	sv_sandbox_limits_run_defaults(&limits);
	limits.cpu_time = req->task->time_limit_ms / 1000.0;
	limits.memory_kb = req->task->memory_limit_kb;
	out->status = EXEC_DONE;
	for (size_t i = 0; i < req->task->test_count; i++) {
		const task_test *t = &req->task->tests[i];
		sv_run_result run;
		exec_test_result res;

		if (req->cancel && *req->cancel) {
			out->status = EXEC_CANCELLED;
			break;
		}
		memset(&run, 0, sizeof(run));
		if (sv_sandbox_run(box, t->input, t->input_len, &limits, &run, out->error, sizeof(out->error)) < 0) {
			sv_run_result_free(&run);
			out->status = EXEC_FAILED;
			break;
		}
		memset(&res, 0, sizeof(res));
		res.verdict = run_verdict(run.status);
		res.time = run.time;
		res.memory = run.memory_kb;
		res.output = run.stdout_buf ? run.stdout_buf : "";
		res.output_len = run.stdout_len;
		if (res.verdict != SV_VERDICT_NONE)
			snprintf(res.message, sizeof(res.message), "%s", run.message);
		rc = req->on_test(req->baton, i, &res);
		sv_run_result_free(&run);
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
