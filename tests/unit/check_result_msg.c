/* The code-results messages (common/sv_result.c): build, parse back, sanitize, reject bad input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sv_result.h"

static char err[256];

static cJSON *json_of(const char *text)
{
	cJSON *root = cJSON_Parse(text);

	ck_assert_ptr_nonnull(root);
	return root;
}

static sv_result_msg final_msg(const sv_test_result *tests, size_t count)
{
	sv_result_msg msg = {
	    .submission_id = 123,
	    .task_id = 45,
	    .status = SV_STATUS_COMPLETED,
	    .attempt = 2,
	    .processed_at = "2025-11-28T12:00:05Z",
	    .score = 85,
	    .passed_tests = 17,
	    .total_tests = 20,
	    .execution_time = 0.2341,
	    .memory_used = 2048,
	    .verdict = SV_VERDICT_PA,
	    .tests = tests,
	    .test_count = count,
	    .compiler_output = "main.c:1: warning: unused variable",
	};
	return msg;
}

START_TEST(final_result_round_trip)
{
	sv_test_result tests[2] = {
	    {.test_id = 7,
	     .order = 1,
	     .verdict = SV_VERDICT_WA,
	     .time = 0.0125,
	     .memory = 1500,
	     .is_sample = 1,
	     .message = "line 1: expected \"3\", got \"4\"",
	     .input = "1 2\n",
	     .input_len = 4,
	     .expected = "3\n",
	     .expected_len = 2,
	     .actual = "4\n",
	     .actual_len = 2},
	    {.test_id = 8, .order = 2, .verdict = SV_VERDICT_AC, .time = 0.2341, .memory = 2048},
	};
	sv_result_msg msg = final_msg(tests, 2), back;
	char *text = sv_result_msg_build(&msg);
	cJSON *tree;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(back.submission_id, 123);
	ck_assert_int_eq(back.task_id, 45);
	ck_assert_int_eq(back.status, SV_STATUS_COMPLETED);
	ck_assert_int_eq(back.attempt, 2);
	ck_assert_int_eq(back.schema, 1);
	ck_assert_str_eq(back.processed_at, "2025-11-28T12:00:05Z");
	ck_assert_int_eq(back.score, 85);
	ck_assert_int_eq(back.passed_tests, 17);
	ck_assert_int_eq(back.total_tests, 20);
	ck_assert_double_eq(back.execution_time, 0.234); /* milliseconds */
	ck_assert_int_eq(back.memory_used, 2048);
	ck_assert_int_eq(back.verdict, SV_VERDICT_PA);
	ck_assert_str_eq(back.compiler_output, "main.c:1: warning: unused variable");
	ck_assert_str_eq(back.error_message, "");
	ck_assert_uint_eq(back.test_count, 2);
	ck_assert_int_eq(back.tests[0].test_id, 7);
	ck_assert_int_eq(back.tests[0].order, 1);
	ck_assert_int_eq(back.tests[0].verdict, SV_VERDICT_WA);
	ck_assert_double_eq(back.tests[0].time, 0.013);
	ck_assert_int_eq(back.tests[0].memory, 1500);
	ck_assert_int_eq(back.tests[0].is_sample, 1);
	ck_assert_str_eq(back.tests[0].message, "line 1: expected \"3\", got \"4\"");
	ck_assert_str_eq(back.tests[0].input, "1 2\n");
	ck_assert_uint_eq(back.tests[0].input_len, 4);
	ck_assert_str_eq(back.tests[0].expected, "3\n");
	ck_assert_str_eq(back.tests[0].actual, "4\n");
	ck_assert_int_eq(back.tests[0].actual_truncated, 0);
	ck_assert_int_eq(back.tests[1].test_id, 8);
	ck_assert_int_eq(back.tests[1].verdict, SV_VERDICT_AC);
	ck_assert_int_eq(back.tests[1].is_sample, 0);
	ck_assert_ptr_null(back.tests[1].input);
	sv_result_msg_clear(&back);
	ck_assert_ptr_null(back.tests);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

START_TEST(final_result_has_the_contract_fields)
{
	sv_result_msg msg = final_msg(NULL, 0);
	char *text = sv_result_msg_build(&msg);
	static const char *const fields[] = {
	    "submission_id", "task_id",        "status",      "score",        "passed_tests",
	    "total_tests",   "execution_time", "memory_used", "test_results", "compiler_output",
	    "error_message", "processed_at",   "attempt",     "verdict",      "v",
	};
	cJSON *root = json_of(text);

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		ck_assert_msg(cJSON_HasObjectItem(root, fields[i]), "field %s missing in %s", fields[i], text);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "status")->valuestring, "completed");
	ck_assert_str_eq(cJSON_GetObjectItem(root, "verdict")->valuestring, "PA");
	ck_assert_int_eq(cJSON_GetObjectItem(root, "v")->valueint, 1);
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(root, "test_results")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(root, "error_message")));
	ck_assert_ptr_nonnull(strstr(text, "\"execution_time\":0.234,"));
	cJSON_Delete(root);
	free(text);
}
END_TEST

START_TEST(hidden_tests_show_no_data_and_no_answer)
{
	sv_test_result tests[2] = {
	    {.test_id = 1,
	     .order = 1,
	     .verdict = SV_VERDICT_WA,
	     .message = "line 1: expected \"secret\", got \"x\"",
	     .input = "secret input",
	     .input_len = 12,
	     .expected = "secret",
	     .expected_len = 6,
	     .actual = "x",
	     .actual_len = 1},
	    {.test_id = 2, .order = 2, .verdict = SV_VERDICT_RE, .message = "killed by signal 11 (SIGSEGV)"},
	};
	sv_result_msg msg = final_msg(tests, 2);
	char *text = sv_result_msg_build(&msg);

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "secret"));
	ck_assert_ptr_null(strstr(text, "\"input\""));
	ck_assert_ptr_null(strstr(text, "\"actual\""));
	/* a runtime reason reveals nothing about the test data */
	ck_assert_ptr_nonnull(strstr(text, "\"message\":\"killed by signal 11 (SIGSEGV)\""));
	free(text);
}
END_TEST

START_TEST(processing_event_round_trip)
{
	sv_result_msg msg = {.submission_id = 9,
			     .task_id = 3,
			     .status = SV_STATUS_PROCESSING,
			     .attempt = 1,
			     .tests_done = 4,
			     .total_tests = 10};
	sv_result_msg back;
	char *text = sv_result_msg_build(&msg);
	cJSON *tree, *root = json_of(text);

	ck_assert_str_eq(cJSON_GetObjectItem(root, "status")->valuestring, "processing");
	ck_assert_int_eq(cJSON_GetObjectItem(root, "tests_done")->valueint, 4);
	ck_assert_int_eq(cJSON_GetObjectItem(root, "total_tests")->valueint, 10);
	ck_assert_int_eq(cJSON_GetObjectItem(root, "attempt")->valueint, 1);
	ck_assert_int_eq(cJSON_GetObjectItem(root, "v")->valueint, 1);
	ck_assert(!cJSON_HasObjectItem(root, "verdict"));
	ck_assert(!cJSON_HasObjectItem(root, "score"));
	/* processed_at defaults to now, in the contract's format */
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(root, "processed_at")->valuestring), 20);
	cJSON_Delete(root);

	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(back.status, SV_STATUS_PROCESSING);
	ck_assert_int_eq(back.tests_done, 4);
	ck_assert_int_eq(back.total_tests, 10);
	ck_assert_int_eq(back.submission_id, 9);
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

START_TEST(failed_result)
{
	sv_result_msg msg = {.submission_id = 5,
			     .task_id = 6,
			     .status = SV_STATUS_FAILED,
			     .attempt = 3,
			     .error_message = "Judge0 unreachable after 5 tries"};
	sv_result_msg back;
	char *text = sv_result_msg_build(&msg);
	cJSON *tree, *root = json_of(text);

	ck_assert_str_eq(cJSON_GetObjectItem(root, "status")->valuestring, "failed");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(root, "verdict")));
	cJSON_Delete(root);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(back.status, SV_STATUS_FAILED);
	ck_assert_int_eq(back.verdict, SV_VERDICT_NONE);
	ck_assert_str_eq(back.error_message, "Judge0 unreachable after 5 tries");
	ck_assert_int_eq(back.attempt, 3);
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

START_TEST(pending_is_not_a_result)
{
	sv_result_msg msg = {.submission_id = 5, .task_id = 6, .status = SV_STATUS_PENDING, .attempt = 1};

	ck_assert_ptr_null(sv_result_msg_build(&msg));
}
END_TEST

START_TEST(binary_output_becomes_valid_utf8)
{
	/* NUL, a stray continuation byte, a truncated sequence, an overlong '/', a surrogate, valid é */
	static const char actual[] = "a\0b\x80"
				     "c\xe2\x82"
				     "d\xc0\xaf"
				     "e\xed\xa0\x80"
				     "f\xc3\xa9";
	sv_test_result test = {.test_id = 1,
			       .order = 1,
			       .verdict = SV_VERDICT_WA,
			       .is_sample = 1,
			       .actual = actual,
			       .actual_len = sizeof(actual) - 1};
	sv_result_msg msg = final_msg(&test, 1), back;
	char *text = sv_result_msg_build(&msg);
	cJSON *tree;

	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_str_eq(back.tests[0].actual, "a\xef\xbf\xbd"
					       "b\xef\xbf\xbd"
					       "c\xef\xbf\xbd\xef\xbf\xbd"
					       "d\xef\xbf\xbd\xef\xbf\xbd"
					       "e\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
					       "f\xc3\xa9");
	/* nothing PostgreSQL's jsonb would refuse */
	ck_assert_ptr_null(strstr(text, "\\u0000"));
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

START_TEST(long_texts_are_cut)
{
	size_t big = 10 * 1024 * 1024;
	char *huge = malloc(big + 1);
	sv_test_result test = {.test_id = 1, .order = 1, .verdict = SV_VERDICT_OLE, .is_sample = 1};
	sv_result_msg msg = final_msg(&test, 1), back;
	char *text;
	cJSON *tree;

	ck_assert_ptr_nonnull(huge);
	memset(huge, 'x', big);
	huge[big] = '\0';
	test.actual = huge;
	test.actual_len = big;
	test.input = "1\n";
	test.input_len = 2;
	msg.compiler_output = huge;
	text = sv_result_msg_build(&msg);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_lt(strlen(text), 100 * 1024);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.tests[0].actual_len, SV_RESULT_SAMPLE_MAX);
	ck_assert_int_eq(back.tests[0].actual_truncated, 1);
	ck_assert_int_eq(back.tests[0].input_truncated, 0);
	ck_assert_uint_eq(strlen(back.compiler_output), SV_RESULT_COMPILER_MAX + strlen("\n[... truncated]"));
	ck_assert_ptr_nonnull(strstr(back.compiler_output, "\n[... truncated]"));
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
	free(huge);
}
END_TEST

START_TEST(sanitize_never_cuts_a_character_in_half)
{
	int cut = 0;
	/* "aé": the limit of 2 bytes falls inside é */
	char *text = sv_utf8_sanitize("a\xc3\xa9", 3, 2, &cut);

	ck_assert_str_eq(text, "a");
	ck_assert_int_eq(cut, 1);
	free(text);
	text = sv_utf8_sanitize("a\xc3\xa9", 3, 3, &cut);
	ck_assert_str_eq(text, "a\xc3\xa9");
	ck_assert_int_eq(cut, 0);
	free(text);
	text = sv_utf8_sanitize(NULL, 10, 10, &cut);
	ck_assert_str_eq(text, "");
	free(text);
	/* 4-byte sequences and the largest code point pass; above it does not */
	text = sv_utf8_sanitize("\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xf4\x90\x80\x80", 12, 100, NULL);
	ck_assert_str_eq(text, "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(text);
}
END_TEST

/* Parses text and expects a failure whose reason contains want. */
static void expect_rejected(const char *text, const char *want, long long id)
{
	sv_result_msg msg;
	cJSON *tree = (cJSON *)1;

	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &msg, &tree, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
	ck_assert_ptr_null(tree);
	ck_assert_ptr_null(msg.tests);
	ck_assert_int_eq(msg.submission_id, id);
}

START_TEST(bad_messages_are_rejected)
{
	expect_rejected("not json", "not a JSON object", 0);
	expect_rejected("[1,2]", "not a JSON object", 0);
	expect_rejected("{\"task_id\":1,\"status\":\"completed\"}", "missing field \"submission_id\"", 0);
	expect_rejected("{\"submission_id\":-4,\"task_id\":1}", "\"submission_id\"", 0);
	expect_rejected("{\"submission_id\":1.5,\"task_id\":1}", "\"submission_id\"", 0);
	expect_rejected("{\"submission_id\":7,\"status\":\"completed\"}", "missing field \"task_id\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"pending\"}", "field \"status\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1}", "missing field \"status\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"score\":50}",
			"missing field \"verdict\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"OK\",\"score\":50}",
			"not a known verdict", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\",\"score\":101}",
			"\"score\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\"}",
			"missing field \"score\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\",\"score\":1,"
			"\"passed_tests\":3,\"total_tests\":2}",
			"passed_tests is larger", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\",\"score\":1,"
			"\"test_results\":{}}",
			"\"test_results\" must be an array", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\",\"score\":1,"
			"\"test_results\":[{\"test_id\":1,\"verdict\":\"AC\"},{\"test_id\":2,\"verdict\":\"XX\"}]}",
			"test_results[1]: field \"verdict\" is not a known verdict", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\",\"score\":1,"
			"\"execution_time\":-1}",
			"\"execution_time\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"processing\",\"tests_done\":5,"
			"\"total_tests\":4}",
			"tests_done is larger", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"failed\",\"attempt\":0}", "\"attempt\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"failed\",\"error_message\":5}",
			"\"error_message\" must be a string", 7);
}
END_TEST

START_TEST(test_results_are_capped_with_a_marker)
{
	size_t n = SV_RESULT_TESTS_MAX + 250;
	sv_test_result *tests = calloc(n, sizeof(*tests));
	sv_result_msg msg, back;
	cJSON *root, *tree;
	char *text, *big = malloc(SV_RESULT_SAMPLE_MAX);

	ck_assert_ptr_nonnull(tests);
	for (size_t i = 0; i < n; i++) {
		tests[i].test_id = (long long)i + 1;
		tests[i].order = (int)i;
		tests[i].verdict = SV_VERDICT_AC;
	}
	msg = final_msg(tests, n);
	msg.total_tests = msg.passed_tests = (int)n;
	text = sv_result_msg_build(&msg);
	root = json_of(text);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "test_results")), SV_RESULT_TESTS_MAX);
	ck_assert_int_eq(cJSON_GetObjectItem(root, "test_results_omitted")->valueint, 250);
	ck_assert_int_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "test_results"), 0)->child->valueint, 1);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.tests_omitted, 250);
	ck_assert_uint_eq(back.test_count, SV_RESULT_TESTS_MAX);
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	cJSON_Delete(root);
	free(text);

	/* Large samples: the byte budget binds first, and the message stays far below 1 MB. */
	memset(big, '"', SV_RESULT_SAMPLE_MAX);
	for (size_t i = 0; i < 200; i++) {
		tests[i].is_sample = 1;
		tests[i].input = tests[i].expected = tests[i].actual = big;
		tests[i].input_len = tests[i].expected_len = tests[i].actual_len = SV_RESULT_SAMPLE_MAX;
	}
	msg.test_count = 200;
	text = sv_result_msg_build(&msg);
	root = json_of(text);
	ck_assert_int_lt(cJSON_GetArraySize(cJSON_GetObjectItem(root, "test_results")), 200);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "test_results")) +
			     cJSON_GetObjectItem(root, "test_results_omitted")->valueint,
			 200);
	ck_assert_uint_lt(strlen(text), SV_RESULT_TESTS_BYTES + 64 * 1024);
	cJSON_Delete(root);
	free(text);

	/* Within the limits: no marker. */
	msg.test_count = 3;
	text = sv_result_msg_build(&msg);
	root = json_of(text);
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "test_results_omitted"));
	cJSON_Delete(root);
	free(text);
	free(big);
	free(tests);
}
END_TEST

START_TEST(schema_version_is_checked)
{
	const char *newer = "{\"submission_id\":7,\"task_id\":1,\"status\":\"failed\",\"v\":2}";
	const char *current = "{\"submission_id\":7,\"task_id\":1,\"status\":\"failed\",\"v\":1}";
	sv_result_msg msg;
	cJSON *tree = (cJSON *)1;

	ck_assert_int_eq(sv_result_msg_parse(newer, strlen(newer), &msg, &tree, err, sizeof(err)), SV_MSG_NEWER);
	ck_assert_ptr_nonnull(strstr(err, "schema version 2 is newer than this program reads (up to 1)"));
	ck_assert_ptr_null(tree);
	ck_assert_int_eq(msg.submission_id, 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"failed\",\"v\":0}", "\"v\"", 7);
	expect_rejected("{\"submission_id\":7,\"task_id\":1,\"status\":\"failed\",\"v\":\"1\"}", "\"v\"", 7);
	ck_assert_int_eq(sv_result_msg_parse(current, strlen(current), &msg, &tree, err, sizeof(err)), SV_MSG_OK);
	ck_assert_int_eq(msg.schema, 1);
	sv_result_msg_clear(&msg);
	cJSON_Delete(tree);
}
END_TEST

START_TEST(original_design_messages_are_accepted)
{
	/* no "v", no attempt, no test_results: the Python services' shape */
	const char *text = "{\"submission_id\":123,\"task_id\":45,\"status\":\"completed\",\"score\":85,"
			   "\"passed_tests\":17,\"total_tests\":20,\"execution_time\":0.234,\"memory_used\":2048,"
			   "\"compiler_output\":\"\",\"error_message\":\"\",\"processed_at\":\"2025-11-28T12:00:05Z\","
			   "\"verdict\":\"WA\"}";
	sv_result_msg msg;
	cJSON *tree;

	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &msg, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(msg.schema, 0);
	ck_assert_int_eq(msg.attempt, 1);
	ck_assert_int_eq(msg.verdict, SV_VERDICT_WA);
	ck_assert_uint_eq(msg.test_count, 0);
	sv_result_msg_clear(&msg);
	cJSON_Delete(tree);
}
END_TEST

START_TEST(points_groups_and_feedback_round_trip)
{
	static const char stderr_bytes[] = "warning: x\0\xff";
	sv_group_result groups[2] = {
	    {.name = "secret/a", .points = 87.5, .max_points = 100, .verdict = SV_VERDICT_PA},
	    {.name = "secret/b", .points = 0, .max_points = 10, .verdict = SV_VERDICT_NONE},
	};
	sv_test_result tests[2] = {
	    {.test_id = 7,
	     .order = 1,
	     .verdict = SV_VERDICT_AC,
	     .group = "secret/a",
	     .has_score = 1,
	     .score = 0.25,
	     .judge_message = "greedy: 3 of 12",
	     .team_message = "try harder",
	     .stderr_head = stderr_bytes,
	     .stderr_len = sizeof(stderr_bytes) - 1,
	     .has_exit_code = 1,
	     .exit_code = -1},
	    {.test_id = 8, .order = 2, .verdict = SV_VERDICT_WA},
	};
	sv_result_msg msg = final_msg(tests, 2), back;
	char *text;
	cJSON *tree, *root, *g;

	msg.has_points = 1;
	msg.points = 87.5;
	msg.max_points = 110;
	msg.groups = groups;
	msg.group_count = 2;
	text = sv_result_msg_build(&msg);
	ck_assert_ptr_nonnull(text);
	root = json_of(text);
	g = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "groups"), 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(g, "verdict")));
	/* a test without feedback carries none of its fields */
	ck_assert_ptr_null(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "test_results"), 1), "group"));
	ck_assert_ptr_null(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "test_results"), 1), "score"));
	ck_assert_ptr_null(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "test_results"), 1), "exit_code"));
	cJSON_Delete(root);

	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(back.has_points, 1);
	ck_assert_double_eq(back.points, 87.5);
	ck_assert_double_eq(back.max_points, 110);
	ck_assert_uint_eq(back.group_count, 2);
	ck_assert_str_eq(back.groups[0].name, "secret/a");
	ck_assert_double_eq(back.groups[0].points, 87.5);
	ck_assert_double_eq(back.groups[0].max_points, 100);
	ck_assert_int_eq(back.groups[0].verdict, SV_VERDICT_PA);
	ck_assert_str_eq(back.groups[1].name, "secret/b");
	ck_assert_int_eq(back.groups[1].verdict, SV_VERDICT_NONE);
	ck_assert_str_eq(back.tests[0].group, "secret/a");
	ck_assert_int_eq(back.tests[0].has_score, 1);
	ck_assert_double_eq(back.tests[0].score, 0.25);
	ck_assert_str_eq(back.tests[0].judge_message, "greedy: 3 of 12");
	ck_assert_str_eq(back.tests[0].team_message, "try harder");
	ck_assert_str_eq(back.tests[0].stderr_head, "warning: x\xef\xbf\xbd\xef\xbf\xbd");
	ck_assert_int_eq(back.tests[0].has_exit_code, 1);
	ck_assert_int_eq(back.tests[0].exit_code, -1);
	ck_assert_ptr_null(back.tests[1].group);
	ck_assert_int_eq(back.tests[1].has_score, 0);
	ck_assert_int_eq(back.tests[1].has_exit_code, 0);
	sv_result_msg_clear(&back);
	ck_assert_ptr_null(back.groups);
	cJSON_Delete(tree);
	free(text);

	/* an older worker's result has neither points nor groups */
	msg.has_points = 0;
	msg.group_count = 0;
	text = sv_result_msg_build(&msg);
	root = json_of(text);
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "points"));
	ck_assert_ptr_null(cJSON_GetObjectItem(root, "groups"));
	cJSON_Delete(root);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(back.has_points, 0);
	ck_assert_uint_eq(back.group_count, 0);
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
}
END_TEST

START_TEST(feedback_and_groups_are_bounded)
{
	size_t n = SV_RESULT_TESTS_MAX, groups_n = SV_RESULT_GROUPS_MAX + 44, kept;
	sv_test_result *tests = calloc(n, sizeof(*tests));
	sv_group_result *groups = calloc(groups_n, sizeof(*groups));
	char *long_text = malloc(8193), *long_name = malloc(301), *text;
	sv_result_msg msg, back;
	cJSON *root, *tree, *first;

	ck_assert(tests && groups && long_text && long_name);
	memset(long_text, '\x01', 8192); /* escaped as \u0001: six bytes of JSON each */
	long_text[8192] = '\0';
	memset(long_name, 'g', 300);
	long_name[300] = '\0';
	for (size_t i = 0; i < n; i++) {
		tests[i].test_id = (long long)i + 1;
		tests[i].order = (int)i;
		tests[i].verdict = SV_VERDICT_WA;
		tests[i].message = tests[i].judge_message = tests[i].team_message = long_text;
		tests[i].stderr_head = long_text;
		tests[i].stderr_len = 8192;
		tests[i].group = long_name;
	}
	for (size_t i = 0; i < groups_n; i++) {
		groups[i].name = long_name;
		groups[i].verdict = SV_VERDICT_WA;
	}
	msg = final_msg(tests, n);
	msg.groups = groups;
	msg.group_count = groups_n;
	text = sv_result_msg_build(&msg);
	ck_assert_ptr_nonnull(text);
	/* far below Kafka's 1 MB default, and every result left out is counted */
	ck_assert_uint_lt(strlen(text), 900 * 1024);
	root = json_of(text);
	kept = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(root, "test_results"));
	ck_assert_uint_gt(kept, 0);
	ck_assert_uint_eq(kept + (size_t)cJSON_GetObjectItem(root, "test_results_omitted")->valueint, n);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "groups")), SV_RESULT_GROUPS_MAX);
	ck_assert_int_eq(cJSON_GetObjectItem(root, "groups_omitted")->valueint, 44);
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "test_results"), 0);
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(first, "judge_message")->valuestring), SV_RESULT_FEEDBACK_MAX);
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(first, "team_message")->valuestring), SV_RESULT_FEEDBACK_MAX);
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(first, "stderr")->valuestring), SV_RESULT_FEEDBACK_MAX);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(first, "stderr_truncated")));
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(first, "group")->valuestring), SV_RESULT_GROUP_NAME_MAX);
	/* hidden WA: the checker's reason stays out of "message" */
	ck_assert_ptr_null(cJSON_GetObjectItem(first, "message"));
	cJSON_Delete(root);
	ck_assert_int_eq(sv_result_msg_parse(text, strlen(text), &back, &tree, err, sizeof(err)), 0);
	ck_assert_uint_eq(back.groups_omitted, 44);
	ck_assert_uint_eq(back.group_count, SV_RESULT_GROUPS_MAX);
	ck_assert_int_eq(back.tests[0].stderr_truncated, 1);
	sv_result_msg_clear(&back);
	cJSON_Delete(tree);
	free(text);
	free(long_text);
	free(long_name);
	free(groups);
	free(tests);
}
END_TEST

START_TEST(bad_points_and_groups_are_rejected)
{
#define FINAL "{\"submission_id\":7,\"task_id\":1,\"status\":\"completed\",\"verdict\":\"AC\",\"score\":1,"
	expect_rejected(FINAL "\"points\":-1}", "\"points\"", 7);
	expect_rejected(FINAL "\"max_points\":\"9\"}", "\"max_points\"", 7);
	expect_rejected(FINAL "\"groups\":{}}", "\"groups\" must be an array", 7);
	expect_rejected(FINAL "\"groups\":[5]}", "groups[0] is not an object", 7);
	expect_rejected(FINAL "\"groups\":[{\"points\":1}]}", "groups[0]: missing field \"name\"", 7);
	expect_rejected(FINAL "\"groups\":[{\"name\":\"a\"},{\"name\":\"b\",\"verdict\":\"XX\"}]}",
			"groups[1]: field \"verdict\" is not a known verdict", 7);
	expect_rejected(FINAL "\"groups\":[{\"name\":\"a\",\"max_points\":-2}]}", "groups[0]: field \"max_points\"", 7);
	expect_rejected(FINAL "\"test_results\":[{\"test_id\":1,\"verdict\":\"AC\",\"score\":-1}]}",
			"test_results[0]: field \"score\"", 7);
	expect_rejected(FINAL "\"test_results\":[{\"test_id\":1,\"verdict\":\"AC\",\"exit_code\":1.5}]}",
			"test_results[0]: field \"exit_code\"", 7);
	expect_rejected(FINAL "\"test_results\":[{\"test_id\":1,\"verdict\":\"AC\",\"judge_message\":3}]}",
			"test_results[0]: field \"judge_message\" must be a string", 7);
#undef FINAL
}
END_TEST

int main(void)
{
	Suite *s = suite_create("result_msg");
	TCase *tc = tcase_create("build and parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, final_result_round_trip);
	tcase_add_test(tc, final_result_has_the_contract_fields);
	tcase_add_test(tc, hidden_tests_show_no_data_and_no_answer);
	tcase_add_test(tc, processing_event_round_trip);
	tcase_add_test(tc, failed_result);
	tcase_add_test(tc, pending_is_not_a_result);
	tcase_add_test(tc, binary_output_becomes_valid_utf8);
	tcase_add_test(tc, long_texts_are_cut);
	tcase_add_test(tc, sanitize_never_cuts_a_character_in_half);
	tcase_add_test(tc, bad_messages_are_rejected);
	tcase_add_test(tc, original_design_messages_are_accepted);
	tcase_add_test(tc, schema_version_is_checked);
	tcase_add_test(tc, test_results_are_capped_with_a_marker);
	tcase_add_test(tc, points_groups_and_feedback_round_trip);
	tcase_add_test(tc, feedback_and_groups_are_bounded);
	tcase_add_test(tc, bad_points_and_groups_are_rejected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
