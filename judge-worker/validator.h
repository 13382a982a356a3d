#ifndef VALIDATOR_H
#define VALIDATOR_H

#include <stddef.h>

#include "executor.h"
#include "sandbox/sandbox.h"
#include "sv_verdict.h"
#include "task_data.h"
#include "worker_config.h"

/* Custom and interactive output validators (DESIGN.md §7, reference/judging-and-packages.md §3.4):
 * the Kattis interface, `validator input answer feedback_dir/ [flags...] < team_output`, exit 42
 * accepted, 43 wrong answer, anything else a judge error; feedback_dir may receive score.txt,
 * judgemessage.txt (staff only) and teammessage.txt.
 *
 * A validator is compiled once per (task, revision, language, source and extra files), inside the
 * sandbox, and kept in memory (its compiled program in a prepared box; at most 32 validators, least
 * recently used first out, older revisions of a task as soon as they are unused) for the task's later
 * submissions. Every use runs in a box of its own that binds the compiled program read-only, so the
 * tests of one task are validated in parallel. Validation limits: 30 s CPU, 60 s wall (an
 * interactive validator: at least the program's wall clock + 5 s), 1 GiB memory. Thread-safe. */

typedef struct {
	/* SV_VERDICT_AC or SV_VERDICT_WA (interactive: also the program's TLE, MLE, RE or OLE);
	 * SV_VERDICT_NONE when the validator failed */
	sv_verdict verdict;
	int has_score; /* score.txt was written and holds a number */
	double score;
	char *judge_message; /* malloc'd or NULL: judgemessage.txt (staff only), cut to 4 KiB */
	char *team_message;  /* malloc'd or NULL: teammessage.txt, cut to 4 KiB */
	char error[512];     /* verdict NONE: why ("the validator exited with code 1", "does not compile: ...") */
} validator_result;

/* Opens the cache with its own sandbox (needs what the local executor needs: root, the languages
 * file). Returns 0, or -1 with the reason in err; a worker that cannot open it judges custom and
 * interactive tasks as failed with that reason. */
int validator_cache_open(const worker_config *cfg, validator_cache **out, char *err, size_t errlen);
void validator_cache_close(validator_cache *cache);

/* Checks a program's output for one test of a VALIDATOR_CUSTOM task: compiles the task's validator
 * first if this revision has not been compiled yet. flags: the task's and the test group's
 * validator flags, space-separated. Returns 0 with r->verdict AC or WA, or -1 with r->verdict NONE
 * and r->error (compile failure, exit code other than 42/43, sandbox failure): the submission
 * cannot be judged. validator_result_free(r) afterwards in both cases. */
int validator_check(validator_cache *cache, const task_data *task, const task_test *test, const char *flags,
		    const char *output, size_t output_len, validator_result *r);

/* Runs one test of a VALIDATOR_INTERACTIVE task: the submission's prepared box (with the program's
 * limits) and the task's validator, each in its own box, joined by pipes (sv_sandbox_interact), the
 * validator called as `validator input answer feedback_dir/ [flags...]`. The verdict follows reference
 * §3.4: the validator's WA wins when it ended first, even if the program then crashes or hangs; else a
 * program that failed (TLE, MLE, RE, OLE) has its own verdict; else the validator's AC or WA. prog
 * receives the program's run (time, memory, stderr; free it with sv_run_result_free in every case).
 * Returns 0, or -1 with r->error when the validator failed or the run could not be made (judge error). */
int validator_interact(validator_cache *cache, const task_data *task, const task_test *test, const char *flags,
		       sv_sandbox_box *program, const sv_sandbox_limits *limits, sv_run_result *prog,
		       validator_result *r);

/* The verdict rule of validator_interact alone (pure logic): from the two sides' results and which ended
 * first. 0, or -1 with r->error. */
int validator_interact_verdict(const sv_run_result *prog, const sv_run_result *val, int validator_first,
			       validator_result *r);

/* The verdict of a program's run in the sandbox: NONE (ran cleanly: check its output), TLE, MLE, OLE or RE. */
sv_verdict validator_run_verdict(sv_run_status status);

void validator_result_free(validator_result *r);

#endif
