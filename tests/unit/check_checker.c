/* The output checker: Kattis default validator semantics and exact mode. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

static char reason[CHECKER_REASON_MAX];

/* Compares two C strings with the given options. */
static sv_verdict cmp(const checker_options *opts, const char *expected, const char *actual)
{
	return checker_compare(opts, expected, strlen(expected), actual, strlen(actual), reason, sizeof(reason));
}

static sv_verdict cmp_default(const char *expected, const char *actual)
{
	checker_options opts;

	checker_options_init(&opts);
	return cmp(&opts, expected, actual);
}

static sv_verdict cmp_flags(const char *flags, const char *expected, const char *actual)
{
	checker_options opts;
	char err[128];

	checker_options_init(&opts);
	ck_assert_int_eq(checker_options_parse(flags, &opts, err, sizeof(err)), 0);
	return cmp(&opts, expected, actual);
}

#define ck_assert_reason_has(text)                                                                                     \
	ck_assert_msg(strstr(reason, text) != NULL, "reason \"%s\" lacks \"%s\"", reason, text)

START_TEST(identical_output_is_accepted)
{
	ck_assert_int_eq(cmp_default("3\n", "3\n"), SV_VERDICT_AC);
	ck_assert_str_eq(reason, "");
}
END_TEST

START_TEST(whitespace_between_tokens_does_not_matter)
{
	ck_assert_int_eq(cmp_default("1 2\n3\n", "1\t\t2   3"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("1 2\n3\n", "  \n1\r\n2\f\v3\r\n\n\n"), SV_VERDICT_AC);
	/* but a token may not be split or joined */
	ck_assert_int_eq(cmp_default("12\n", "1 2\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_default("1 2\n", "12\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(trailing_whitespace_is_ignored)
{
	ck_assert_int_eq(cmp_default("Hello, World!\n", "Hello, World!"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("Hello, World!", "Hello, World!   \n\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("a b\n", "a b \nc"), SV_VERDICT_WA);
}
END_TEST

START_TEST(wrong_token_names_line_and_tokens)
{
	ck_assert_int_eq(cmp_default("1\n2\n7\n", "1\n2\n8\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 3: expected \"7\", got \"8\"");
	ck_assert_int_eq(cmp_default("1 2 7\n", "\n\n1 2 8\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 3: expected \"7\", got \"8\"");
}
END_TEST

START_TEST(case_insensitive_by_default)
{
	ck_assert_int_eq(cmp_default("Yes\n", "YES\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("hello world", "HeLLo WoRLD"), SV_VERDICT_AC);
	/* only ASCII letters fold: É is not é */
	ck_assert_int_eq(cmp_default("\xc3\xa9", "\xc3\x89"), SV_VERDICT_WA);
	/* punctuation does not fold to letters ('[' is 'Z'+1, '{' is 'z'+1) */
	ck_assert_int_eq(cmp_default("[", "{"), SV_VERDICT_WA);
}
END_TEST

START_TEST(case_sensitive_flag)
{
	ck_assert_int_eq(cmp_flags("case_sensitive", "Yes\n", "YES\n"), SV_VERDICT_WA);
	ck_assert_reason_has("expected \"Yes\", got \"YES\"");
	ck_assert_int_eq(cmp_flags("case_sensitive", "Yes\n", "Yes"), SV_VERDICT_AC);
}
END_TEST

START_TEST(floats_without_tolerance_compare_as_strings)
{
	ck_assert_int_eq(cmp_default("3.14\n", "3.14\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("3.14\n", "3.140\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_default("7\n", "007\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_default("1e5\n", "1E5\n"), SV_VERDICT_AC); /* case-insensitive strings */
}
END_TEST

START_TEST(absolute_tolerance)
{
	ck_assert_int_eq(cmp_flags("float_absolute_tolerance 1e-6", "1.0\n", "1.0000005\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_absolute_tolerance 1e-6", "1.0\n", "0.9999995\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_absolute_tolerance 1e-6", "1.0\n", "1.00001\n"), SV_VERDICT_WA);
	ck_assert_reason_has("line 1: expected \"1.0\", got \"1.00001\"");
	ck_assert_reason_has("too large");
	/* absolute only: a relative error of 1e-9 on a big number is still too far off */
	ck_assert_int_eq(cmp_flags("float_absolute_tolerance 1e-6", "1000000000\n", "1000000001\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(relative_tolerance)
{
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", "1000000\n", "1000000.5\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", "1000000\n", "1000002\n"), SV_VERDICT_WA);
	/* relative to the expected value: near zero nothing but the exact value passes */
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", "0\n", "0.0000001\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", "0\n", "0.0\n"), SV_VERDICT_AC);
}
END_TEST

START_TEST(either_tolerance_accepts)
{
	const char *both = "float_absolute_tolerance 1e-9 float_relative_tolerance 1e-3";

	ck_assert_int_eq(cmp_flags(both, "1000\n", "1000.5\n"), SV_VERDICT_AC);    /* relative */
	ck_assert_int_eq(cmp_flags(both, "0\n", "0.0000000001\n"), SV_VERDICT_AC); /* absolute */
	ck_assert_int_eq(cmp_flags(both, "1000\n", "1002\n"), SV_VERDICT_WA);
	/* float_tolerance sets both */
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-3", "1000\n", "1000.5\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-3", "0\n", "0.0005\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-3", "0\n", "0.002\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(tolerance_accepts_any_number_format)
{
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "0.0314\n", "3.14e-2\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "7\n", "007\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "7\n", "7.000\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "-0.5\n", "-.5\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "2.5\n", "+2.5\n"), SV_VERDICT_AC);
}
END_TEST

START_TEST(tolerance_needs_a_number_where_one_is_expected)
{
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "3.5\n", "three\n"), SV_VERDICT_WA);
	ck_assert_reason_has("expected the number \"3.5\", got \"three\"");
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "3.5\n", "0x1.cp1\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "3.5\n", "3.5.\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "3\n", "3e\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(tolerance_leaves_words_as_strings)
{
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "Case 1: 2.0\n", "case 1: 2.0000001\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "inf\n", "INF\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "nan\n", "nan\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "impossible\n", "1\n"), SV_VERDICT_WA);
	/* overflowing numbers that are written the same are equal even though inf - inf is NaN */
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "1e999\n", "1e999\n"), SV_VERDICT_AC);
}
END_TEST

START_TEST(long_numbers_are_parsed)
{
	char want[400], got[400];

	memset(want, '1', 300);
	memcpy(want + 300, ".5\n", 4);
	memset(got, '1', 300);
	memcpy(got + 300, ".5000000001\n", 13);
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", want, got), SV_VERDICT_AC);
	got[0] = '2';
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", want, got), SV_VERDICT_WA);
}
END_TEST

START_TEST(empty_output)
{
	ck_assert_int_eq(cmp_default("", ""), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("\n", ""), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("", " \n\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("42\n", ""), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "output ended early: expected \"42\" next (answer token 1)");
	ck_assert_int_eq(checker_compare(&(checker_options){0}, NULL, 0, NULL, 0, reason, sizeof(reason)),
			 SV_VERDICT_AC);
}
END_TEST

START_TEST(output_ending_early_and_extra_output)
{
	ck_assert_int_eq(cmp_default("1 2 3\n", "1 2\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "output ended early: expected \"3\" next (answer token 3)");
	ck_assert_int_eq(cmp_default("1 2\n", "1 2\ndebug: x=5\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 2: extra output after the expected answer: \"debug:\"");
}
END_TEST

START_TEST(space_change_sensitive)
{
	ck_assert_int_eq(cmp_flags("space_change_sensitive", "1 2\n", "1 2\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("space_change_sensitive", "1 2\n", "1  2\n"), SV_VERDICT_WA);
	ck_assert_reason_has("whitespace differs: expected \" \", got \"  \"");
	ck_assert_int_eq(cmp_flags("space_change_sensitive", "1 2\n", "1 2"), SV_VERDICT_WA);
	ck_assert_reason_has("expected \"\\n\", got no whitespace");
	ck_assert_int_eq(cmp_flags("space_change_sensitive", "1\n2\n", "1\r\n2\n"), SV_VERDICT_WA);
	/* still case-insensitive unless told */
	ck_assert_int_eq(cmp_flags("space_change_sensitive", "a b\n", "A B\n"), SV_VERDICT_AC);
}
END_TEST

START_TEST(space_change_sensitive_leading_trailing_and_kind)
{
	const char *f = "space_change_sensitive";

	/* leading and trailing runs count too, in kind and amount */
	ck_assert_int_eq(cmp_flags(f, " 1\n", " 1\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags(f, "1\n", " 1\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1: whitespace differs: expected no whitespace, got \" \"");
	ck_assert_int_eq(cmp_flags(f, "1\n", "1\n\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags(f, "1\n", "1"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags(f, "1 \n", "1\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags(f, "1\t2\n", "1 2\n"), SV_VERDICT_WA);
	ck_assert_reason_has("expected \"\\t\", got \" \"");
	ck_assert_int_eq(cmp_flags(f, "1\f2\v", "1\f2\v"), SV_VERDICT_AC);
	/* an empty answer takes only an empty output */
	ck_assert_int_eq(cmp_flags(f, "", ""), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags(f, "", " "), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags(f, "", "\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_default("", " \n\t"), SV_VERDICT_AC);
	/* the line of a difference after some lines */
	ck_assert_int_eq(cmp_flags(f, "1\n2\n3 4\n", "1\n2\n3  4\n"), SV_VERDICT_WA);
	ck_assert_reason_has("line 3:");
	/* with a tolerance, numbers still compare as numbers and spaces as spaces */
	ck_assert_int_eq(cmp_flags("space_change_sensitive float_tolerance 1e-6", "1.5 2\n", "1.5000001 2\n"),
			 SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("space_change_sensitive float_tolerance 1e-6", "1.5 2\n", "1.5  2\n"),
			 SV_VERDICT_WA);
	/* and with case_sensitive, both hold */
	ck_assert_int_eq(cmp_flags("case_sensitive space_change_sensitive", "Yes no\n", "Yes no\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("case_sensitive space_change_sensitive", "Yes no\n", "yes no\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(exponent_floats_with_tolerance)
{
	/* any float formatting is accepted where a tolerance is set, the answer's too */
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "1.5E+2\n", "150\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "150\n", "1.5e2\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "-2.5e-3\n", "-0.0025\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-9", "1e5\n", "100000.0\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_absolute_tolerance 1e-6", "1e-7\n", "0\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_absolute_tolerance 1e-6", "1e-5\n", "0\n"), SV_VERDICT_WA);
	ck_assert_reason_has("difference");
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", "6.02e23\n", "6.0200001E23\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("float_relative_tolerance 1e-6", "6.02e23\n", "6.03e23\n"), SV_VERDICT_WA);
	/* the exponent's case is no matter for numbers, even when case counts */
	ck_assert_int_eq(cmp_flags("case_sensitive float_tolerance 1e-9", "1e5\n", "1E5\n"), SV_VERDICT_AC);
	/* without a tolerance they are strings: case-insensitive by default, not with case_sensitive */
	ck_assert_int_eq(cmp_default("1e5\n", "1E5\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("case_sensitive", "1e5\n", "1E5\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_default("1.5e2\n", "150\n"), SV_VERDICT_WA);
	/* an exponent without digits is no number */
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "1e\n", "1\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_flags("float_tolerance 1e-6", "1\n", "1e+\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(case_applies_to_ascii_letters_only)
{
	ck_assert_int_eq(cmp_default("YES\n", "yes\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_flags("case_sensitive", "YES\n", "yes\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1: expected \"YES\", got \"yes\"");
	/* other bytes, UTF-8 letters included, always compare as they are */
	ck_assert_int_eq(cmp_default("\xc3\x84\n", "\xc3\xa4\n"), SV_VERDICT_WA);
	ck_assert_int_eq(cmp_default("[A]\n", "[a]\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp_default("@\n", "`\n"), SV_VERDICT_WA);
}
END_TEST

START_TEST(nul_bytes_are_ordinary_bytes)
{
	checker_options opts;

	checker_options_init(&opts);
	ck_assert_int_eq(checker_compare(&opts, "a\0b\n", 4, "a\0b", 3, reason, sizeof(reason)), SV_VERDICT_AC);
	ck_assert_int_eq(checker_compare(&opts, "a\0b\n", 4, "a\0c\n", 4, reason, sizeof(reason)), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1: expected \"a\\0b\", got \"a\\0c\"");
	/* a NUL is not whitespace: "a\0" is another token than "a" */
	ck_assert_int_eq(checker_compare(&opts, "a\n", 2, "a\0\n", 3, reason, sizeof(reason)), SV_VERDICT_WA);
	ck_assert_int_eq(checker_compare(&opts, "a b", 3, "a\0b", 3, reason, sizeof(reason)), SV_VERDICT_WA);
	opts.mode = CHECKER_EXACT;
	ck_assert_int_eq(checker_compare(&opts, "a\0b\n", 4, "a\0b\n", 4, reason, sizeof(reason)), SV_VERDICT_AC);
	ck_assert_int_eq(checker_compare(&opts, "a\0b\n", 4, "a\0c\n", 4, reason, sizeof(reason)), SV_VERDICT_WA);
}
END_TEST

/* 5,000,000 lines of "123456789\n": 50 MB each. */
#define HUGE_LINES 5000000
#define HUGE_LEN   (HUGE_LINES * 10)

static char *make_huge_output(void)
{
	char *p = malloc(HUGE_LEN);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < HUGE_LEN; i += 10)
		memcpy(p + i, "123456789\n", 10);
	return p;
}

START_TEST(huge_output)
{
	char *expected = make_huge_output(), *actual = make_huge_output();
	checker_options opts;

	checker_options_init(&opts);
	ck_assert_int_eq(checker_compare(&opts, expected, HUGE_LEN, actual, HUGE_LEN, reason, sizeof(reason)),
			 SV_VERDICT_AC);
	actual[HUGE_LEN - 2] = '8';
	ck_assert_int_eq(checker_compare(&opts, expected, HUGE_LEN, actual, HUGE_LEN, reason, sizeof(reason)),
			 SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 5000000: expected \"123456789\", got \"123456788\"");
	/* one token short */
	ck_assert_int_eq(checker_compare(&opts, expected, HUGE_LEN, expected, HUGE_LEN - 10, reason, sizeof(reason)),
			 SV_VERDICT_WA);
	ck_assert_str_eq(reason, "output ended early: expected \"123456789\" next (answer token 5000000)");

	opts.mode = CHECKER_EXACT;
	ck_assert_int_eq(checker_compare(&opts, expected, HUGE_LEN, expected, HUGE_LEN, reason, sizeof(reason)),
			 SV_VERDICT_AC);
	ck_assert_int_eq(checker_compare(&opts, expected, HUGE_LEN, actual, HUGE_LEN, reason, sizeof(reason)),
			 SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 5000000, column 9: expected \"9\", got \"8\"");
	free(expected);
	free(actual);
}
END_TEST

START_TEST(exact_mode)
{
	checker_options opts;

	checker_options_init(&opts);
	opts.mode = CHECKER_EXACT;
	ck_assert_int_eq(cmp(&opts, "Hello, World!\n", "Hello, World!\n"), SV_VERDICT_AC);
	ck_assert_int_eq(cmp(&opts, "Hello, World!\n", "Hello, World!"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1: missing newline at end of output");
	ck_assert_int_eq(cmp(&opts, "Hello, World!\n", "Hello, World!\n\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 2: extra whitespace after the expected end of output: \"\\n\"");
	ck_assert_int_eq(cmp(&opts, "a\nb\n", "a\nb\nc\n"), SV_VERDICT_WA);
	ck_assert_reason_has("extra output");
	ck_assert_int_eq(cmp(&opts, "a\nb\nc\n", "a\nb"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "output ended early at line 2");
	ck_assert_int_eq(cmp(&opts, "one\nHello World\n", "one\nhello World\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 2, column 1: expected \"Hello World\", got \"hello World\"");
	ck_assert_int_eq(cmp(&opts, "1 2\n", "1  2\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1, column 3: expected \"2\", got \" 2\"");
	ck_assert_int_eq(cmp(&opts, "1\n2\n", "1\r\n2\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1, column 2: expected \"\\n\", got \"\\r\"");
	ck_assert_int_eq(cmp(&opts, "", ""), SV_VERDICT_AC);
	ck_assert_int_eq(cmp(&opts, "x", ""), SV_VERDICT_WA);
}
END_TEST

START_TEST(long_tokens_are_cut_in_the_reason)
{
	char want[2001], got[2001];

	memset(want, 'a', 2000);
	want[2000] = '\0';
	memcpy(got, want, sizeof(got));
	got[1999] = 'b';
	ck_assert_int_eq(cmp_default(want, got), SV_VERDICT_WA);
	ck_assert_uint_lt(strlen(reason), CHECKER_REASON_MAX - 1);
	ck_assert_reason_has("...");
	/* control bytes are escaped, never copied raw */
	ck_assert_int_eq(cmp_default("x\n", "\x1b[31mx\n"), SV_VERDICT_WA);
	ck_assert_str_eq(reason, "line 1: expected \"x\", got \"\\x1b[31mx\"");
	/* no reason buffer is fine */
	ck_assert_int_eq(checker_compare(&(checker_options){0}, "1", 1, "2", 1, NULL, 0), SV_VERDICT_WA);
}
END_TEST

START_TEST(options_parse)
{
	checker_options opts;
	char err[128];

	checker_options_init(&opts);
	ck_assert_int_eq(opts.mode, CHECKER_DEFAULT);
	ck_assert_int_eq(opts.case_sensitive, 0);
	ck_assert_int_eq(opts.has_abs_tolerance + opts.has_rel_tolerance, 0);

	ck_assert_int_eq(checker_options_parse("case_sensitive  float_tolerance 1e-6\n", &opts, err, sizeof(err)), 0);
	ck_assert_int_eq(opts.case_sensitive, 1);
	ck_assert_int_eq(opts.has_abs_tolerance, 1);
	ck_assert_int_eq(opts.has_rel_tolerance, 1);
	ck_assert_double_eq(opts.abs_tolerance, 1e-6);
	ck_assert_double_eq(opts.rel_tolerance, 1e-6);

	checker_options_init(&opts);
	ck_assert_int_eq(checker_options_parse("float_relative_tolerance 0.01", &opts, err, sizeof(err)), 0);
	ck_assert_int_eq(opts.has_abs_tolerance, 0);
	ck_assert_int_eq(opts.has_rel_tolerance, 1);
	ck_assert_int_eq(checker_options_parse("exact", &opts, err, sizeof(err)), 0);
	ck_assert_int_eq(opts.mode, CHECKER_EXACT);
	ck_assert_int_eq(checker_options_parse(NULL, &opts, err, sizeof(err)), 0);
	ck_assert_int_eq(checker_options_parse("", &opts, err, sizeof(err)), 0);

	ck_assert_int_eq(checker_options_parse("case_sensitiv", &opts, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown validator flag \"case_sensitiv\"");
	ck_assert_int_eq(checker_options_parse("float_tolerance", &opts, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "validator flag float_tolerance needs a number");
	ck_assert_int_eq(checker_options_parse("float_tolerance abc", &opts, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "validator flag float_tolerance: \"abc\" is not a non-negative number");
	ck_assert_int_eq(checker_options_parse("float_absolute_tolerance -1", &opts, err, sizeof(err)), -1);
}
END_TEST

static Suite *checker_suite(void)
{
	Suite *s = suite_create("checker");
	TCase *tc = tcase_create("default validator");

	tcase_add_test(tc, identical_output_is_accepted);
	tcase_add_test(tc, whitespace_between_tokens_does_not_matter);
	tcase_add_test(tc, trailing_whitespace_is_ignored);
	tcase_add_test(tc, wrong_token_names_line_and_tokens);
	tcase_add_test(tc, case_insensitive_by_default);
	tcase_add_test(tc, case_sensitive_flag);
	tcase_add_test(tc, floats_without_tolerance_compare_as_strings);
	tcase_add_test(tc, absolute_tolerance);
	tcase_add_test(tc, relative_tolerance);
	tcase_add_test(tc, either_tolerance_accepts);
	tcase_add_test(tc, tolerance_accepts_any_number_format);
	tcase_add_test(tc, tolerance_needs_a_number_where_one_is_expected);
	tcase_add_test(tc, tolerance_leaves_words_as_strings);
	tcase_add_test(tc, long_numbers_are_parsed);
	tcase_add_test(tc, empty_output);
	tcase_add_test(tc, output_ending_early_and_extra_output);
	tcase_add_test(tc, space_change_sensitive);
	tcase_add_test(tc, space_change_sensitive_leading_trailing_and_kind);
	tcase_add_test(tc, exponent_floats_with_tolerance);
	tcase_add_test(tc, case_applies_to_ascii_letters_only);
	tcase_add_test(tc, nul_bytes_are_ordinary_bytes);
	tcase_add_test(tc, long_tokens_are_cut_in_the_reason);
	tcase_add_test(tc, options_parse);
	suite_add_tcase(s, tc);

	tc = tcase_create("exact");
	tcase_add_test(tc, exact_mode);
	suite_add_tcase(s, tc);

	tc = tcase_create("huge");
	tcase_add_test(tc, huge_output);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(checker_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
