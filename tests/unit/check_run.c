/* common/sv_run.c: the sample run's message and result (issue 13). A run and a submission can
 * never be taken for each other: each parser refuses the other's messages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sv_message.h"
#include "sv_result.h"
#include "sv_run.h"

static char *run_text(void)
{
	sv_run_msg msg = {7, 3, 11, "5b0c6f1e-0000-4000-8000-000000000001", "print(1)\n", 9, 71, 4};

	return sv_run_msg_build(&msg);
}

START_TEST(a_run_message_round_trips)
{
	char *text = run_text(), err[256];
	sv_run_msg got;
	cJSON *tree;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(sv_run_msg_parse(text, strlen(text), &got, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert_int_eq(got.run_id, 7);
	ck_assert_int_eq(got.task_id, 3);
	ck_assert_int_eq(got.user_id, 11);
	ck_assert_str_eq(got.token, "5b0c6f1e-0000-4000-8000-000000000001");
	ck_assert_int_eq(got.code_len, 9);
	ck_assert_int_eq(got.language_id, 71);
	ck_assert_int_eq(got.task_revision, 4);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

START_TEST(runs_and_submissions_refuse_each_other)
{
	sv_submission_msg sub = {5, 3, 11, 0, "x", 1, 71, "2026-01-01T00:00:00Z", 1, 0};
	sv_run_report res = {7, 3, 11, "t", SV_STATUS_FAILED, SV_VERDICT_NONE, NULL, "why", NULL, 0};
	char *run = run_text(), *submission = sv_submission_msg_build(&sub), *report = sv_run_report_build(&res);
	char err[256], *tests;
	sv_submission_msg got_sub;
	sv_result_msg got_result;
	sv_run_msg got_run;
	sv_run_report got_report;
	cJSON *tree;

	ck_assert_int_eq(sv_submission_msg_parse(run, strlen(run), &got_sub, &tree, err, sizeof(err)), SV_MSG_BAD);
	ck_assert_int_eq(sv_run_msg_parse(submission, strlen(submission), &got_run, &tree, err, sizeof(err)),
			 SV_MSG_BAD);
	ck_assert_int_eq(sv_result_msg_parse(report, strlen(report), &got_result, &tree, err, sizeof(err)), SV_MSG_BAD);
	ck_assert_str_eq(err, "missing field \"submission_id\"");
	/* A run message carrying a submission id is no run either. */
	ck_assert_int_eq(sv_run_report_parse("{\"kind\":\"sample_run\",\"submission_id\":5,\"run_id\":7}", 52,
					     &got_report, &tests, &tree, err, sizeof(err)),
			 SV_MSG_BAD);
	ck_assert_str_eq(err, "a sample run message must not carry a submission_id");
	free(run);
	free(submission);
	free(report);
}
END_TEST

START_TEST(a_report_cuts_long_texts_and_says_so)
{
	size_t big = SV_RUN_TEXT_MAX + 100;
	char *output = malloc(big), *text, err[256], *tests;
	sv_run_test test = {1, "01", SV_VERDICT_WA, 0.25, 1024, 0, "1 2\n", 4, "3\n", 2, NULL, 0, "", 0};
	sv_run_report res = {7, 3, 11, "tok", SV_STATUS_COMPLETED, SV_VERDICT_WA, "", "", &test, 1};
	sv_run_report got;
	cJSON *tree, *parsed, *first;

	memset(output, 'y', big);
	test.output = output;
	test.output_len = big;
	text = sv_run_report_build(&res);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(sv_run_report_parse(text, strlen(text), &got, &tests, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert_int_eq(got.run_id, 7);
	ck_assert_int_eq(got.verdict, SV_VERDICT_WA);
	ck_assert_str_eq(got.token, "tok");
	parsed = cJSON_Parse(tests);
	first = cJSON_GetArrayItem(parsed, 0);
	ck_assert_int_eq(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(first, "output"))), SV_RUN_TEXT_MAX);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(first, "output_truncated")));
	ck_assert_ptr_null(cJSON_GetObjectItem(first, "expected_truncated"));
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(first, "expected")), "3\n");
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(first, "stderr")), "");
	cJSON_Delete(parsed);
	cJSON_Delete(tree);
	free(tests);
	free(text);
	free(output);
}
END_TEST

START_TEST(a_report_needs_a_final_status_and_a_verdict)
{
	char err[256], *tests;
	sv_run_report got;
	cJSON *tree;
	const char *pending = "{\"kind\":\"sample_run\",\"run_id\":1,\"task_id\":2,\"user_id\":3,\"token\":\"t\","
			      "\"status\":\"pending\"}";
	const char *no_verdict = "{\"kind\":\"sample_run\",\"run_id\":1,\"task_id\":2,\"user_id\":3,\"token\":\"t\","
				 "\"status\":\"completed\",\"verdict\":\"XX\"}";

	ck_assert_int_eq(sv_run_report_parse(pending, strlen(pending), &got, &tests, &tree, err, sizeof(err)),
			 SV_MSG_BAD);
	ck_assert_str_eq(err, "field \"status\" must be \"completed\" or \"failed\"");
	ck_assert_int_eq(sv_run_report_parse(no_verdict, strlen(no_verdict), &got, &tests, &tree, err, sizeof(err)),
			 SV_MSG_BAD);
	ck_assert_str_eq(err, "field \"verdict\" must be a verdict");
}
END_TEST

/* The largest id the parsers accept, 2^53 - 1, comes back digit for digit from every message the
 * services build: cJSON printed it as 9.00719925474099e+15 (tests/fuzz/fuzz_run_msg found it). */
START_TEST(the_largest_ids_survive_a_rebuild)
{
	const long long big = 9007199254740991LL;
	sv_run_msg msg = {big, big - 1, big - 2, "t", "x", 1, 71, 0}, run;
	sv_run_report rep = {.run_id = big,
			     .task_id = big - 1,
			     .user_id = big - 2,
			     .token = "t",
			     .status = SV_STATUS_FAILED},
		      rep_back;
	sv_submission_msg sub = {big, big - 1, big - 2, big - 3, "x", 1, 71, "2026-01-01T00:00:00Z", 1, 0}, sub_back;
	sv_result_msg res = {.submission_id = big, .task_id = big - 1, .status = SV_STATUS_FAILED, .attempt = 1},
		      res_back;
	char err[256], *tests, *text;
	cJSON *tree;

	text = sv_run_msg_build(&msg);
	ck_assert_ptr_nonnull(strstr(text, "\"run_id\":9007199254740991"));
	ck_assert_int_eq(sv_run_msg_parse(text, strlen(text), &run, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert(run.run_id == big && run.task_id == big - 1 && run.user_id == big - 2);
	cJSON_Delete(tree);
	free(text);

	text = sv_run_report_build(&rep);
	ck_assert_int_eq(sv_run_report_parse(text, strlen(text), &rep_back, &tests, &tree, err, sizeof(err)),
			 SV_MSG_OK);
	ck_assert(rep_back.run_id == big && rep_back.task_id == big - 1 && rep_back.user_id == big - 2);
	free(tests);
	cJSON_Delete(tree);
	free(text);

	text = sv_submission_msg_build(&sub);
	ck_assert_int_eq(sv_submission_msg_parse(text, strlen(text), &sub_back, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert(sub_back.submission_id == big && sub_back.task_id == big - 1 && sub_back.user_id == big - 2 &&
		  sub_back.team_id == big - 3);
	cJSON_Delete(tree);
	free(text);

	text = sv_result_msg_build(&res);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &res_back, &tree, err, sizeof(err)), 0);
	ck_assert(res_back.submission_id == big && res_back.task_id == big - 1);
	sv_result_msg_clear(&res_back);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, a_run_message_round_trips);
	tcase_add_test(tc, runs_and_submissions_refuse_each_other);
	tcase_add_test(tc, a_report_cuts_long_texts_and_says_so);
	tcase_add_test(tc, a_report_needs_a_final_status_and_a_verdict);
	tcase_add_test(tc, the_largest_ids_survive_a_rebuild);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
