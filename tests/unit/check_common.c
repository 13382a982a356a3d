#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sv_kafka.h"
#include "sv_language.h"
#include "sv_mac.h"
#include "sv_message.h"
#include "sv_parse.h"
#include "sv_time.h"
#include "sv_verdict.h"

START_TEST(verdict_names_round_trip)
{
	for (int v = SV_VERDICT_AC; v <= SV_VERDICT_PA; v++) {
		sv_verdict back;

		ck_assert_int_eq(sv_verdict_parse(sv_verdict_name((sv_verdict)v), &back), 0);
		ck_assert_int_eq(back, v);
	}
	sv_verdict unused;
	ck_assert_int_eq(sv_verdict_parse("ac", &unused), -1);
	ck_assert_int_eq(sv_verdict_parse("", &unused), -1);
	ck_assert_int_eq(sv_verdict_parse(NULL, &unused), -1);
	ck_assert_str_eq(sv_verdict_name((sv_verdict)99), "");
}
END_TEST

START_TEST(status_order)
{
	sv_status s;

	ck_assert_int_eq(sv_status_parse("processing", &s), 0);
	ck_assert_int_eq(s, SV_STATUS_PROCESSING);
	ck_assert(!sv_status_is_final(SV_STATUS_PENDING));
	ck_assert(!sv_status_is_final(SV_STATUS_PROCESSING));
	ck_assert(sv_status_is_final(SV_STATUS_COMPLETED));
	ck_assert(sv_status_is_final(SV_STATUS_FAILED));
	ck_assert_int_eq(sv_status_parse("done", &s), -1);
}
END_TEST

START_TEST(submission_message_round_trip)
{
	static const char code[] = "#include <stdio.h>\nint main(void) { puts(\"\\\"hi\\\" \xc3\xa9\"); }\n";
	sv_submission_msg in = {
	    .submission_id = 123,
	    .task_id = 45,
	    .user_id = 67,
	    .team_id = 89,
	    .code = code,
	    .code_len = sizeof(code) - 1,
	    .language_id = 50,
	    .timestamp = "2025-11-28T12:00:00Z",
	    .attempt = 2,
	};
	sv_submission_msg out;
	cJSON *tree;
	char err[256];
	char *json = sv_submission_msg_build(&in);

	ck_assert_ptr_nonnull(json);
	ck_assert_int_eq(sv_submission_msg_parse(json, strlen(json), &out, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(out.submission_id, 123);
	ck_assert_int_eq(out.task_id, 45);
	ck_assert_int_eq(out.user_id, 67);
	ck_assert_int_eq(out.team_id, 89);
	ck_assert_int_eq(out.language_id, 50);
	ck_assert_int_eq(out.attempt, 2);
	ck_assert_str_eq(out.code, code);
	ck_assert_str_eq(out.timestamp, "2025-11-28T12:00:00Z");
	ck_assert_int_eq(out.task_revision, 0);
	ck_assert_ptr_null(strstr(json, "task_revision"));
	/* The original design's field names, exactly. */
	ck_assert_ptr_nonnull(strstr(json, "\"submission_id\":123"));
	ck_assert_ptr_nonnull(strstr(json, "\"language_id\":50"));
	cJSON_Delete(tree);
	free(json);
}
END_TEST

START_TEST(submission_message_without_team)
{
	sv_submission_msg in = {.submission_id = 1,
				.task_id = 2,
				.user_id = 3,
				.code = "x",
				.code_len = 1,
				.language_id = 71,
				.timestamp = "t",
				.attempt = 1};
	sv_submission_msg out;
	cJSON *tree;
	char err[256];
	char *json = sv_submission_msg_build(&in);

	ck_assert_ptr_nonnull(strstr(json, "\"team_id\":null"));
	ck_assert_int_eq(sv_submission_msg_parse(json, strlen(json), &out, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(out.team_id, 0);
	cJSON_Delete(tree);
	free(json);
}
END_TEST

static void expect_parse_error(const char *json, const char *reason, long long known_id)
{
	sv_submission_msg out;
	cJSON *tree;
	char err[256] = "";

	ck_assert_int_eq(sv_submission_msg_parse(json, strlen(json), &out, &tree, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, reason) != NULL, "error \"%s\" lacks \"%s\"", err, reason);
	ck_assert_int_eq(out.submission_id, known_id);
	cJSON_Delete(tree);
}

START_TEST(submission_message_rejects_bad_input)
{
	expect_parse_error("not json", "not a JSON object", 0);
	expect_parse_error("[1,2]", "not a JSON object", 0);
	expect_parse_error("{}", "missing field \"submission_id\"", 0);
	expect_parse_error("{\"submission_id\":-4}", "positive integer", 0);
	expect_parse_error("{\"submission_id\":1.5}", "positive integer", 0);
	expect_parse_error("{\"submission_id\":7}", "missing field \"task_id\"", 7);
	expect_parse_error("{\"submission_id\":7,\"task_id\":1,\"user_id\":1,\"language_id\":50}",
			   "missing field \"code\"", 7);
	expect_parse_error("{\"submission_id\":7,\"task_id\":1,\"user_id\":1,\"language_id\":50,\"code\":5}",
			   "\"code\" must be a string", 7);
	expect_parse_error("{\"submission_id\":7,\"task_id\":\"1\",\"user_id\":1,\"language_id\":50,\"code\":\"\"}",
			   "\"task_id\" must be a positive integer", 7);
}
END_TEST

START_TEST(submission_message_schema_and_ownership)
{
	const char *newer = "{\"submission_id\":9,\"task_id\":4,\"user_id\":2,\"code\":\"x\",\"language_id\":71,"
			    "\"attempt\":2,\"v\":3}";
	const char *bad = "{\"submission_id\":9,\"task_id\":4,\"attempt\":2,\"user_id\":2,\"language_id\":71}";
	sv_submission_msg out;
	cJSON *tree = (cJSON *)1;
	char err[256] = "";

	ck_assert_int_eq(sv_submission_msg_parse(newer, strlen(newer), &out, &tree, err, sizeof(err)), SV_MSG_NEWER);
	ck_assert_ptr_nonnull(strstr(err, "schema version 3 is newer"));
	ck_assert_ptr_null(tree);
	ck_assert_int_eq(out.submission_id, 9);
	/* A malformed message: no tree to free, the ids that were read are kept for the failed result. */
	tree = (cJSON *)1;
	ck_assert_int_eq(sv_submission_msg_parse(bad, strlen(bad), &out, &tree, err, sizeof(err)), SV_MSG_BAD);
	ck_assert_ptr_nonnull(strstr(err, "missing field \"code\""));
	ck_assert_ptr_null(tree);
	ck_assert_int_eq(out.submission_id, 9);
	ck_assert_int_eq(out.task_id, 4);
	ck_assert_int_eq(out.attempt, 2);
	ck_assert_ptr_null(out.code);
}
END_TEST

START_TEST(language_names)
{
	sv_language_names names;
	char err[256] = "";

	ck_assert_str_eq(sv_judge0_language_name(71), "Python (3.8.1)");
	ck_assert_str_eq(sv_judge0_language_name(43), "Plain Text");
	ck_assert_ptr_null(sv_judge0_language_name(42));
	ck_assert_ptr_null(sv_judge0_language_name(89));
	/* The sandbox's own file names what really runs there. */
	ck_assert_int_eq(sv_language_names_load(SV_LANGUAGES_JSON, &names, err, sizeof(err)), 0);
	ck_assert_str_eq(sv_language_names_find(&names, 71), "Python (3.11)");
	ck_assert_ptr_null(sv_language_names_find(&names, 70));
	for (size_t i = 0; i < names.n; i++)
		ck_assert_msg(sv_judge0_language_name(names.v[i].id), "language %d is not a Judge0 id", names.v[i].id);
	sv_language_names_free(&names);
	ck_assert_uint_eq(names.n, 0);

	ck_assert_int_eq(
	    sv_language_names_parse("{\"languages\":[{\"id\":5,\"name\":\"A\"},{\"id\":5,\"name\":\"B\"}]}", &names,
				    err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "language 5 appears twice"));
	ck_assert_int_eq(
	    sv_language_names_parse("{\"languages\":[{\"id\":1.5,\"name\":\"A\"}]}", &names, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "languages[0]: \"id\" must be a positive integer"));
	ck_assert_int_eq(sv_language_names_parse("{\"languages\":[{\"id\":7}]}", &names, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "language 7: \"name\" is missing"));
	ck_assert_int_eq(sv_language_names_load("/nonexistent/languages.json", &names, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot open /nonexistent/languages.json"));
}
END_TEST

START_TEST(submission_message_default_attempt)
{
	const char *json = "{\"submission_id\":9,\"task_id\":1,\"user_id\":2,\"team_id\":null,"
			   "\"code\":\"print(1)\",\"language_id\":71,\"timestamp\":\"2025-11-28T12:00:00Z\"}";
	sv_submission_msg out;
	cJSON *tree;
	char err[256];

	ck_assert_int_eq(sv_submission_msg_parse(json, strlen(json), &out, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(out.attempt, 1);
	cJSON_Delete(tree);
}
END_TEST

START_TEST(submission_message_task_revision)
{
	sv_submission_msg in = {.submission_id = 1,
				.task_id = 2,
				.user_id = 3,
				.code = "x",
				.code_len = 1,
				.language_id = 71,
				.timestamp = "t",
				.attempt = 1,
				.task_revision = 7};
	sv_submission_msg out;
	cJSON *tree;
	char err[256];
	char *json = sv_submission_msg_build(&in);

	ck_assert_ptr_nonnull(strstr(json, "\"task_revision\":7"));
	ck_assert_int_eq(sv_submission_msg_parse(json, strlen(json), &out, &tree, err, sizeof(err)), 0);
	ck_assert_int_eq(out.task_revision, 7);
	cJSON_Delete(tree);
	free(json);
	expect_parse_error("{\"submission_id\":7,\"task_id\":1,\"user_id\":1,\"language_id\":50,\"code\":\"\","
			   "\"task_revision\":-1}",
			   "\"task_revision\" must be a positive integer", 7);
}
END_TEST

START_TEST(kafka_options)
{
	const char *good[] = {"linger.ms=5", "client.id=solveit-test"};
	const char *bad_key[] = {"no.such.property=1"};
	const char *no_eq[] = {"linger.ms"};
	char err[512];
	rd_kafka_conf_t *conf;

	conf = sv_kafka_conf_new("127.0.0.1:9092", good, 2, err, sizeof(err));
	ck_assert_ptr_nonnull(conf);
	rd_kafka_conf_destroy(conf);

	ck_assert_ptr_null(sv_kafka_conf_new("127.0.0.1:9092", bad_key, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no.such.property"));
	ck_assert_ptr_null(sv_kafka_conf_new("127.0.0.1:9092", no_eq, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not key=value"));
}
END_TEST

START_TEST(iso8601)
{
	char out[SV_ISO8601_LEN];

	sv_time_iso8601(1764331200, out);
	ck_assert_str_eq(out, "2025-11-28T12:00:00Z");
}
END_TEST

START_TEST(parse_numbers_take_the_whole_text)
{
	long long n = 7;
	double d = 7;

	ck_assert_int_eq(sv_parse_ll("42", 0, 100, &n), 0);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(sv_parse_ll("-5", -10, 10, &n), 0);
	ck_assert_int_eq(n, -5);
	n = 7;
	ck_assert_int_eq(sv_parse_ll("", 0, 100, &n), -1);
	ck_assert_int_eq(sv_parse_ll(NULL, 0, 100, &n), -1);
	ck_assert_int_eq(sv_parse_ll(" 4", 0, 100, &n), -1);
	ck_assert_int_eq(sv_parse_ll("+4", 0, 100, &n), -1);
	ck_assert_int_eq(sv_parse_ll("4x", 0, 100, &n), -1);
	ck_assert_int_eq(sv_parse_ll("101", 0, 100, &n), -1);
	ck_assert_int_eq(sv_parse_ll("-", -10, 10, &n), -1);
	ck_assert_int_eq(sv_parse_ll("99999999999999999999", 0, 100, &n), -1);
	ck_assert_int_eq(n, 7);

	ck_assert_int_eq(sv_parse_double("2.5", 0, 10, &d), 0);
	ck_assert_double_eq(d, 2.5);
	ck_assert_int_eq(sv_parse_double(".5", 0, 10, &d), 0);
	ck_assert_double_eq(d, 0.5);
	d = 7;
	ck_assert_int_eq(sv_parse_double("inf", 0, 1e300, &d), -1);
	ck_assert_int_eq(sv_parse_double("nan", 0, 10, &d), -1);
	ck_assert_int_eq(sv_parse_double("0x10", 0, 100, &d), -1);
	ck_assert_int_eq(sv_parse_double("1e999", 0, 1e300, &d), -1);
	ck_assert_int_eq(sv_parse_double("2.5s", 0, 10, &d), -1);
	ck_assert_int_eq(sv_parse_double("11", 0, 10, &d), -1);
	ck_assert_double_eq(d, 7);
}
END_TEST

START_TEST(json_numbers_are_checked)
{
	cJSON *root = cJSON_Parse("[3, 2.5, 9007199254740993, \"3\", -4]");
	long long n = 0;
	double d = 0;

	ck_assert_int_eq(sv_json_ll(cJSON_GetArrayItem(root, 0), 1, 10, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(sv_json_ll(cJSON_GetArrayItem(root, 1), 0, 10, &n), -1);
	ck_assert_int_eq(sv_json_ll(cJSON_GetArrayItem(root, 2), 0, SV_JSON_INT_MAX, &n), -1);
	ck_assert_int_eq(sv_json_ll(cJSON_GetArrayItem(root, 3), 0, 10, &n), -1);
	ck_assert_int_eq(sv_json_ll(cJSON_GetArrayItem(root, 4), 0, 10, &n), -1);
	ck_assert_int_eq(sv_json_ll(NULL, 0, 10, &n), -1);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(sv_json_double(cJSON_GetArrayItem(root, 1), 0, 10, &d), 0);
	ck_assert_double_eq(d, 2.5);
	ck_assert_int_eq(sv_json_double(cJSON_GetArrayItem(root, 4), 0, 10, &d), -1);
	cJSON_Delete(root);
}
END_TEST

#define RING_KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

/* The vector was computed with Python's hmac module over the documented input layout. */
START_TEST(mac_sign_and_verify)
{
	char err[256], hex[SV_MAC_HEX_LEN + 1];
	sv_keyring *ring =
	    sv_keyring_parse("# current first\nk2 " RING_KEY "ff\n\nk1 " RING_KEY "\n", "ring", err, sizeof(err));
	sv_keyring *old = sv_keyring_parse("k1 " RING_KEY "\n", "old", err, sizeof(err));
	const char *body = "{\"a\":1}";

	ck_assert_ptr_nonnull(ring);
	ck_assert_ptr_nonnull(old);
	ck_assert_str_eq(sv_keyring_signing_id(ring), "k2");
	ck_assert_uint_eq(sv_keyring_count(ring), 2);
	sv_mac_sign(old, "kafka", "submission", body, strlen(body), hex);
	ck_assert_str_eq(hex, "f5e18e8dbfa6f5a6720957c140e2bf621eb3059fa8cba8a88c9f34a7b2edd5b5");
	/* The second (older) key of a ring still verifies during a rotation. */
	ck_assert_int_eq(sv_mac_verify(ring, "k1", 2, "kafka", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_OK);
	/* Another label, purpose, body or key does not. */
	ck_assert_int_eq(sv_mac_verify(ring, "k1", 2, "kafka", "result", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_mac_verify(ring, "k1", 2, "redis", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_mac_verify(ring, "k1", 2, "kafka", "submission", body, strlen(body) - 1, hex, strlen(hex)),
			 SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_mac_verify(ring, "k2", 2, "kafka", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_MISMATCH);
	ck_assert_int_eq(sv_mac_verify(ring, "k9", 2, "kafka", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_UNKNOWN_KEY);
	ck_assert_int_eq(sv_mac_verify(ring, "k1", 2, "kafka", "submission", body, strlen(body), hex, 63),
			 SV_MAC_MALFORMED);
	hex[5] = 'x';
	ck_assert_int_eq(sv_mac_verify(ring, "k1", 2, "kafka", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_MALFORMED);
	sv_mac_sign(ring, "kafka", "submission", body, strlen(body), hex);
	ck_assert_int_eq(sv_mac_verify(ring, "k2", 2, "kafka", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_OK);
	ck_assert_int_eq(sv_mac_verify(old, "k2", 2, "kafka", "submission", body, strlen(body), hex, strlen(hex)),
			 SV_MAC_UNKNOWN_KEY);
	sv_keyring_free(ring);
	sv_keyring_free(old);
}
END_TEST

START_TEST(keyring_refuses_bad_files)
{
	char err[256];

	ck_assert_ptr_null(sv_keyring_parse("# nothing\n", "empty", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no key"));
	ck_assert_ptr_null(sv_keyring_parse("k1 abcd\n", "short", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "short line 1: the secret must be 32 to"));
	ck_assert_ptr_null(sv_keyring_parse("k1 " RING_KEY "\nk1 " RING_KEY "\n", "twice", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "appears twice"));
	ck_assert_ptr_null(sv_keyring_parse(RING_KEY "\n", "noid", err, sizeof(err)));
	ck_assert_ptr_null(sv_keyring_parse("k/1 " RING_KEY "\n", "slash", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "key id"));
	ck_assert_ptr_null(sv_keyring_load("/nonexistent/keys", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/keys"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, verdict_names_round_trip);
	tcase_add_test(tc, status_order);
	tcase_add_test(tc, submission_message_round_trip);
	tcase_add_test(tc, submission_message_without_team);
	tcase_add_test(tc, submission_message_rejects_bad_input);
	tcase_add_test(tc, submission_message_default_attempt);
	tcase_add_test(tc, language_names);
	tcase_add_test(tc, submission_message_schema_and_ownership);
	tcase_add_test(tc, submission_message_task_revision);
	tcase_add_test(tc, kafka_options);
	tcase_add_test(tc, iso8601);
	tcase_add_test(tc, parse_numbers_take_the_whole_text);
	tcase_add_test(tc, json_numbers_are_checked);
	tcase_add_test(tc, mac_sign_and_verify);
	tcase_add_test(tc, keyring_refuses_bad_files);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
