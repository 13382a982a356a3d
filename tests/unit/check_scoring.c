/* Scoring: the weighted share of tasks without groups (unchanged), pass-fail tasks, test groups with
 * every aggregation, nesting and points, validator scores, and which tests run. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scoring.h"

#define COUNT(a)   (sizeof(a) / sizeof((a)[0]))
#define MAX_TESTS  64
#define MAX_GROUPS 16

static task_data task;
static task_test task_tests[MAX_TESTS];
static task_group groups[MAX_GROUPS];
static scoring_outcome outcomes[MAX_TESTS];
static scoring_summary sum;

static void new_task(task_type type)
{
	scoring_summary_free(&sum);
	memset(&task, 0, sizeof(task));
	memset(task_tests, 0, sizeof(task_tests));
	memset(groups, 0, sizeof(groups));
	memset(outcomes, 0, sizeof(outcomes));
	task.type = type;
	task.tests = task_tests;
	task.groups = groups;
}

/* points < 0: none. Returns the group's index. */
static int group(const char *name, int parent, group_aggregation aggregation, double points, int break_on_reject)
{
	task_group *g = &groups[task.group_count];

	ck_assert_uint_lt(task.group_count, MAX_GROUPS);
	g->name = (char *)name;
	g->parent = parent;
	g->aggregation = aggregation;
	g->has_points = points >= 0;
	g->points = points;
	g->break_on_reject = break_on_reject;
	g->validator_flags = (char *)"";
	return (int)task.group_count++;
}

/* Tests get orders 1, 2, ... in the order they are added. Returns the test's index. */
static size_t test(int group_index, double weight, sv_verdict verdict)
{
	size_t i = task.test_count++;

	ck_assert_uint_lt(i, MAX_TESTS);
	task_tests[i].id = (long long)i + 100;
	task_tests[i].order = (int)i + 1;
	task_tests[i].weight = weight;
	task_tests[i].group = group_index;
	task_tests[i].name = (char *)"";
	outcomes[i].verdict = verdict;
	return i;
}

static void scored(size_t index, double score)
{
	outcomes[index].has_score = 1;
	outcomes[index].score = score;
}

static void summarize(int compile_error)
{
	scoring_summary_free(&sum);
	ck_assert_int_eq(scoring_summarize(&task, outcomes, compile_error, &sum), 0);
}

static const scoring_group_result *result_of(int g)
{
	ck_assert_uint_eq(sum.group_count, task.group_count);
	ck_assert_str_eq(sum.groups[g].name, groups[g].name);
	return &sum.groups[g];
}

#define ck_points(got, want) ck_assert_double_eq_tol((got), (want), 1e-9)

/* ---- tasks without groups: scored exactly as before groups existed ---- */

typedef struct {
	long long test_id;
	int order;
	double weight;
	sv_verdict verdict;
	double time;
	long long memory;
} legacy_test;

#define T(id, ord, w, v)                                                                                               \
	{                                                                                                              \
		.test_id = (id), .order = (ord), .weight = (w), .verdict = SV_VERDICT_##v                              \
	}

static void legacy(const legacy_test *list, size_t count, int compile_error)
{
	new_task(TASK_TYPE_SCORING);
	for (size_t i = 0; i < count; i++) {
		size_t t = test(-1, list[i].weight, list[i].verdict);

		task_tests[t].id = list[i].test_id;
		task_tests[t].order = list[i].order;
		outcomes[t].time = list[i].time;
		outcomes[t].memory = list[i].memory;
	}
	summarize(compile_error);
	ck_assert_uint_eq(sum.group_count, 0);
}

START_TEST(all_accepted)
{
	legacy_test tests[] = {T(1, 1, 1, AC), T(2, 2, 5, AC), T(3, 3, 0, AC)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 100);
	ck_assert_int_eq(sum.passed_tests, 3);
	ck_assert_int_eq(sum.total_tests, 3);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
}
END_TEST

START_TEST(weights_decide_the_score)
{
	legacy_test tests[] = {T(1, 1, 1, AC), T(2, 2, 2, WA), T(3, 3, 3, TLE), T(4, 4, 4, AC)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 50); /* (1 + 4) / 10 */
	ck_assert_int_eq(sum.passed_tests, 2);
	ck_assert_int_eq(sum.total_tests, 4);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);

	tests[0].verdict = SV_VERDICT_WA;
	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 40);
	ck_assert_int_eq(sum.passed_tests, 1);
}
END_TEST

START_TEST(rounding)
{
	legacy_test thirds[] = {T(1, 1, 1, AC), T(2, 2, 1, WA), T(3, 3, 1, WA)};
	legacy_test eighth[] = {T(1, 1, 1, AC), T(2, 2, 7, RE)};

	legacy(thirds, COUNT(thirds), 0);
	ck_assert_int_eq(sum.score, 33);
	thirds[1].verdict = SV_VERDICT_AC;
	legacy(thirds, COUNT(thirds), 0);
	ck_assert_int_eq(sum.score, 67);
	/* 12.5 rounds half away from zero */
	legacy(eighth, COUNT(eighth), 0);
	ck_assert_int_eq(sum.score, 13);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* fractional weights */
	eighth[0].weight = 0.25;
	eighth[1].weight = 0.75;
	legacy(eighth, COUNT(eighth), 0);
	ck_assert_int_eq(sum.score, 25);
}
END_TEST

START_TEST(all_zero_weights_count_tests_equally)
{
	legacy_test tests[] = {T(1, 1, 0, AC), T(2, 2, 0, WA), T(3, 3, 0, WA), T(4, 4, 0, WA)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 25);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	for (size_t i = 0; i < COUNT(tests); i++)
		tests[i].verdict = SV_VERDICT_AC;
	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 100);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
}
END_TEST

START_TEST(negative_and_nan_weights_count_as_zero)
{
	legacy_test tests[] = {T(1, 1, -5, AC), T(2, 2, 1, WA), T(3, 3, NAN, AC), T(4, 4, 3, AC)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 75);
	ck_assert_int_eq(sum.passed_tests, 3);
}
END_TEST

START_TEST(nothing_passed_gives_first_failure_in_order)
{
	/* listed out of order: the test with order 1 failed with TLE */
	legacy_test tests[] = {T(10, 3, 1, WA), T(11, 1, 1, TLE), T(12, 2, 1, RE)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.passed_tests, 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_TLE);
}
END_TEST

START_TEST(score_rounding_to_zero_is_not_partial)
{
	legacy_test tests[] = {T(1, 1, 1, AC), T(2, 2, 1000, MLE)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.passed_tests, 1);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_MLE);
}
END_TEST

START_TEST(failed_test_without_weight_is_not_hidden)
{
	/* the sample (weight 0) fails: full score, but the verdict says what went wrong */
	legacy_test tests[] = {T(1, 1, 0, WA), T(2, 2, 1, AC), T(3, 3, 1, AC)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.score, 100);
	ck_assert_int_eq(sum.passed_tests, 2);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
}
END_TEST

START_TEST(compile_error)
{
	legacy_test tests[] = {T(1, 1, 1, AC), T(2, 2, 1, AC)};

	legacy(tests, COUNT(tests), 1);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_CE);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.passed_tests, 0);
	ck_assert_int_eq(sum.total_tests, 2);

	tests[1].verdict = SV_VERDICT_CE;
	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_CE);
	ck_assert_int_eq(sum.score, 0);
}
END_TEST

START_TEST(time_and_memory_are_maxima)
{
	legacy_test tests[] = {T(1, 1, 1, AC), T(2, 2, 1, TLE), T(3, 3, 1, AC)};

	tests[0].time = 0.25;
	tests[0].memory = 9000;
	tests[1].time = 2.5;
	tests[1].memory = 1200;
	tests[2].time = 0.1;
	tests[2].memory = 2048;
	legacy(tests, COUNT(tests), 0);
	ck_assert_double_eq(sum.execution_time, 2.5);
	ck_assert_int_eq(sum.memory_used, 9000);
	ck_assert_int_eq(sum.score, 67);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
}
END_TEST

START_TEST(no_tests_cannot_be_judged)
{
	legacy(NULL, 0, 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_NONE);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.total_tests, 0);
}
END_TEST

START_TEST(unjudged_tests_count_as_not_passed)
{
	legacy_test tests[] = {T(1, 1, 1, NONE), T(2, 2, 1, AC), T(3, 3, 1, RE)};
	legacy_test only_unjudged[] = {T(1, 1, 1, NONE), T(2, 2, 0, AC)};

	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.passed_tests, 1);
	ck_assert_int_eq(sum.score, 33);
	tests[1].verdict = SV_VERDICT_WA;
	legacy(tests, COUNT(tests), 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA); /* the judged failure with the lowest order */
	legacy(only_unjudged, COUNT(only_unjudged), 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_NONE);
}
END_TEST

START_TEST(validator_score_replaces_the_weight)
{
	size_t half;

	new_task(TASK_TYPE_SCORING);
	half = test(-1, 10, SV_VERDICT_AC);
	scored(half, 5);
	test(-1, 10, SV_VERDICT_AC);
	summarize(0);
	ck_points(sum.points, 15);
	ck_points(sum.max_points, 20);
	ck_assert_int_eq(sum.score, 75);
	ck_assert_int_eq(sum.passed_tests, 2);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* a rejected test scores nothing, whatever the validator wrote */
	outcomes[half].verdict = SV_VERDICT_WA;
	summarize(0);
	ck_points(sum.points, 10);
	ck_assert_int_eq(sum.score, 50);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* every test accepted with score 0: accepted, but worth nothing */
	outcomes[half].verdict = SV_VERDICT_AC;
	scored(half, 0);
	scored(1, 0);
	summarize(0);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
}
END_TEST

/* ---- pass-fail ---- */

START_TEST(pass_fail_first_failure_decides)
{
	new_task(TASK_TYPE_PASS_FAIL);
	test(-1, 1, SV_VERDICT_AC);
	test(-1, 5, SV_VERDICT_WA);
	test(-1, 1, SV_VERDICT_TLE);
	test(-1, 100, SV_VERDICT_AC);
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
	ck_assert_int_eq(sum.score, 0);
	ck_points(sum.points, 0);
	ck_points(sum.max_points, 1);
	ck_assert_int_eq(sum.passed_tests, 2);
	ck_assert_int_eq(sum.total_tests, 4);

	/* the first failure in order, not in the array */
	task_tests[1].order = 9;
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_TLE);

	for (size_t i = 0; i < task.test_count; i++)
		outcomes[i].verdict = SV_VERDICT_AC;
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
	ck_assert_int_eq(sum.score, 100);
	ck_points(sum.points, 1);
}
END_TEST

START_TEST(pass_fail_ignores_weights_and_partial_credit)
{
	/* scored as a scoring task this would be 99 (PA); pass-fail: WA, 0 */
	new_task(TASK_TYPE_PASS_FAIL);
	test(-1, 99, SV_VERDICT_AC);
	test(-1, 1, SV_VERDICT_WA);
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
	ck_assert_int_eq(sum.score, 0);
	/* a weight-0 failure is not hidden either */
	task_tests[1].weight = 0;
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
}
END_TEST

START_TEST(pass_fail_tests_not_run)
{
	/* stopped at the failure: the rest were not run, and that is no reason to fail the submission */
	new_task(TASK_TYPE_PASS_FAIL);
	test(-1, 1, SV_VERDICT_AC);
	test(-1, 1, SV_VERDICT_RE);
	test(-1, 1, SV_VERDICT_NONE);
	test(-1, 1, SV_VERDICT_NONE);
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_RE);
	ck_assert_int_eq(sum.passed_tests, 1);
	/* a test before any failure did not report: the submission cannot be judged */
	outcomes[1].verdict = SV_VERDICT_NONE;
	outcomes[2].verdict = SV_VERDICT_WA;
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_NONE);
}
END_TEST

/* ---- groups ---- */

START_TEST(sum_groups_and_points_scaling)
{
	int a, b;

	new_task(TASK_TYPE_SCORING);
	a = group("secret/a", -1, GROUP_SUM, 30, 0);
	b = group("secret/b", -1, GROUP_SUM, -1, 0);
	test(a, 1, SV_VERDICT_AC);
	test(b, 5, SV_VERDICT_AC);
	test(a, 1, SV_VERDICT_AC);
	test(b, 5, SV_VERDICT_RE);
	test(a, 1, SV_VERDICT_WA);
	summarize(0);
	ck_points(result_of(a)->points, 20);
	ck_points(result_of(a)->max_points, 30);
	ck_assert_int_eq(result_of(a)->verdict, SV_VERDICT_PA);
	ck_points(result_of(b)->points, 5);
	ck_points(result_of(b)->max_points, 10);
	ck_assert_int_eq(result_of(b)->verdict, SV_VERDICT_PA);
	ck_points(sum.points, 25);
	ck_points(sum.max_points, 40);
	ck_assert_int_eq(sum.score, 63); /* 62.5 rounds half away from zero */
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	ck_assert_int_eq(sum.passed_tests, 3);
}
END_TEST

START_TEST(min_groups_are_subtasks)
{
	int one, two;

	new_task(TASK_TYPE_SCORING);
	one = group("secret/sub1", -1, GROUP_MIN, 40, 0);
	two = group("secret/sub2", -1, GROUP_MIN, 60, 0);
	test(one, 1, SV_VERDICT_AC);
	test(one, 1, SV_VERDICT_AC);
	test(two, 1, SV_VERDICT_AC);
	test(two, 1, SV_VERDICT_TLE);
	test(two, 1, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(one)->points, 40);
	ck_assert_int_eq(result_of(one)->verdict, SV_VERDICT_AC);
	ck_points(result_of(two)->points, 0);
	ck_points(result_of(two)->max_points, 60);
	ck_assert_int_eq(result_of(two)->verdict, SV_VERDICT_TLE);
	ck_points(sum.points, 40);
	ck_assert_int_eq(sum.score, 40);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* the min of partial scores */
	outcomes[3].verdict = SV_VERDICT_AC;
	scored(3, 0.25);
	summarize(0);
	ck_points(result_of(two)->points, 15);
	ck_assert_int_eq(sum.score, 55);
}
END_TEST

START_TEST(avg_groups)
{
	int g;
	size_t half;

	new_task(TASK_TYPE_SCORING);
	g = group("secret", -1, GROUP_AVG, 10, 0);
	half = test(g, 1, SV_VERDICT_AC);
	scored(half, 0.5);
	test(g, 1, SV_VERDICT_AC);
	test(g, 1, SV_VERDICT_WA);
	summarize(0);
	ck_points(result_of(g)->points, 5);
	ck_points(result_of(g)->max_points, 10);
	ck_assert_int_eq(sum.score, 50);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* without points: the average of the points and of the maxima */
	groups[g].has_points = 0;
	task_tests[1].weight = 4;
	summarize(0);
	ck_points(result_of(g)->points, (0.5 + 4) / 3);
	ck_points(result_of(g)->max_points, 2);
	ck_assert_int_eq(sum.score, 75);
}
END_TEST

START_TEST(max_groups)
{
	int g;

	new_task(TASK_TYPE_SCORING);
	g = group("secret", -1, GROUP_MAX, -1, 0);
	test(g, 3, SV_VERDICT_WA);
	test(g, 5, SV_VERDICT_AC);
	test(g, 2, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(g)->points, 5);
	ck_points(result_of(g)->max_points, 5);
	/* full points: accepted, although a test failed */
	ck_assert_int_eq(result_of(g)->verdict, SV_VERDICT_AC);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
	ck_assert_int_eq(sum.score, 100);
	outcomes[1].verdict = SV_VERDICT_MLE;
	summarize(0);
	ck_points(result_of(g)->points, 2);
	ck_assert_int_eq(sum.score, 40);
}
END_TEST

START_TEST(all_or_nothing_groups)
{
	int g;

	new_task(TASK_TYPE_SCORING);
	g = group("secret/g", -1, GROUP_ALL_OR_NOTHING, -1, 0);
	test(g, 2, SV_VERDICT_AC);
	test(g, 3, SV_VERDICT_AC);
	test(-1, 5, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(g)->points, 5);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
	outcomes[1].verdict = SV_VERDICT_WA;
	summarize(0);
	ck_points(result_of(g)->points, 0);
	ck_points(result_of(g)->max_points, 5);
	ck_assert_int_eq(result_of(g)->verdict, SV_VERDICT_WA);
	ck_points(sum.points, 5);
	ck_assert_int_eq(sum.score, 50);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* with points: 33.3 or nothing */
	groups[g].has_points = 1;
	groups[g].points = 33.3;
	summarize(0);
	ck_points(result_of(g)->max_points, 33.3);
	ck_points(sum.max_points, 38.3);
	outcomes[1].verdict = SV_VERDICT_AC;
	summarize(0);
	ck_points(result_of(g)->points, 33.3);
	ck_assert_int_eq(sum.score, 100);
}
END_TEST

START_TEST(nested_groups)
{
	int sample, secret, g1, g2, g3;
	size_t half, none;

	new_task(TASK_TYPE_SCORING);
	sample = group("sample", -1, GROUP_SUM, 0, 0);
	secret = group("secret", -1, GROUP_SUM, -1, 0);
	g1 = group("secret/g1", secret, GROUP_ALL_OR_NOTHING, 20, 0);
	g2 = group("secret/g2", secret, GROUP_MIN, 30, 0);
	g3 = group("secret/g3", secret, GROUP_AVG, 50, 0);
	/* tests of the groups interleaved in order */
	test(g2, 1, SV_VERDICT_AC);
	test(sample, 0, SV_VERDICT_WA);
	test(g1, 1, SV_VERDICT_AC);
	test(g3, 1, SV_VERDICT_AC);
	test(secret, 10, SV_VERDICT_AC);
	test(g2, 1, SV_VERDICT_TLE);
	half = test(g3, 1, SV_VERDICT_AC);
	scored(half, 0.5);
	none = test(g3, 1, SV_VERDICT_AC);
	scored(none, 0);
	test(g1, 1, SV_VERDICT_AC);
	test(sample, 0, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(g1)->points, 20);
	ck_assert_int_eq(result_of(g1)->verdict, SV_VERDICT_AC);
	ck_points(result_of(g2)->points, 0);
	ck_assert_int_eq(result_of(g2)->verdict, SV_VERDICT_TLE);
	ck_points(result_of(g3)->points, 25);
	ck_assert_int_eq(result_of(g3)->verdict, SV_VERDICT_PA);
	ck_points(result_of(secret)->points, 55);
	ck_points(result_of(secret)->max_points, 110);
	ck_assert_int_eq(result_of(secret)->verdict, SV_VERDICT_PA);
	ck_points(result_of(sample)->points, 0);
	ck_points(result_of(sample)->max_points, 0);
	ck_assert_int_eq(result_of(sample)->verdict, SV_VERDICT_WA);
	ck_points(sum.points, 55);
	ck_points(sum.max_points, 110);
	ck_assert_int_eq(sum.score, 50);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	ck_assert_int_eq(sum.passed_tests, 8);
}
END_TEST

START_TEST(nested_points_scale_twice)
{
	int top, c1, c2;

	new_task(TASK_TYPE_SCORING);
	/* children listed before their parent */
	c1 = group("top/c1", 2, GROUP_SUM, 10, 0);
	c2 = group("top/c2", 2, GROUP_SUM, 30, 0);
	top = group("top", -1, GROUP_SUM, 100, 0);
	test(c1, 1, SV_VERDICT_AC);
	test(c1, 1, SV_VERDICT_WA);
	test(c2, 7, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(c1)->points, 5);
	ck_points(result_of(c2)->points, 30);
	ck_points(result_of(top)->points, 87.5);
	ck_points(result_of(top)->max_points, 100);
	ck_assert_int_eq(sum.score, 88);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
}
END_TEST

START_TEST(full_points_are_accepted_even_with_a_failed_sample)
{
	int sample, secret;

	new_task(TASK_TYPE_SCORING);
	sample = group("sample", -1, GROUP_SUM, 0, 0);
	secret = group("secret", -1, GROUP_SUM, 100, 0);
	test(sample, 1, SV_VERDICT_WA);
	test(secret, 1, SV_VERDICT_AC);
	test(secret, 1, SV_VERDICT_AC);
	summarize(0);
	ck_assert_int_eq(result_of(sample)->verdict, SV_VERDICT_WA);
	ck_points(sum.points, 100);
	ck_points(sum.max_points, 100);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
	ck_assert_int_eq(sum.score, 100);
	/* nothing at all: the first failure */
	outcomes[1].verdict = outcomes[2].verdict = SV_VERDICT_RE;
	summarize(0);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
}
END_TEST

START_TEST(groups_not_run_and_empty_groups)
{
	int broken, skipped, empty;

	new_task(TASK_TYPE_SCORING);
	broken = group("secret/a", -1, GROUP_SUM, -1, 1);
	skipped = group("secret/b", -1, GROUP_SUM, -1, 0);
	empty = group("secret/empty", -1, GROUP_SUM, 50, 0);
	test(broken, 1, SV_VERDICT_WA);
	test(broken, 1, SV_VERDICT_NONE);
	test(skipped, 1, SV_VERDICT_NONE);
	summarize(0);
	ck_points(result_of(broken)->points, 0);
	ck_points(result_of(broken)->max_points, 2);
	ck_assert_int_eq(result_of(broken)->verdict, SV_VERDICT_WA);
	ck_assert_int_eq(result_of(skipped)->verdict, SV_VERDICT_NONE);
	ck_points(result_of(skipped)->max_points, 1);
	/* a group without tests scores nothing and offers nothing */
	ck_points(result_of(empty)->points, 0);
	ck_points(result_of(empty)->max_points, 0);
	ck_assert_int_eq(result_of(empty)->verdict, SV_VERDICT_NONE);
	ck_points(sum.max_points, 3);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
	/* tests not run without a failure that explains them: cannot be judged */
	outcomes[0].verdict = SV_VERDICT_AC;
	summarize(0);
	ck_assert_int_eq(result_of(broken)->verdict, SV_VERDICT_PA);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_NONE);
}
END_TEST

START_TEST(group_points_over_tests_without_weight)
{
	int g;

	new_task(TASK_TYPE_SCORING);
	g = group("secret/g", -1, GROUP_SUM, 25, 0);
	test(-1, 5, SV_VERDICT_AC);
	test(g, 0, SV_VERDICT_AC);
	test(g, 0, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(g)->points, 25);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
	outcomes[2].verdict = SV_VERDICT_WA;
	summarize(0);
	ck_points(result_of(g)->points, 0);
	ck_points(result_of(g)->max_points, 25);
	ck_assert_int_eq(sum.score, 17);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
}
END_TEST

START_TEST(groups_without_any_weight_count_tests)
{
	int a, b;

	new_task(TASK_TYPE_SCORING);
	a = group("a", -1, GROUP_MIN, -1, 0);
	b = group("b", -1, GROUP_SUM, -1, 0);
	test(a, 0, SV_VERDICT_AC);
	test(a, 0, SV_VERDICT_WA);
	test(b, 0, SV_VERDICT_AC);
	test(b, 0, SV_VERDICT_AC);
	summarize(0);
	ck_points(result_of(a)->max_points, 1);
	ck_points(result_of(b)->points, 2);
	ck_assert_int_eq(sum.score, 67);
}
END_TEST

START_TEST(compile_error_with_groups)
{
	int a;

	new_task(TASK_TYPE_SCORING);
	a = group("secret/a", -1, GROUP_SUM, 30, 0);
	test(a, 1, SV_VERDICT_NONE);
	test(-1, 10, SV_VERDICT_NONE);
	summarize(1);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_CE);
	ck_assert_int_eq(sum.score, 0);
	ck_points(sum.points, 0);
	ck_points(sum.max_points, 40);
	ck_assert_int_eq(result_of(a)->verdict, SV_VERDICT_CE);
	ck_points(result_of(a)->max_points, 30);
}
END_TEST

START_TEST(broken_parents_become_root_groups)
{
	int a, b, c, d;

	new_task(TASK_TYPE_SCORING);
	a = group("a", 7, GROUP_SUM, -1, 0); /* dangling */
	b = group("b", 1, GROUP_SUM, -1, 0); /* itself */
	c = group("c", 3, GROUP_SUM, -1, 0); /* c and d: a cycle */
	d = group("d", 2, GROUP_SUM, -1, 0);
	test(a, 1, SV_VERDICT_AC);
	test(b, 1, SV_VERDICT_AC);
	test(c, 1, SV_VERDICT_AC);
	test(d, 1, SV_VERDICT_WA);
	test(7, 1, SV_VERDICT_AC); /* no such group: the root */
	summarize(0);
	ck_points(sum.max_points, 5);
	ck_points(sum.points, 4);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	ck_assert_int_eq(result_of(d)->verdict, SV_VERDICT_WA);
}
END_TEST

/* ---- which tests run ---- */

static scoring_plan plan;

static void plan_start(void)
{
	ck_assert_int_eq(scoring_plan_init(&plan, &task), 0);
}

START_TEST(pass_fail_stops_at_the_first_failure)
{
	new_task(TASK_TYPE_PASS_FAIL);
	for (int i = 0; i < 4; i++)
		test(-1, 1, SV_VERDICT_NONE);
	plan_start();
	ck_assert(scoring_plan_should_run(&plan, 0));
	scoring_plan_record(&plan, 0, SV_VERDICT_AC);
	ck_assert(scoring_plan_should_run(&plan, 1));
	scoring_plan_record(&plan, 1, SV_VERDICT_TLE);
	ck_assert(!scoring_plan_should_run(&plan, 2));
	ck_assert(!scoring_plan_should_run(&plan, 3));
	ck_assert(!scoring_plan_should_run(&plan, 4)); /* past the end */
	task.judge_all = 1;
	ck_assert(scoring_plan_should_run(&plan, 2));
	task.judge_all = 0;
	scoring_plan_reset(&plan);
	ck_assert(scoring_plan_should_run(&plan, 2));
	scoring_plan_free(&plan);

	/* scoring tasks without groups judge every test */
	task.type = TASK_TYPE_SCORING;
	plan_start();
	scoring_plan_record(&plan, 0, SV_VERDICT_WA);
	ck_assert(scoring_plan_should_run(&plan, 1));
	scoring_plan_free(&plan);
}
END_TEST

START_TEST(break_groups_skip_their_remaining_tests)
{
	int brk, sub, cont;

	new_task(TASK_TYPE_SCORING);
	brk = group("secret/brk", -1, GROUP_SUM, -1, 1);
	sub = group("secret/brk/sub", brk, GROUP_SUM, -1, 0);
	cont = group("secret/cont", -1, GROUP_SUM, -1, 0);
	test(brk, 1, SV_VERDICT_NONE);  /* 0 */
	test(cont, 1, SV_VERDICT_NONE); /* 1 */
	test(brk, 1, SV_VERDICT_NONE);  /* 2 */
	test(brk, 1, SV_VERDICT_NONE);  /* 3 */
	test(sub, 1, SV_VERDICT_NONE);  /* 4 */
	test(cont, 1, SV_VERDICT_NONE); /* 5 */
	test(-1, 1, SV_VERDICT_NONE);   /* 6 */
	plan_start();
	scoring_plan_record(&plan, 0, SV_VERDICT_AC);
	scoring_plan_record(&plan, 1, SV_VERDICT_WA); /* a 'continue' group goes on */
	ck_assert(scoring_plan_should_run(&plan, 2));
	ck_assert(scoring_plan_should_run(&plan, 5));
	scoring_plan_record(&plan, 2, SV_VERDICT_RE);
	ck_assert(!scoring_plan_should_run(&plan, 3));
	ck_assert(!scoring_plan_should_run(&plan, 4)); /* its subgroups too */
	ck_assert(scoring_plan_should_run(&plan, 5));
	ck_assert(scoring_plan_should_run(&plan, 6));
	scoring_plan_free(&plan);
}
END_TEST

START_TEST(a_failure_in_a_subgroup_breaks_its_parent)
{
	int parent, child, other;

	new_task(TASK_TYPE_SCORING);
	parent = group("p", -1, GROUP_SUM, -1, 1);
	child = group("p/c", parent, GROUP_SUM, -1, 0);
	other = group("p/d", parent, GROUP_SUM, -1, 0);
	test(child, 1, SV_VERDICT_NONE);
	test(child, 1, SV_VERDICT_NONE);
	test(other, 1, SV_VERDICT_NONE);
	test(parent, 1, SV_VERDICT_NONE);
	plan_start();
	scoring_plan_record(&plan, 0, SV_VERDICT_WA);
	ck_assert(!scoring_plan_should_run(&plan, 1));
	ck_assert(!scoring_plan_should_run(&plan, 2));
	ck_assert(!scoring_plan_should_run(&plan, 3));
	scoring_plan_free(&plan);

	/* the skipped tests count as not passed */
	outcomes[0].verdict = SV_VERDICT_WA;
	summarize(0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
	ck_assert_int_eq(result_of(other)->verdict, SV_VERDICT_NONE);
	ck_assert_int_eq(result_of(parent)->verdict, SV_VERDICT_WA);
	ck_points(sum.max_points, 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scoring");
	TCase *legacy_case = tcase_create("without groups");
	TCase *types = tcase_create("types and groups");
	TCase *plans = tcase_create("which tests run");
	SRunner *sr;
	int failed;

	tcase_add_test(legacy_case, all_accepted);
	tcase_add_test(legacy_case, weights_decide_the_score);
	tcase_add_test(legacy_case, rounding);
	tcase_add_test(legacy_case, all_zero_weights_count_tests_equally);
	tcase_add_test(legacy_case, negative_and_nan_weights_count_as_zero);
	tcase_add_test(legacy_case, nothing_passed_gives_first_failure_in_order);
	tcase_add_test(legacy_case, score_rounding_to_zero_is_not_partial);
	tcase_add_test(legacy_case, failed_test_without_weight_is_not_hidden);
	tcase_add_test(legacy_case, compile_error);
	tcase_add_test(legacy_case, time_and_memory_are_maxima);
	tcase_add_test(legacy_case, no_tests_cannot_be_judged);
	tcase_add_test(legacy_case, unjudged_tests_count_as_not_passed);
	tcase_add_test(legacy_case, validator_score_replaces_the_weight);
	suite_add_tcase(s, legacy_case);
	tcase_add_test(types, pass_fail_first_failure_decides);
	tcase_add_test(types, pass_fail_ignores_weights_and_partial_credit);
	tcase_add_test(types, pass_fail_tests_not_run);
	tcase_add_test(types, sum_groups_and_points_scaling);
	tcase_add_test(types, min_groups_are_subtasks);
	tcase_add_test(types, avg_groups);
	tcase_add_test(types, max_groups);
	tcase_add_test(types, all_or_nothing_groups);
	tcase_add_test(types, nested_groups);
	tcase_add_test(types, nested_points_scale_twice);
	tcase_add_test(types, full_points_are_accepted_even_with_a_failed_sample);
	tcase_add_test(types, groups_not_run_and_empty_groups);
	tcase_add_test(types, group_points_over_tests_without_weight);
	tcase_add_test(types, groups_without_any_weight_count_tests);
	tcase_add_test(types, compile_error_with_groups);
	tcase_add_test(types, broken_parents_become_root_groups);
	suite_add_tcase(s, types);
	tcase_add_test(plans, pass_fail_stops_at_the_first_failure);
	tcase_add_test(plans, break_groups_skip_their_remaining_tests);
	tcase_add_test(plans, a_failure_in_a_subgroup_breaks_its_parent);
	suite_add_tcase(s, plans);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	scoring_summary_free(&sum);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
