#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "solveit_text.h"
#include "sv_csv.h"

static apr_pool_t *pool;

static void setup(void)
{
	apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
	apr_pool_destroy(pool);
}

START_TEST(html_escape_covers_quotes)
{
	ck_assert_str_eq(sv_html_escape(pool, "<a href=\"x\" title='y'>&</a>"),
			 "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
	ck_assert_str_eq(sv_html_escape(pool, "plain"), "plain");
	ck_assert_str_eq(sv_html_escape(pool, ""), "");
	/* UTF-8 passes through untouched (ap_escape_html2 with toasc garbles it). */
	ck_assert_str_eq(sv_html_escape(pool, "Задача 'é'"), "Задача &#39;é&#39;");
}
END_TEST

START_TEST(utf8_validation)
{
	ck_assert(sv_utf8_valid("", 0));
	ck_assert(sv_utf8_valid("ascii", 5));
	ck_assert(sv_utf8_valid("é✓😀", strlen("é✓😀")));
	ck_assert(!sv_utf8_valid("\xff", 1));
	ck_assert(!sv_utf8_valid("\xc3\x28", 2));         /* bad continuation */
	ck_assert(!sv_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	ck_assert(!sv_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	ck_assert(!sv_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	ck_assert(!sv_utf8_valid("\xe2\x9c", 2));         /* truncated */
	ck_assert(sv_utf8_valid("a\0b", 3));              /* NUL is valid UTF-8; the caller decides */
}
END_TEST

/* Text cut at a byte count loses the sequence it cut in two, and only that. */
START_TEST(utf8_cut_at_a_whole_character)
{
	const char *text = "a\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80"; /* a é ✓ 😀 */

	ck_assert_uint_eq(sv_utf8_whole(text, 0), 0);
	ck_assert_uint_eq(sv_utf8_whole(text, 1), 1);
	ck_assert_uint_eq(sv_utf8_whole(text, 2), 1);
	ck_assert_uint_eq(sv_utf8_whole(text, 3), 3);
	ck_assert_uint_eq(sv_utf8_whole(text, 4), 3);
	ck_assert_uint_eq(sv_utf8_whole(text, 5), 3);
	ck_assert_uint_eq(sv_utf8_whole(text, 6), 6);
	ck_assert_uint_eq(sv_utf8_whole(text, 9), 6);
	ck_assert_uint_eq(sv_utf8_whole(text, 10), 10);
	/* Bytes that are not UTF-8 stay for the validation to refuse. */
	ck_assert_uint_eq(sv_utf8_whole("\xff\xfe", 2), 2);
}
END_TEST

START_TEST(hex_decoding)
{
	apr_size_t len = 99;
	const char *bytes = sv_hex_decode(pool, "00ff41Aa", &len);

	ck_assert_ptr_nonnull(bytes);
	ck_assert_uint_eq(len, 4);
	ck_assert(memcmp(bytes,
			 "\0\xff"
			 "A\xaa",
			 4) == 0);
	ck_assert_ptr_nonnull(sv_hex_decode(pool, "", &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(sv_hex_decode(pool, "abc", &len));
	ck_assert_ptr_null(sv_hex_decode(pool, "zz", &len));
	ck_assert_ptr_null(sv_hex_decode(pool, NULL, &len));
}
END_TEST

START_TEST(usernames)
{
	ck_assert(sv_account_name_valid("student"));
	ck_assert(sv_account_name_valid("a.b-c_d@example.org"));
	ck_assert(!sv_account_name_valid(""));
	ck_assert(!sv_account_name_valid("with space"));
	ck_assert(!sv_account_name_valid("<script>"));
	ck_assert(!sv_account_name_valid("x'; DROP TABLE users; --"));
}
END_TEST

START_TEST(urlencoded)
{
	const char *err = NULL;
	const char body[] = "a=1&code=print%28%22hi%22%29+%2B+1&empty=&flag&a=2";
	apr_array_header_t *f = sv_urlencoded_parse(pool, body, strlen(body), &err);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->nelts, 5);
	ck_assert_str_eq(sv_fields_get(f, "a")->value, "1");
	ck_assert_str_eq(sv_fields_get(f, "code")->value, "print(\"hi\") + 1");
	ck_assert_str_eq(sv_fields_get(f, "empty")->value, "");
	ck_assert_str_eq(sv_fields_get(f, "flag")->value, "");
	ck_assert_ptr_null(sv_fields_get(f, "missing"));
	f = sv_urlencoded_parse(pool, "x=%00y", 6, &err);
	ck_assert_int_eq(sv_fields_get(f, "x")->len, 2);
	ck_assert_ptr_null(sv_urlencoded_parse(pool, "x=%zz", 5, &err));
	ck_assert_str_eq(err, "malformed form body: bad %-escape");
	ck_assert_ptr_null(sv_urlencoded_parse(pool, "x=%4", 4, &err));
}
END_TEST

START_TEST(multipart_fields_and_files)
{
	const char *err = NULL;
	char body[] = "preamble\r\n--B0\r\n"
		      "Content-Disposition: form-data; name=\"task_id\"\r\n\r\n"
		      "7\r\n--B0\r\n"
		      "Content-Disposition: form-data; name=\"code_file\"; filename=\"a.c\"\r\n"
		      "Content-Type: text/x-c\r\n\r\n"
		      "int main(){}\r\n\r\n--B0--\r\n";
	apr_array_header_t *f =
	    sv_multipart_parse(pool, "multipart/form-data; boundary=\"B0\"", body, sizeof(body) - 1, &err);

	ck_assert_msg(f != NULL, "%s", err);
	ck_assert_int_eq(f->nelts, 2);
	ck_assert_str_eq(sv_fields_get(f, "task_id")->value, "7");
	ck_assert_str_eq(sv_fields_get(f, "code_file")->value, "int main(){}\r\n");
	ck_assert_str_eq(sv_fields_get(f, "code_file")->filename, "a.c");
	ck_assert_ptr_null(sv_fields_get(f, "task_id")->filename);
}
END_TEST

START_TEST(multipart_binary_content_keeps_its_length)
{
	const char *err = NULL;
	char body[] = "--b\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\na\0b\r\n--b--";
	apr_array_header_t *f =
	    sv_multipart_parse(pool, "multipart/form-data; boundary=b", body, sizeof(body) - 1, &err);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sv_fields_get(f, "code")->len, 3);
	ck_assert(memcmp(sv_fields_get(f, "code")->value, "a\0b", 3) == 0);
}
END_TEST

START_TEST(multipart_malformed)
{
	const char *err = NULL;
	char unterminated[] = "--b\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nx";
	char noname[] = "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--";
	char noheaders[] = "--b\r\nContent-Disposition: form-data; name=\"code\"";
	char x[] = "x", none[] = "no boundary";

	ck_assert_ptr_null(sv_multipart_parse(pool, "multipart/form-data", x, 1, &err));
	ck_assert_str_eq(err, "malformed multipart body: no valid boundary in Content-Type");
	ck_assert_ptr_null(sv_multipart_parse(pool, "multipart/form-data; boundary=b", none, 11, &err));
	ck_assert_str_eq(err, "malformed multipart body: boundary not found");
	ck_assert_ptr_null(
	    sv_multipart_parse(pool, "multipart/form-data; boundary=b", unterminated, sizeof(unterminated) - 1, &err));
	ck_assert_str_eq(err, "malformed multipart body: closing boundary missing");
	ck_assert_ptr_null(
	    sv_multipart_parse(pool, "multipart/form-data; boundary=b", noname, sizeof(noname) - 1, &err));
	ck_assert_str_eq(err, "malformed multipart body: a part has no Content-Disposition name");
	ck_assert_ptr_null(
	    sv_multipart_parse(pool, "multipart/form-data; boundary=b", noheaders, sizeof(noheaders) - 1, &err));
	ck_assert_str_eq(err, "malformed multipart body: part headers not terminated");
}
END_TEST

START_TEST(secure_equal_and_hex)
{
	const unsigned char bytes[] = {0x00, 0xab, 0xff};

	ck_assert(sv_secure_equal("abc", "abc"));
	ck_assert(!sv_secure_equal("abc", "abd"));
	ck_assert(!sv_secure_equal("abc", "abcd"));
	ck_assert_str_eq(sv_hex(pool, bytes, 3), "00abff");
}
END_TEST

START_TEST(words_and_integers)
{
	static const char *const verdicts[] = {"AC", "WA", "PA", NULL};

	ck_assert(sv_word_in("AC", verdicts));
	ck_assert(sv_word_in("PA", verdicts));
	ck_assert(!sv_word_in("ac", verdicts));
	ck_assert(!sv_word_in("A", verdicts));
	ck_assert(!sv_word_in("ACC", verdicts));
	ck_assert(!sv_word_in("", verdicts));
	ck_assert(!sv_word_in(NULL, verdicts));
	ck_assert(sv_integer_text("0"));
	ck_assert(sv_integer_text("262144"));
	ck_assert(sv_integer_text("-12"));
	ck_assert(sv_integer_text("9223372036854775807"));
	ck_assert(!sv_integer_text(""));
	ck_assert(!sv_integer_text("-"));
	ck_assert(!sv_integer_text("1.5"));
	ck_assert(!sv_integer_text("1e3"));
	ck_assert(!sv_integer_text("12 "));
	ck_assert(!sv_integer_text("0x10"));
	ck_assert(!sv_integer_text("1,2"));
	ck_assert(!sv_integer_text(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("module");
	TCase *tc = tcase_create("text");
	SRunner *sr;
	int failed;

	apr_initialize();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, html_escape_covers_quotes);
	tcase_add_test(tc, utf8_validation);
	tcase_add_test(tc, utf8_cut_at_a_whole_character);
	tcase_add_test(tc, hex_decoding);
	tcase_add_test(tc, usernames);
	tcase_add_test(tc, urlencoded);
	tcase_add_test(tc, multipart_fields_and_files);
	tcase_add_test(tc, multipart_binary_content_keeps_its_length);
	tcase_add_test(tc, multipart_malformed);
	tcase_add_test(tc, secure_equal_and_hex);
	tcase_add_test(tc, words_and_integers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	apr_terminate();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
