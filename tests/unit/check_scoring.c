/* Scoring: weighted score, passed/total, maxima and the overall verdict. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "scoring.h"

#define T(id, ord, w, v)                                                                                               \
	{                                                                                                              \
		.test_id = (id), .order = (ord), .weight = (w), .verdict = SV_VERDICT_##v                              \
	}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static scoring_summary sum;

START_TEST(all_accepted)
{
	scoring_test tests[] = {T(1, 1, 1, AC), T(2, 2, 5, AC), T(3, 3, 0, AC)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 100);
	ck_assert_int_eq(sum.passed_tests, 3);
	ck_assert_int_eq(sum.total_tests, 3);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
}
END_TEST

START_TEST(weights_decide_the_score)
{
	scoring_test tests[] = {T(1, 1, 1, AC), T(2, 2, 2, WA), T(3, 3, 3, TLE), T(4, 4, 4, AC)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 50); /* (1 + 4) / 10 */
	ck_assert_int_eq(sum.passed_tests, 2);
	ck_assert_int_eq(sum.total_tests, 4);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);

	tests[0].verdict = SV_VERDICT_WA;
	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 40);
	ck_assert_int_eq(sum.passed_tests, 1);
}
END_TEST

START_TEST(rounding)
{
	scoring_test thirds[] = {T(1, 1, 1, AC), T(2, 2, 1, WA), T(3, 3, 1, WA)};
	scoring_test eighth[] = {T(1, 1, 1, AC), T(2, 2, 7, RE)};

	scoring_summarize(thirds, COUNT(thirds), 0, &sum);
	ck_assert_int_eq(sum.score, 33);
	thirds[1].verdict = SV_VERDICT_AC;
	scoring_summarize(thirds, COUNT(thirds), 0, &sum);
	ck_assert_int_eq(sum.score, 67);
	/* 12.5 rounds half away from zero */
	scoring_summarize(eighth, COUNT(eighth), 0, &sum);
	ck_assert_int_eq(sum.score, 13);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	/* fractional weights */
	eighth[0].weight = 0.25;
	eighth[1].weight = 0.75;
	scoring_summarize(eighth, COUNT(eighth), 0, &sum);
	ck_assert_int_eq(sum.score, 25);
}
END_TEST

START_TEST(all_zero_weights_count_tests_equally)
{
	scoring_test tests[] = {T(1, 1, 0, AC), T(2, 2, 0, WA), T(3, 3, 0, WA), T(4, 4, 0, WA)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 25);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
	for (size_t i = 0; i < COUNT(tests); i++)
		tests[i].verdict = SV_VERDICT_AC;
	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 100);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_AC);
}
END_TEST

START_TEST(negative_and_nan_weights_count_as_zero)
{
	scoring_test tests[] = {T(1, 1, -5, AC), T(2, 2, 1, WA), T(3, 3, NAN, AC), T(4, 4, 3, AC)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 75);
	ck_assert_int_eq(sum.passed_tests, 3);
}
END_TEST

START_TEST(nothing_passed_gives_first_failure_in_order)
{
	/* listed out of order: the test with order 1 failed with TLE */
	scoring_test tests[] = {T(10, 3, 1, WA), T(11, 1, 1, TLE), T(12, 2, 1, RE)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.passed_tests, 0);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_TLE);
}
END_TEST

START_TEST(score_rounding_to_zero_is_not_partial)
{
	scoring_test tests[] = {T(1, 1, 1, AC), T(2, 2, 1000, MLE)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.passed_tests, 1);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_MLE);
}
END_TEST

START_TEST(failed_test_without_weight_is_not_hidden)
{
	/* the sample (weight 0) fails: full score, but the verdict says what went wrong */
	scoring_test tests[] = {T(1, 1, 0, WA), T(2, 2, 1, AC), T(3, 3, 1, AC)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.score, 100);
	ck_assert_int_eq(sum.passed_tests, 2);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA);
}
END_TEST

START_TEST(compile_error)
{
	scoring_test tests[] = {T(1, 1, 1, AC), T(2, 2, 1, AC)};

	scoring_summarize(tests, COUNT(tests), 1, &sum);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_CE);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.passed_tests, 0);
	ck_assert_int_eq(sum.total_tests, 2);

	tests[1].verdict = SV_VERDICT_CE;
	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_CE);
	ck_assert_int_eq(sum.score, 0);
}
END_TEST

START_TEST(time_and_memory_are_maxima)
{
	scoring_test tests[] = {T(1, 1, 1, AC), T(2, 2, 1, TLE), T(3, 3, 1, AC)};

	tests[0].time = 0.25;
	tests[0].memory = 9000;
	tests[1].time = 2.5;
	tests[1].memory = 1200;
	tests[2].time = 0.1;
	tests[2].memory = 2048;
	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_double_eq(sum.execution_time, 2.5);
	ck_assert_int_eq(sum.memory_used, 9000);
	ck_assert_int_eq(sum.score, 67);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_PA);
}
END_TEST

START_TEST(no_tests_cannot_be_judged)
{
	scoring_summarize(NULL, 0, 0, &sum);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_NONE);
	ck_assert_int_eq(sum.score, 0);
	ck_assert_int_eq(sum.total_tests, 0);
}
END_TEST

START_TEST(unjudged_tests_count_as_not_passed)
{
	scoring_test tests[] = {T(1, 1, 1, NONE), T(2, 2, 1, AC), T(3, 3, 1, RE)};
	scoring_test only_unjudged[] = {T(1, 1, 1, NONE), T(2, 2, 0, AC)};

	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.passed_tests, 1);
	ck_assert_int_eq(sum.score, 33);
	tests[1].verdict = SV_VERDICT_WA;
	scoring_summarize(tests, COUNT(tests), 0, &sum);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_WA); /* the judged failure with the lowest order */
	scoring_summarize(only_unjudged, COUNT(only_unjudged), 0, &sum);
	ck_assert_int_eq(sum.verdict, SV_VERDICT_NONE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scoring");
	TCase *tc = tcase_create("summarize");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, all_accepted);
	tcase_add_test(tc, weights_decide_the_score);
	tcase_add_test(tc, rounding);
	tcase_add_test(tc, all_zero_weights_count_tests_equally);
	tcase_add_test(tc, negative_and_nan_weights_count_as_zero);
	tcase_add_test(tc, nothing_passed_gives_first_failure_in_order);
	tcase_add_test(tc, score_rounding_to_zero_is_not_partial);
	tcase_add_test(tc, failed_test_without_weight_is_not_hidden);
	tcase_add_test(tc, compile_error);
	tcase_add_test(tc, time_and_memory_are_maxima);
	tcase_add_test(tc, no_tests_cannot_be_judged);
	tcase_add_test(tc, unjudged_tests_count_as_not_passed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
