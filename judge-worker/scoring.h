#ifndef SCORING_H
#define SCORING_H

#include <stddef.h>

#include "sv_verdict.h"

/* Scoring of one judged submission (DESIGN.md §3 "Scoring"). */

typedef struct {
	long long test_id;
	int order;          /* tests run in ascending order */
	double weight;      /* negative or NaN counts as 0 */
	sv_verdict verdict; /* SV_VERDICT_NONE: not run, counts as not passed */
	double time;        /* seconds */
	long long memory;   /* KB */
} scoring_test;

typedef struct {
	int score;             /* 0..100 */
	int passed_tests;      /* tests with verdict AC */
	int total_tests;       /* all tests of the task */
	double execution_time; /* seconds, max over tests */
	long long memory_used; /* KB, max over tests */
	sv_verdict verdict;    /* overall verdict, see scoring_summarize */
} scoring_summary;

/* Summarizes per-test results:
 *  - score = round(100 * sum(weight of AC tests) / sum(weight of all tests)); when every weight is 0
 *    each test weighs 1, so a task without weights is scored by the count of passed tests;
 *  - overall verdict: CE if compile_error (or any test says CE; score 0); AC if every test is AC;
 *    PA if 0 < score < 100; otherwise (score 0, or 100 although a test failed because it had no
 *    weight or the share rounded up) the verdict of the first failing test in `order`, so the
 *    failure is never hidden;
 *  - SV_VERDICT_NONE when there is no test at all, or when every failing test is unjudged: the
 *    caller reports such a submission as failed, never as completed.
 * tests need not be sorted. */
void scoring_summarize(const scoring_test *tests, size_t count, int compile_error, scoring_summary *out);

#endif
