#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "solveit_admin_text.h"

static apr_pool_t *pool;

static void setup(void)
{
	apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
	apr_pool_destroy(pool);
}

/* The problem of {"<name>": json} against f, or NULL. */
static const char *problem(const sv_admin_field *f, const char *json)
{
	cJSON *item = cJSON_Parse(json);
	const char *p;

	ck_assert_ptr_nonnull(item);
	p = sv_admin_field_problem(pool, f, item);
	cJSON_Delete(item);
	return p;
}

START_TEST(fields_are_checked_by_kind_and_range)
{
	static const char *const checkers[] = {"default", "exact", NULL};
	const sv_admin_field limit = {"time_limit_ms", 'i', 50, 60000, 0, NULL};
	const sv_admin_field tol = {"float_abs_tol", 'd', 0, 1e300, 1, NULL};
	const sv_admin_field flag = {"is_open", 'b', 0, 0, 0, NULL};
	const sv_admin_field title = {"title", 's', 0, 5, 0, NULL};
	const sv_admin_field checker = {"checker", 's', 0, 0, 0, checkers};
	const sv_admin_field factors = {"language_time_factors", 'o', 0, 0, 0, NULL};
	const sv_admin_field ids = {"submission_ids", 'a', 0, 0, 0, NULL};

	ck_assert_ptr_null(problem(&limit, "1000"));
	ck_assert_str_eq(problem(&limit, "10"), "time_limit_ms must be between 50 and 60000");
	ck_assert_str_eq(problem(&limit, "100.5"), "time_limit_ms must be an integer");
	ck_assert_str_eq(problem(&limit, "\"100\""), "time_limit_ms must be an integer");
	ck_assert_str_eq(problem(&limit, "null"), "time_limit_ms must be an integer, not null");
	ck_assert_ptr_null(problem(&tol, "null"));
	ck_assert_ptr_null(problem(&tol, "0.5"));
	ck_assert_str_eq(problem(&tol, "-1"), "float_abs_tol must be between 0 and 1e+300");
	ck_assert_str_eq(problem(&flag, "1"), "is_open must be true or false");
	ck_assert_ptr_null(problem(&flag, "false"));
	ck_assert_ptr_null(problem(&title, "\"abcde\""));
	ck_assert_str_eq(problem(&title, "\"abcdef\""), "title must be at most 5 bytes long");
	ck_assert_str_eq(problem(&title, "7"), "title must be a string");
	ck_assert_str_eq(problem(&checker, "\"fancy\""), "checker must be one of default, exact");
	ck_assert_ptr_null(problem(&checker, "\"exact\""));
	ck_assert_str_eq(problem(&factors, "[]"), "language_time_factors must be a JSON object");
	ck_assert_str_eq(problem(&ids, "{}"), "submission_ids must be a JSON array");
}
END_TEST

START_TEST(names_follow_the_schema_patterns)
{
	ck_assert(sv_admin_name_valid("secret/group1", 200, 1));
	ck_assert(sv_admin_name_valid("_x.y-z", 200, 0));
	ck_assert(!sv_admin_name_valid("secret/group1", 200, 0));
	ck_assert(!sv_admin_name_valid("../up", 200, 1));
	ck_assert(!sv_admin_name_valid(".hidden", 200, 1));
	ck_assert(!sv_admin_name_valid("", 200, 1));
	ck_assert(!sv_admin_name_valid("abc", 2, 1));
	ck_assert(!sv_admin_name_valid("a b", 200, 1));
}
END_TEST

START_TEST(archive_paths_and_their_order)
{
	static const char *const unsafe[] = {"../x.in", "a/../../x.in", "/etc/x.in", "a\\b.in", "C:x.in", "..", ""};
	static const char *const safe[] = {"1.in", "data/secret/1.in", "a..b.in", "..a/x.in"};

	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		ck_assert_msg(sv_admin_path_unsafe(unsafe[i]), "%s", unsafe[i]);
	for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
		ck_assert_msg(!sv_admin_path_unsafe(safe[i]), "%s", safe[i]);
	ck_assert_int_lt(sv_admin_natural_cmp("2", "10"), 0);
	ck_assert_int_lt(sv_admin_natural_cmp("test2", "test10"), 0);
	ck_assert_int_eq(sv_admin_natural_cmp("02", "2"), 0);
	ck_assert_int_lt(sv_admin_natural_cmp("a", "b"), 0);
	ck_assert_int_gt(sv_admin_natural_cmp("b10x", "b10"), 0);
	ck_assert_int_lt(sv_admin_natural_cmp("sample/1", "secret/1"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("admin");
	TCase *tc = tcase_create("admin");
	SRunner *sr;
	int failed;

	apr_initialize();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fields_are_checked_by_kind_and_range);
	tcase_add_test(tc, names_follow_the_schema_patterns);
	tcase_add_test(tc, archive_paths_and_their_order);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	apr_terminate();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
