#ifndef SCORING_H
#define SCORING_H

#include <stddef.h>

#include "sv_verdict.h"
#include "task_data.h"

/* Scoring of one judged submission (DESIGN.md §3 "Scoring", §7; sql/022_problem_model.sql on
 * test_groups), and which tests are judged at all. */

/* What one test gave, indexed like task_data.tests (tests run in that order). */
typedef struct {
	sv_verdict verdict; /* SV_VERDICT_NONE: not run (skipped, or never reported) */
	/* A custom validator's score.txt: the test's points in place of its weight (AC tests only; a
	 * rejected test scores 0 whatever the validator wrote). */
	int has_score;
	double score;
	double time;      /* seconds */
	long long memory; /* KB */
} scoring_outcome;

typedef struct {
	const char *name; /* the task_data's group name (valid while the task is) */
	double points;    /* the group's score, scaled to its points when it has them */
	double max_points;
	sv_verdict verdict; /* as the task's (below); SV_VERDICT_NONE when none of its tests ran */
} scoring_group_result;

typedef struct {
	sv_verdict verdict; /* see scoring_summarize; SV_VERDICT_NONE: cannot be judged */
	int score;          /* 0..100 */
	double points;      /* the exact figure: score = round(100 * points / max_points) */
	double max_points;
	int passed_tests;             /* tests with verdict AC */
	int total_tests;              /* all tests of the task */
	double execution_time;        /* seconds, max over tests */
	long long memory_used;        /* KB, max over tests */
	scoring_group_result *groups; /* one per task group, in the task's order; malloc'd */
	size_t group_count;
} scoring_summary;

/* Summarizes per-test outcomes (task->test_count of them). Returns 0, or -1 when out of memory.
 *
 * A test's maximum is its weight (negative or NaN counts as 0; when every test of the task weighs
 * 0, each weighs 1); its points are that maximum when AC, or the validator's score when it gave
 * one, else 0. A group aggregates its children (its tests and its subgroups that hold tests) by
 * sum, avg, min or max of their points (and the same of their maxima), or all-or-nothing (the sum
 * of the children's maxima when every child is AC, else 0); with points set it is scaled to them
 * (points x score / maximum; a group whose children weigh nothing gets its points when all are AC).
 * The task's root sums the tests without a group and the groups without a parent.
 *
 * Verdict:
 *  - CE if compile_error (or a test says CE): score 0, no points;
 *  - pass-fail tasks: the first test in order that is not AC decides (score 0, points 0 of 1);
 *    all AC: AC, score 100, points 1 of 1;
 *  - scoring tasks without groups, as before groups existed: AC if every test is AC at full
 *    points; PA if 0 < score < 100; otherwise the first failing test's verdict in order, so a failure
 *    is never hidden by rounding or by a test without weight;
 *  - scoring tasks with groups (and each group's own verdict): AC when points == max_points (or,
 *    with nothing to score, when every test is AC); PA when 0 < points < max_points; otherwise the
 *    first failing test's verdict;
 *  - SV_VERDICT_NONE when there is no test, or a result is owed that no failure explains (a test
 *    not run, and none failed): the caller reports the submission failed, never completed.
 *  An AC submission whose validator scored every test 0 stays AC with score 0. */
int scoring_summarize(const task_data *task, const scoring_outcome *outcomes, int compile_error, scoring_summary *out);

void scoring_summary_free(scoring_summary *summary);

/* Which tests run (exec_request.should_run): pass-fail tasks stop after the first test that is
 * not AC unless judge_all; a group with on_reject 'break' skips its remaining tests, and its
 * subgroups', after its first failure. Record each verdict as it comes, in test order. */
typedef struct {
	const task_data *task;
	unsigned char *group_rejected; /* a test in the group's subtree failed */
	int rejected;                  /* some test failed */
} scoring_plan;

/* Returns 0, or -1 when out of memory. */
int scoring_plan_init(scoring_plan *plan, const task_data *task);
void scoring_plan_free(scoring_plan *plan);
void scoring_plan_reset(scoring_plan *plan);
int scoring_plan_should_run(const scoring_plan *plan, size_t index);
void scoring_plan_record(scoring_plan *plan, size_t index, sv_verdict verdict);

#endif
