#include "scoring.h"

#include <math.h>
#include <string.h>

static double usable_weight(double weight)
{
	return isfinite(weight) && weight > 0 ? weight : 0;
}

void scoring_summarize(const scoring_test *tests, size_t count, int compile_error, scoring_summary *out)
{
	double total_weight = 0, passed_weight = 0;
	const scoring_test *first_failure = NULL;
	int equal_weights;

	memset(out, 0, sizeof(*out));
	out->total_tests = (int)count;
	for (size_t i = 0; i < count; i++) {
		total_weight += usable_weight(tests[i].weight);
		if (tests[i].verdict == SV_VERDICT_CE)
			compile_error = 1;
	}
	if (compile_error) {
		out->verdict = SV_VERDICT_CE;
		return;
	}
	if (count == 0) {
		out->verdict = SV_VERDICT_NONE;
		return;
	}
	/* No weights at all (or absurd ones that overflow): every test weighs the same. */
	equal_weights = total_weight <= 0 || !isfinite(total_weight);
	if (equal_weights)
		total_weight = (double)count;

	for (size_t i = 0; i < count; i++) {
		const scoring_test *test = &tests[i];

		if (test->time > out->execution_time)
			out->execution_time = test->time;
		if (test->memory > out->memory_used)
			out->memory_used = test->memory;
		if (test->verdict == SV_VERDICT_AC) {
			out->passed_tests++;
			passed_weight += equal_weights ? 1 : usable_weight(test->weight);
			continue;
		}
		/* A judged failure names the problem; a test that never ran only counts as not passed. */
		if (test->verdict != SV_VERDICT_NONE && (!first_failure || test->order < first_failure->order))
			first_failure = test;
	}
	out->score = (int)lround(100.0 * passed_weight / total_weight);
	if (out->score < 0)
		out->score = 0;
	if (out->score > 100)
		out->score = 100;

	if (out->passed_tests == out->total_tests)
		out->verdict = SV_VERDICT_AC;
	else if (out->score > 0 && out->score < 100)
		out->verdict = SV_VERDICT_PA;
	else
		out->verdict = first_failure ? first_failure->verdict : SV_VERDICT_NONE;
}
