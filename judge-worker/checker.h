#ifndef CHECKER_H
#define CHECKER_H

#include <stddef.h>

#include "sv_verdict.h"

/* Output checking (DESIGN.md §3 "Output checking"): the Kattis default output validator and an
 * exact mode. Both work on byte buffers with lengths: outputs may be huge and may hold NUL bytes. */

typedef enum {
	/* Kattis default validator: tokens separated by whitespace (space \f \n \r \t \v), leading and
	 * trailing whitespace ignored, ASCII letters compared case-insensitively unless case_sensitive. */
	CHECKER_DEFAULT = 0,
	/* Byte-for-byte identical output, trailing newline included. */
	CHECKER_EXACT,
} checker_mode;

typedef struct {
	checker_mode mode;
	int case_sensitive;         /* default mode: letters must match in case */
	int space_change_sensitive; /* default mode: whitespace runs must match exactly */
	/* Float tolerances: when either is set, every expected token that is a decimal number is
	 * compared numerically and accepted if within the absolute OR the relative tolerance. */
	int has_abs_tolerance;
	double abs_tolerance;
	int has_rel_tolerance;
	double rel_tolerance;
} checker_options;

/* Longest reason checker_compare writes, terminator included. */
#define CHECKER_REASON_MAX 256

/* The default validator, case-insensitive, no tolerance. */
void checker_options_init(checker_options *opts);

/* Applies Kattis validator_flags ("case_sensitive space_change_sensitive float_tolerance 1e-6
 * float_absolute_tolerance E float_relative_tolerance E") or the single word "exact" on top of
 * *opts. Returns 0, or -1 with a readable reason in err for an unknown flag or a bad number. */
int checker_options_parse(const char *flags, checker_options *opts, char *err, size_t errlen);

/* Compares a program's output with the expected answer. Returns SV_VERDICT_AC or SV_VERDICT_WA;
 * on WA a short human reason ("line 3: expected \"7\", got \"8\"", "output ended early: ...")
 * is written to reason (if not NULL). Lines are counted in the program's output, from 1. The
 * reason quotes the expected answer, so show it only where the test's data may be shown. */
sv_verdict checker_compare(const checker_options *opts, const char *expected, size_t expected_len, const char *actual,
			   size_t actual_len, char *reason, size_t reasonlen);

#endif
