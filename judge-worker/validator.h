#ifndef VALIDATOR_H
#define VALIDATOR_H

#include <stddef.h>

#include "executor.h"
#include "sv_verdict.h"
#include "task_data.h"
#include "worker_config.h"

/* Custom and interactive output validators (DESIGN.md §7, reference/judging-and-packages.md §3.4):
 * the Kattis interface, `validator input answer feedback_dir/ [flags...] < team_output`, exit 42
 * accepted, 43 wrong answer, anything else a judge error; feedback_dir may receive score.txt,
 * judgemessage.txt (staff only) and teammessage.txt.
 *
 * A validator is compiled once per task revision, inside the sandbox, and kept (in memory and under
 * the cache directory) for the task's later submissions; it always runs inside the sandbox, with
 * the task's validation limits. Thread-safe: several submissions are judged at once. */

typedef struct {
	sv_verdict verdict;  /* SV_VERDICT_AC or SV_VERDICT_WA; SV_VERDICT_NONE when the validator failed */
	int has_score;       /* score.txt was written and holds a number */
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

void validator_result_free(validator_result *r);

#endif
