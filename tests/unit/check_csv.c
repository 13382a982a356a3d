/* common/sv_csv.c: the one accounts CSV parser (the staff API's users import and solveit-admin
 * import-users) and the account rules both apply. */
#include <check.h>
#include <stdlib.h>

#include "sv_csv.h"

static const char *str(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static int line_of(const cJSON *obj)
{
	return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(obj, "line"));
}

START_TEST(records_follow_rfc_4180)
{
	const char *text = "a,\"b, \"\"c\"\"\",\"multi\r\nline\"\r\nnext,,\n\"open";
	char *f[2];
	int n;

	n = sv_csv_record(&text, f, 2);
	ck_assert_int_eq(n, 3); /* counted, though only two are kept */
	ck_assert_str_eq(f[0], "a");
	ck_assert_str_eq(f[1], "b, \"c\"");
	sv_csv_free(f, 2);
	ck_assert_int_eq(sv_csv_record(&text, f, 2), 3);
	ck_assert_str_eq(f[0], "next");
	ck_assert_str_eq(f[1], "");
	sv_csv_free(f, 2);
	ck_assert_int_eq(sv_csv_record(&text, f, 2), -1);
}
END_TEST

START_TEST(account_rules)
{
	ck_assert_ptr_null(sv_account_username_problem("ann.b-c_d@x"));
	ck_assert_str_eq(sv_account_username_problem(""), "username must be 1-64 of letters, digits and . _ - @");
	ck_assert_ptr_nonnull(sv_account_username_problem("bad name"));
	ck_assert_ptr_nonnull(
	    sv_account_username_problem("a1234567890123456789012345678901234567890123456789012345678901234"));
	ck_assert_str_eq(sv_account_password_problem("1234567"), "password must be at least 8 characters");
	ck_assert_ptr_null(sv_account_password_problem("12345678"));
	ck_assert_str_eq(sv_account_password_problem("1234567890123456789012345678901234567890"
						     "123456789012345678901234567890123"),
			 "password must be at most 72 bytes");
}
END_TEST

START_TEST(accounts_with_quotes_header_and_errors)
{
	cJSON *rows = cJSON_CreateArray(), *errors = cJSON_CreateArray();
	const char *csv = "\xef\xbb\xbfusername,display_name,password,team,staff\r\n"
			  "ann,\"Ann, \"\"A\"\"\",password1,Red,yes\r\n"
			  "\n"
			  "bob,\"Bob\nSecond line\",password2\n"
			  "bad name,X,password3\n"
			  "cid,C,short\n"
			  "dan,D,password4,,maybe\n"
			  "eve,E\n"
			  "fay,F,password5,Blue,0\n"
			  "gus,G,password6,T,no,extra,fields,here,and,more";

	sv_csv_accounts(csv, rows, errors);
	ck_assert_int_eq(cJSON_GetArraySize(rows), 3);
	ck_assert_str_eq(str(cJSON_GetArrayItem(rows, 0), "display_name"), "Ann, \"A\"");
	ck_assert_str_eq(str(cJSON_GetArrayItem(rows, 0), "team"), "Red");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 0), "staff")));
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(rows, 0)), 2);
	ck_assert_str_eq(str(cJSON_GetArrayItem(rows, 1), "display_name"), "Bob\nSecond line");
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 1), "team"));
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(rows, 1)), 4);
	ck_assert_str_eq(str(cJSON_GetArrayItem(rows, 2), "username"), "fay");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 2), "staff")));
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(rows, 2)), 10);
	ck_assert_int_eq(cJSON_GetArraySize(errors), 5);
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(errors, 0)), 6);
	ck_assert_str_eq(str(cJSON_GetArrayItem(errors, 0), "error"),
			 "username must be 1-64 of letters, digits and . _ - @");
	ck_assert_str_eq(str(cJSON_GetArrayItem(errors, 1), "error"), "password must be at least 8 characters");
	ck_assert_str_eq(str(cJSON_GetArrayItem(errors, 2), "error"),
			 "staff must be true or false (or 1/0, yes/no), not \"maybe\"");
	ck_assert_str_eq(str(cJSON_GetArrayItem(errors, 3), "error"),
			 "2 fields; want username,display_name,password[,team][,staff]");
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(errors, 3)), 9);
	ck_assert_str_eq(str(cJSON_GetArrayItem(errors, 4), "error"),
			 "10 fields; want username,display_name,password[,team][,staff]");
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(errors, 4)), 11);
	cJSON_Delete(rows);
	cJSON_Delete(errors);
}
END_TEST

START_TEST(open_quote_stops_with_an_error)
{
	cJSON *rows = cJSON_CreateArray(), *errors = cJSON_CreateArray();

	sv_csv_accounts("ann,A,password1\nbob,\"open,password2\ncid,C,password3\n", rows, errors);
	ck_assert_int_eq(cJSON_GetArraySize(rows), 1);
	ck_assert_int_eq(cJSON_GetArraySize(errors), 1);
	ck_assert_str_eq(str(cJSON_GetArrayItem(errors, 0), "error"), "a quoted field is not closed");
	ck_assert_int_eq(line_of(cJSON_GetArrayItem(errors, 0)), 2);
	cJSON_Delete(rows);
	cJSON_Delete(errors);
}
END_TEST

START_TEST(only_a_header_or_empty_lines_is_no_rows)
{
	cJSON *rows = cJSON_CreateArray(), *errors = cJSON_CreateArray();

	sv_csv_accounts("username,display_name,password\n\n\r\n", rows, errors);
	ck_assert_int_eq(cJSON_GetArraySize(rows), 0);
	ck_assert_int_eq(cJSON_GetArraySize(errors), 0);
	cJSON_Delete(rows);
	cJSON_Delete(errors);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csv");
	TCase *tc = tcase_create("csv");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, records_follow_rfc_4180);
	tcase_add_test(tc, account_rules);
	tcase_add_test(tc, accounts_with_quotes_header_and_errors);
	tcase_add_test(tc, open_quote_stops_with_an_error);
	tcase_add_test(tc, only_a_header_or_empty_lines_is_no_rows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
