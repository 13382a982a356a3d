/* The output checker (checker_options_parse and checker_compare, judge-worker/checker.c): the
 * Kattis default validator with its flags and tolerances, and exact mode, on a program's output,
 * which is anything the program wrote. Input: the validator flags up to the first newline, then
 * the expected answer and the program's output, split at the first NUL byte. */

#include "fuzz_common.h"

#include "checker.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *nl = memchr(data, '\n', size);
	size_t flags_len = nl ? (size_t)(nl - data) : 0;
	const unsigned char *rest = nl ? nl + 1 : data;
	size_t rest_len = size - (size_t)(rest - data);
	const unsigned char *sep = memchr(rest, '\0', rest_len);
	size_t exp_len = sep ? (size_t)(sep - rest) : rest_len;
	char *flags = fuzz_copy(data, flags_len);
	/* Outputs are byte buffers with a length: no NUL after them, so ASan sees any overread. */
	char *expected = malloc(exp_len ? exp_len : 1);
	size_t act_len = sep ? rest_len - exp_len - 1 : 0;
	char *actual = malloc(act_len ? act_len : 1);
	char err[256], reason[CHECKER_REASON_MAX];
	checker_options opts, plain;
	sv_verdict v;

	memcpy(expected, rest, exp_len);
	if (sep)
		memcpy(actual, sep + 1, act_len);
	checker_options_init(&opts);
	if (checker_options_parse(flags, &opts, err, sizeof(err)) < 0) {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) && err[0]);
		checker_options_init(&opts);
	}
	reason[0] = '\0';
	v = checker_compare(&opts, expected, exp_len, actual, act_len, reason, sizeof(reason));
	FUZZ_ASSERT(v == SV_VERDICT_AC || v == SV_VERDICT_WA);
	if (v == SV_VERDICT_WA)
		FUZZ_ASSERT(reason[0] && memchr(reason, '\0', sizeof(reason)));
	/* An output identical to the answer is accepted, in every mode without a tolerance. */
	plain = opts;
	plain.has_abs_tolerance = plain.has_rel_tolerance = 0;
	FUZZ_ASSERT(checker_compare(&plain, expected, exp_len, expected, exp_len, reason, sizeof(reason)) ==
		    SV_VERDICT_AC);
	plain.mode = CHECKER_EXACT;
	v = checker_compare(&plain, expected, exp_len, actual, act_len, reason, sizeof(reason));
	FUZZ_ASSERT(v == (exp_len == act_len && !memcmp(expected, actual, exp_len) ? SV_VERDICT_AC : SV_VERDICT_WA));
	free(actual);
	free(expected);
	free(flags);
	return 0;
}
