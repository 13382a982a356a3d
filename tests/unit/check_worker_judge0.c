/* judge-worker: the Judge0 CE 1.13 wire format (base64, limits, batch bodies and answers). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "judge0_codec.h"

Suite *judge0_suite(void);

START_TEST(b64_roundtrip)
{
	const char *cases[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "hello, Judge0\n"};
	const char *encoded[] = {"",         "Zg==",     "Zm8=",     "Zm9v",
				 "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", "aGVsbG8sIEp1ZGdlMAo="};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *e = judge0_b64_encode(cases[i], strlen(cases[i])), *d;
		size_t len;
		ck_assert_str_eq(e, encoded[i]);
		d = judge0_b64_decode(e, strlen(e), &len);
		ck_assert_uint_eq(len, strlen(cases[i]));
		ck_assert_mem_eq(d, cases[i], len);
		free(e);
		free(d);
	}
}
END_TEST

START_TEST(b64_decodes_ruby_line_breaks_and_binary)
{
	/* Ruby's encode64: a newline every 60 characters and a trailing one. */
	const char *text = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nQUFBQQ==\n";
	unsigned char bin[] = {0, 0xff, 0x80, 'x', 0};
	char *e = judge0_b64_encode(bin, 5), *d;
	size_t len;

	d = judge0_b64_decode(text, strlen(text), &len);
	ck_assert_uint_eq(len, 49);
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(d[i], 'A');
	free(d);
	d = judge0_b64_decode(e, strlen(e), &len);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(d, bin, 5);
	free(d);
	free(e);
	/* lenient like decode64: junk is skipped, never an error */
	d = judge0_b64_decode("!!Zm9v!!", 8, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_str_eq(d, "foo");
	free(d);
}
END_TEST

START_TEST(limits_are_clamped_to_a_stock_server)
{
	judge0_limits l;

	judge0_limits_from_task(1000, 0, 65536, 0, &l);
	ck_assert_double_eq_tol(l.cpu_time_limit, 1.0, 1e-9);
	ck_assert_double_eq_tol(l.wall_time_limit, 1.5, 1e-9); /* CPU + a margin, not 2 x CPU + 1 s */
	judge0_limits_from_task(8000, 0, 65536, 0, &l);
	ck_assert_double_eq_tol(l.wall_time_limit, 10.0, 1e-9); /* 25 % of the CPU limit */
	judge0_limits_from_task(8000, 9000, 65536, 0, &l);
	ck_assert_double_eq_tol(l.wall_time_limit, 9.0, 1e-9); /* the task's own wall limit wins */
	ck_assert_int_eq(l.memory_limit, 65536);
	judge0_limits_from_task(60000, 0, 4194304, 0, &l);
	ck_assert_double_eq_tol(l.cpu_time_limit, 15.0, 1e-9);
	ck_assert_double_eq_tol(l.wall_time_limit, 18.75, 1e-9);
	ck_assert_int_eq(l.memory_limit, 512000);
	judge0_limits_from_task(50, 0, 1024, 0, &l);
	ck_assert_double_eq_tol(l.cpu_time_limit, 0.05, 1e-9);
	ck_assert_double_ge(l.wall_time_limit, 1.0);
	ck_assert_int_eq(l.memory_limit, 2048);
	ck_assert_int_eq(l.max_file_size, 0);
	/* a task's own wall and output limits, clamped the same way */
	judge0_limits_from_task(2000, 7500, 65536, 512, &l);
	ck_assert_double_eq_tol(l.wall_time_limit, 7.5, 1e-9);
	ck_assert_int_eq(l.max_file_size, 512);
	judge0_limits_from_task(2000, 60000, 65536, 65536, &l);
	ck_assert_double_eq_tol(l.wall_time_limit, 20.0, 1e-9);
	ck_assert_int_eq(l.max_file_size, 4096);
}
END_TEST

START_TEST(languages)
{
	ck_assert(judge0_language_known(50));
	ck_assert(judge0_language_known(54));
	ck_assert(judge0_language_known(62));
	ck_assert(judge0_language_known(71));
	ck_assert(!judge0_language_known(4));  /* archived */
	ck_assert(!judge0_language_known(91)); /* hosted service only */
}
END_TEST

START_TEST(batch_body_is_base64_without_expected_output)
{
	const char *inputs[] = {"1 2\n", ""};
	size_t lens[] = {4, 0};
	judge0_limits l = {1.5, 4, 65536, 0};
	char *body = judge0_batch_body(71, "print(1)\n", 9, inputs, lens, 2, &l);
	cJSON *root = cJSON_Parse(body), *subs = cJSON_GetObjectItem(root, "submissions"), *first;

	ck_assert_int_eq(cJSON_GetArraySize(subs), 2);
	first = cJSON_GetArrayItem(subs, 0);
	ck_assert_int_eq(cJSON_GetObjectItem(first, "language_id")->valueint, 71);
	ck_assert_str_eq(cJSON_GetObjectItem(first, "source_code")->valuestring, "cHJpbnQoMSkK");
	ck_assert_str_eq(cJSON_GetObjectItem(first, "stdin")->valuestring, "MSAyCg==");
	ck_assert_double_eq_tol(cJSON_GetObjectItem(first, "cpu_time_limit")->valuedouble, 1.5, 1e-9);
	ck_assert_int_eq(cJSON_GetObjectItem(first, "memory_limit")->valueint, 65536);
	ck_assert_ptr_null(cJSON_GetObjectItem(first, "expected_output"));
	ck_assert_ptr_null(cJSON_GetObjectItem(first, "max_file_size")); /* not set: Judge0's default */
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(subs, 1), "stdin")->valuestring, "");
	cJSON_Delete(root);
	free(body);
}
END_TEST

START_TEST(batch_body_carries_binary_input_and_limits)
{
	const char *inputs[] = {"\0\xff\n"};
	size_t lens[] = {3}, len;
	judge0_limits l;
	char *body, *back;
	cJSON *root, *first;

	judge0_limits_from_task(2500, 9000, 65536, 2048, &l);
	body = judge0_batch_body(50, "int main(){}", 12, inputs, lens, 1, &l);
	root = cJSON_Parse(body);
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "submissions"), 0);
	ck_assert_str_eq(cJSON_GetObjectItem(first, "stdin")->valuestring, "AP8K");
	back = judge0_b64_decode("AP8K", 4, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(back, "\0\xff\n", 3);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(first, "cpu_time_limit")->valuedouble, 2.5, 1e-9);
	ck_assert_double_eq_tol(cJSON_GetObjectItem(first, "wall_time_limit")->valuedouble, 9.0, 1e-9);
	ck_assert_int_eq(cJSON_GetObjectItem(first, "max_file_size")->valueint, 2048);
	free(back);
	cJSON_Delete(root);
	free(body);
}
END_TEST

START_TEST(tokens_and_validation_errors)
{
	char *tokens[3], err[256];
	const char *ok = "[{\"token\":\"a\"},{\"token\":\"b\"}]";
	const char *mixed = "[{\"token\":\"a\"},{\"language_id\":[\"language with id 123 doesn't exist\"]}]";
	const char *whole = "{\"source_code\":[\"can't be blank\"],\"language_id\":[\"can't be blank\"]}";

	ck_assert_int_eq(judge0_parse_tokens(ok, strlen(ok), 2, tokens, err, sizeof(err)), 0);
	ck_assert_str_eq(tokens[0], "a");
	ck_assert_str_eq(tokens[1], "b");
	free(tokens[0]);
	free(tokens[1]);
	ck_assert_int_eq(judge0_parse_tokens(mixed, strlen(mixed), 2, tokens, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "language_id: language with id 123 doesn't exist");
	ck_assert_ptr_null(tokens[0]);
	ck_assert_int_eq(judge0_parse_tokens(whole, strlen(whole), 2, tokens, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "source_code: can't be blank; language_id: can't be blank");
	/* not Judge0's shape: -2, so the worker tries again instead of failing the submission */
	ck_assert_int_eq(judge0_parse_tokens("<html>", 6, 1, tokens, err, sizeof(err)), -2);
	ck_assert_int_eq(judge0_parse_tokens(ok, strlen(ok), 3, tokens, err, sizeof(err)), -2);
	ck_assert_int_eq(judge0_parse_tokens("[null]", 6, 1, tokens, err, sizeof(err)), -2);
}
END_TEST

START_TEST(results_are_decoded)
{
	const char *body =
	    "{\"submissions\":[{\"stdout\":\"aGVsbG8sIEp1ZGdlMAo=\\n\",\"time\":\"0.002\",\"memory\":376,\"stderr\":"
	    "null,"
	    "\"token\":\"t1\",\"compile_output\":null,\"message\":null,\"exit_code\":0,\"exit_signal\":null,"
	    "\"status_id\":3},null,{\"token\":\"t3\",\"status\":{\"id\":11,\"description\":\"Runtime Error (NZEC)\"},"
	    "\"exit_code\":137,\"memory\":65536,\"time\":\"0.1\",\"message\":\"RXhpdGVkIHdpdGggZXJyb3Igc3RhdHVzIDEzNw=="
	    "\\n\"},"
	    "{\"token\":\"t4\",\"status_id\":1,\"time\":null,\"memory\":null}]}";
	judge0_result r[4];
	char err[128];

	ck_assert_int_eq(judge0_parse_results(body, strlen(body), 4, 65536, r, err, sizeof(err)), 0);
	ck_assert(r[0].present);
	ck_assert_str_eq(r[0].token, "t1");
	ck_assert_int_eq(r[0].run.status_id, 3);
	ck_assert_uint_eq(r[0].stdout_len, 14);
	ck_assert_str_eq(r[0].stdout_buf, "hello, Judge0\n");
	ck_assert_double_eq_tol(r[0].time, 0.002, 1e-9);
	ck_assert_int_eq(r[0].run.memory, 376);
	ck_assert_ptr_null(r[0].stderr_buf);
	ck_assert(!r[1].present);
	ck_assert(r[1].unknown); /* null: Judge0 does not know the token */
	ck_assert(!r[0].unknown && !r[3].unknown);
	ck_assert_int_eq(r[2].run.status_id, 11);
	ck_assert(r[2].run.has_exit_code);
	ck_assert_int_eq(r[2].run.exit_code, 137);
	ck_assert(!r[2].run.has_exit_signal);
	ck_assert_int_eq(r[2].run.memory_limit, 65536);
	ck_assert_str_eq(r[2].message, "Exited with error status 137");
	ck_assert_int_eq(r[3].run.status_id, 1);
	ck_assert_int_eq(r[3].run.memory, -1);
	for (int i = 0; i < 4; i++)
		judge0_result_free(&r[i]);
	ck_assert_int_eq(judge0_parse_results("garbage", 7, 1, 0, r, err, sizeof(err)), -1);
	ck_assert_int_eq(judge0_parse_results("{\"error\":\"x\"}", 13, 1, 0, r, err, sizeof(err)), -1);
}
END_TEST

START_TEST(about_and_workers_are_read)
{
	const char *about = "{\"version\":\"1.13.1\",\"homepage\":\"https://judge0.com\"}";
	const char *workers = "[{\"queue\":\"1.13.1\",\"size\":3,\"available\":2},{\"queue\":\"x\",\"size\":1}]";
	char version[16];
	long queued = -1;

	ck_assert_int_eq(judge0_parse_about(about, strlen(about), version, sizeof(version)), 0);
	ck_assert_str_eq(version, "1.13.1");
	ck_assert_int_eq(judge0_parse_about("<html>", 6, version, sizeof(version)), -1);
	ck_assert_int_eq(judge0_parse_about("{\"error\":\"x\"}", 13, version, sizeof(version)), -1);
	ck_assert_int_eq(judge0_parse_about(NULL, 0, version, sizeof(version)), -1);
	ck_assert_int_eq(judge0_parse_workers(workers, strlen(workers), &queued), 0);
	ck_assert_int_eq(queued, 4);
	ck_assert_int_eq(judge0_parse_workers("[]", 2, &queued), 0);
	ck_assert_int_eq(queued, 0);
	ck_assert_int_eq(judge0_parse_workers("[{\"queue\":\"q\"}]", 15, &queued), -1);
	ck_assert_int_eq(judge0_parse_workers("{}", 2, &queued), -1);
}
END_TEST

Suite *judge0_suite(void)
{
	Suite *s = suite_create("judge0");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, b64_roundtrip);
	tcase_add_test(tc, b64_decodes_ruby_line_breaks_and_binary);
	tcase_add_test(tc, limits_are_clamped_to_a_stock_server);
	tcase_add_test(tc, languages);
	tcase_add_test(tc, batch_body_is_base64_without_expected_output);
	tcase_add_test(tc, batch_body_carries_binary_input_and_limits);
	tcase_add_test(tc, tokens_and_validation_errors);
	tcase_add_test(tc, results_are_decoded);
	tcase_add_test(tc, about_and_workers_are_read);
	suite_add_tcase(s, tc);
	return s;
}
