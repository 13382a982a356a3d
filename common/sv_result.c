#include "sv_result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv_contract.h"
#include "sv_parse.h"
#include "sv_time.h"

static const char truncated_note[] = "\n[... truncated]";

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is invalid or runs past avail. */
static size_t utf8_sequence(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c >= 0x01 && c <= 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	/* Second-byte ranges that exclude overlong forms, surrogates and code points above U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < need)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need;
}

char *sv_utf8_sanitize(const char *bytes, size_t len, size_t max, int *truncated)
{
	const unsigned char *p = (const unsigned char *)(bytes ? bytes : "");
	size_t limit, i = 0, o = 0;
	char *out;

	if (!bytes)
		len = 0;
	limit = len < max ? len : max;
	out = malloc(limit * 3 + 1);
	if (!out)
		return NULL;
	while (i < limit) {
		size_t n = utf8_sequence(p + i, limit - i);

		if (n == 0 && i + 4 > limit && limit < len && utf8_sequence(p + i, len - i) > 0)
			break; /* a valid sequence cut by the limit: leave it out whole */
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	if (truncated)
		*truncated = i < len;
	return out;
}

/* Adds a sanitized text field; with note, a cut text ends in truncated_note. Returns 0 or -1. */
static int add_text(cJSON *obj, const char *name, const char *bytes, size_t len, size_t max, int note, int *truncated)
{
	int cut = 0;
	char *text = sv_utf8_sanitize(bytes, len, max, &cut);
	cJSON *item;

	if (!text)
		return -1;
	if (cut && note) {
		size_t tlen = strlen(text);
		char *longer = realloc(text, tlen + sizeof(truncated_note));

		if (!longer) {
			free(text);
			return -1;
		}
		text = longer;
		memcpy(text + tlen, truncated_note, sizeof(truncated_note));
	}
	item = cJSON_AddStringToObject(obj, name, text);
	free(text);
	if (truncated)
		*truncated = cut;
	return item ? 0 : -1;
}

static double milliseconds(double seconds)
{
	if (!isfinite(seconds) || seconds < 0)
		return 0;
	return round(seconds * 1000.0) / 1000.0;
}

/* Points as written: finite and not negative. */
static double points_value(double points)
{
	return isfinite(points) && points > 0 ? points : 0;
}

/* A new object at the end of array, or NULL when out of memory. */
static cJSON *new_entry(cJSON *array)
{
	cJSON *obj = cJSON_CreateObject();

	if (!obj || !cJSON_AddItemToArray(array, obj)) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

static int add_optional_text(cJSON *obj, const char *name, const char *text, size_t max)
{
	if (!text || !*text)
		return 0;
	return add_text(obj, name, text, strlen(text), max, 0, NULL);
}

/* What staff see of a test besides its verdict: group, score, messages, stderr, exit code. */
static int add_feedback(cJSON *obj, const sv_test_result *test)
{
	int cut = 0;

	if (add_optional_text(obj, "group", test->group, SV_RESULT_GROUP_NAME_MAX) < 0)
		return -1;
	if (test->has_score && !cJSON_AddNumberToObject(obj, "score", points_value(test->score)))
		return -1;
	if (add_optional_text(obj, "judge_message", test->judge_message, SV_RESULT_FEEDBACK_MAX) < 0 ||
	    add_optional_text(obj, "team_message", test->team_message, SV_RESULT_FEEDBACK_MAX) < 0)
		return -1;
	if (test->stderr_head && test->stderr_len > 0 &&
	    add_text(obj, "stderr", test->stderr_head, test->stderr_len, SV_RESULT_FEEDBACK_MAX, 0, &cut) < 0)
		return -1;
	if (cut && !cJSON_AddTrueToObject(obj, "stderr_truncated"))
		return -1;
	if (test->has_exit_code && !cJSON_AddNumberToObject(obj, "exit_code", test->exit_code))
		return -1;
	return 0;
}

static int add_test(cJSON *array, const sv_test_result *test)
{
	cJSON *obj = new_entry(array);
	int cut;

	if (!obj)
		return -1;
	sv_json_add_ll(obj, "test_id", test->test_id);
	cJSON_AddNumberToObject(obj, "order", test->order);
	cJSON_AddStringToObject(obj, "verdict", sv_verdict_name(test->verdict));
	cJSON_AddNumberToObject(obj, "time", milliseconds(test->time));
	cJSON_AddNumberToObject(obj, "memory", (double)(test->memory > 0 ? test->memory : 0));
	cJSON_AddBoolToObject(obj, "is_sample", test->is_sample != 0);
	/* Which limit a TLE ran out of: the verdict's detail, no test data. */
	if (test->verdict == SV_VERDICT_TLE && test->limit &&
	    (!strcmp(test->limit, "cpu") || !strcmp(test->limit, "wall")))
		cJSON_AddStringToObject(obj, "limit", test->limit);
	/* A wrong-answer reason quotes the expected output, which hidden tests must not reveal. */
	if (test->message && *test->message && (test->is_sample || test->verdict != SV_VERDICT_WA) &&
	    add_text(obj, "message", test->message, strlen(test->message), SV_RESULT_MESSAGE_MAX, 0, NULL) < 0)
		return -1;
	if (add_feedback(obj, test) < 0)
		return -1;
	if (!test->is_sample)
		return 0;
	if (test->input) {
		if (add_text(obj, "input", test->input, test->input_len, SV_RESULT_SAMPLE_MAX, 0, &cut) < 0)
			return -1;
		if (cut)
			cJSON_AddTrueToObject(obj, "input_truncated");
	}
	if (test->expected) {
		if (add_text(obj, "expected", test->expected, test->expected_len, SV_RESULT_SAMPLE_MAX, 0, &cut) < 0)
			return -1;
		if (cut)
			cJSON_AddTrueToObject(obj, "expected_truncated");
	}
	if (test->actual) {
		if (add_text(obj, "actual", test->actual, test->actual_len, SV_RESULT_SAMPLE_MAX, 0, &cut) < 0)
			return -1;
		if (cut)
			cJSON_AddTrueToObject(obj, "actual_truncated");
	}
	return 0;
}

static int add_groups(cJSON *root, const sv_result_msg *msg)
{
	size_t kept = msg->group_count < SV_RESULT_GROUPS_MAX ? msg->group_count : SV_RESULT_GROUPS_MAX;
	cJSON *groups;

	if (msg->group_count == 0)
		return 0;
	groups = cJSON_AddArrayToObject(root, "groups");
	if (!groups)
		return -1;
	for (size_t i = 0; i < kept; i++) {
		const sv_group_result *g = &msg->groups[i];
		cJSON *obj = new_entry(groups);
		const char *name = g->name ? g->name : "";

		if (!obj || add_text(obj, "name", name, strlen(name), SV_RESULT_GROUP_NAME_MAX, 0, NULL) < 0 ||
		    !cJSON_AddNumberToObject(obj, "points", points_value(g->points)) ||
		    !cJSON_AddNumberToObject(obj, "max_points", points_value(g->max_points)))
			return -1;
		if (g->verdict == SV_VERDICT_NONE
			? !cJSON_AddNullToObject(obj, "verdict")
			: !cJSON_AddStringToObject(obj, "verdict", sv_verdict_name(g->verdict)))
			return -1;
	}
	if (kept < msg->group_count &&
	    !cJSON_AddNumberToObject(root, "groups_omitted", (double)(msg->group_count - kept)))
		return -1;
	return 0;
}

static int add_final(cJSON *root, const sv_result_msg *msg)
{
	cJSON *tests;
	const char *compiler = msg->compiler_output ? msg->compiler_output : "";
	const char *error = msg->error_message ? msg->error_message : "";
	size_t kept = 0, used = 0;

	cJSON_AddNumberToObject(root, "score", msg->score < 0 ? 0 : msg->score > 100 ? 100 : msg->score);
	if (msg->has_points && (!cJSON_AddNumberToObject(root, "points", points_value(msg->points)) ||
				!cJSON_AddNumberToObject(root, "max_points", points_value(msg->max_points))))
		return -1;
	cJSON_AddNumberToObject(root, "passed_tests", msg->passed_tests);
	cJSON_AddNumberToObject(root, "total_tests", msg->total_tests);
	cJSON_AddNumberToObject(root, "execution_time", milliseconds(msg->execution_time));
	cJSON_AddNumberToObject(root, "memory_used", (double)(msg->memory_used > 0 ? msg->memory_used : 0));
	if (add_groups(root, msg) < 0)
		return -1;
	tests = cJSON_AddArrayToObject(root, "test_results");
	if (!tests)
		return -1;
	for (size_t i = 0; i < msg->test_count && kept < SV_RESULT_TESTS_MAX; i++) {
		char *text;
		size_t size;

		if (add_test(tests, &msg->tests[i]) < 0)
			return -1;
		text = cJSON_PrintUnformatted(cJSON_GetArrayItem(tests, (int)kept));
		if (!text)
			return -1;
		size = strlen(text) + 1;
		free(text);
		if (used + size > SV_RESULT_TESTS_BYTES) {
			cJSON_DeleteItemFromArray(tests, (int)kept);
			break;
		}
		used += size;
		kept++;
	}
	/* A task with very many tests (or many large samples) must not make the message too large
	 * to deliver: the first ones are kept and the marker says how many were left out. */
	if (kept < msg->test_count &&
	    !cJSON_AddNumberToObject(root, "test_results_omitted", (double)(msg->test_count - kept)))
		return -1;
	if (add_text(root, "compiler_output", compiler, strlen(compiler), SV_RESULT_COMPILER_MAX, 1, NULL) < 0 ||
	    add_text(root, "error_message", error, strlen(error), SV_RESULT_ERROR_MAX, 1, NULL) < 0)
		return -1;
	return 0;
}

char *sv_result_msg_build(const sv_result_msg *msg)
{
	cJSON *root;
	char now[SV_ISO8601_LEN], *text = NULL;
	int ok;

	if (msg->status != SV_STATUS_PROCESSING && msg->status != SV_STATUS_COMPLETED &&
	    msg->status != SV_STATUS_FAILED)
		return NULL;
	root = cJSON_CreateObject();
	if (!root)
		return NULL;
	sv_time_iso8601(time(NULL), now);

	/* Key order follows DESIGN.md §3 so the messages read like the contract. */
	sv_json_add_ll(root, "submission_id", msg->submission_id);
	sv_json_add_ll(root, "task_id", msg->task_id);
	cJSON_AddStringToObject(root, "status", sv_status_name(msg->status));
	if (msg->status == SV_STATUS_PROCESSING) {
		cJSON_AddNumberToObject(root, "tests_done", msg->tests_done);
		cJSON_AddNumberToObject(root, "total_tests", msg->total_tests);
		ok = 1;
	} else {
		ok = add_final(root, msg) == 0;
	}
	cJSON_AddStringToObject(root, "processed_at", msg->processed_at ? msg->processed_at : now);
	cJSON_AddNumberToObject(root, "attempt", msg->attempt);
	if (msg->status == SV_STATUS_COMPLETED)
		cJSON_AddStringToObject(root, "verdict", sv_verdict_name(msg->verdict));
	else if (msg->status == SV_STATUS_FAILED)
		cJSON_AddNullToObject(root, "verdict");
	ok = ok && cJSON_AddNumberToObject(root, "v", SV_MESSAGE_SCHEMA);
	if (ok)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/* ---- parsing ---- */

/* An optional non-negative number (seconds, points): 0 when absent or null. */
static int get_amount(const cJSON *obj, const char *name, double *out, char *err, size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!item || cJSON_IsNull(item)) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) || item->valuedouble < 0) {
		snprintf(err, errlen, "field \"%s\" must be a non-negative number", name);
		return -1;
	}
	*out = item->valuedouble;
	return 0;
}

/* An optional string: NULL when absent or null. */
static int get_text(const cJSON *obj, const char *name, const char **out, size_t *len, char *err, size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = NULL;
	if (len)
		*len = 0;
	if (!item || cJSON_IsNull(item))
		return 0;
	if (!cJSON_IsString(item)) {
		snprintf(err, errlen, "field \"%s\" must be a string", name);
		return -1;
	}
	*out = item->valuestring;
	if (len)
		*len = strlen(item->valuestring);
	return 0;
}

static int get_verdict(const cJSON *obj, const char *name, sv_verdict *out, char *err, size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsString(item) || sv_verdict_parse(item->valuestring, out) < 0) {
		snprintf(err, errlen, item ? "field \"%s\" is not a known verdict" : "missing field \"%s\"", name);
		return -1;
	}
	return 0;
}

static int present(const cJSON *obj, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	return item && !cJSON_IsNull(item);
}

static int parse_test(const cJSON *obj, size_t index, void *entry, char *err, size_t errlen)
{
	sv_test_result *test = entry;
	char inner[200];
	long long number;

	memset(test, 0, sizeof(*test));
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "test_results[%zu] is not an object", index);
		return -1;
	}
	if (sv_msg_int(obj, "test_id", 1, 9007199254740991LL, 1, 0, &test->test_id, inner, sizeof(inner)) < 0 ||
	    sv_msg_int(obj, "order", -2147483647LL, 2147483647LL, 0, 0, &number, inner, sizeof(inner)) < 0)
		goto bad;
	test->order = (int)number;
	if (get_verdict(obj, "verdict", &test->verdict, inner, sizeof(inner)) < 0 ||
	    get_amount(obj, "time", &test->time, inner, sizeof(inner)) < 0 ||
	    sv_msg_int(obj, "memory", 0, 9007199254740991LL, 0, 0, &test->memory, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "message", &test->message, NULL, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "input", &test->input, &test->input_len, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "expected", &test->expected, &test->expected_len, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "actual", &test->actual, &test->actual_len, inner, sizeof(inner)) < 0)
		goto bad;
	if (get_text(obj, "group", &test->group, NULL, inner, sizeof(inner)) < 0 ||
	    get_amount(obj, "score", &test->score, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "judge_message", &test->judge_message, NULL, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "team_message", &test->team_message, NULL, inner, sizeof(inner)) < 0 ||
	    get_text(obj, "stderr", &test->stderr_head, &test->stderr_len, inner, sizeof(inner)) < 0 ||
	    sv_msg_int(obj, "exit_code", -2147483647LL - 1, 2147483647LL, 0, 0, &number, inner, sizeof(inner)) < 0)
		goto bad;
	test->exit_code = (int)number;
	if (get_text(obj, "limit", &test->limit, NULL, inner, sizeof(inner)) < 0)
		goto bad;
	if (test->limit && strcmp(test->limit, "cpu") && strcmp(test->limit, "wall")) {
		snprintf(inner, sizeof(inner), "limit is \"%.40s\", not \"cpu\" or \"wall\"", test->limit);
		goto bad;
	}
	test->has_score = present(obj, "score");
	test->has_exit_code = present(obj, "exit_code");
	test->stderr_truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "stderr_truncated"));
	test->is_sample = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "is_sample"));
	test->input_truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "input_truncated"));
	test->expected_truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "expected_truncated"));
	test->actual_truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "actual_truncated"));
	return 0;
bad:
	snprintf(err, errlen, "test_results[%zu]: %s", index, inner);
	return -1;
}

static int parse_group(const cJSON *obj, size_t index, void *entry, char *err, size_t errlen)
{
	sv_group_result *group = entry;
	const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(obj, "verdict");
	char inner[200];

	memset(group, 0, sizeof(*group));
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "groups[%zu] is not an object", index);
		return -1;
	}
	if (get_text(obj, "name", &group->name, NULL, inner, sizeof(inner)) < 0 ||
	    get_amount(obj, "points", &group->points, inner, sizeof(inner)) < 0 ||
	    get_amount(obj, "max_points", &group->max_points, inner, sizeof(inner)) < 0 ||
	    (verdict && !cJSON_IsNull(verdict) &&
	     get_verdict(obj, "verdict", &group->verdict, inner, sizeof(inner)) < 0)) {
		snprintf(err, errlen, "groups[%zu]: %s", index, inner);
		return -1;
	}
	if (!group->name) {
		snprintf(err, errlen, "groups[%zu]: missing field \"name\"", index);
		return -1;
	}
	return 0;
}

typedef int (*parse_entry_fn)(const cJSON *obj, size_t index, void *entry, char *err, size_t errlen);

/* An optional array field of objects, parsed by parse into a malloc'd array of size-byte entries
 * (*out NULL when empty or absent). */
static int parse_array(const cJSON *root, const char *name, size_t size, parse_entry_fn parse, void **out,
		       size_t *count, char *err, size_t errlen)
{
	const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, name), *item;
	char *entries = NULL;
	size_t n;

	*out = NULL;
	*count = 0;
	if (!array || cJSON_IsNull(array))
		return 0;
	if (!cJSON_IsArray(array)) {
		snprintf(err, errlen, "field \"%s\" must be an array", name);
		return -1;
	}
	n = (size_t)cJSON_GetArraySize(array);
	if (n > 0 && !(entries = calloc(n, size))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = 0;
	cJSON_ArrayForEach(item, array)
	{
		if (parse(item, n, entries + n * size, err, errlen) < 0) {
			free(entries);
			return -1;
		}
		n++;
	}
	*out = entries;
	*count = n;
	return 0;
}

static int parse_final(const cJSON *root, sv_result_msg *msg, char *err, size_t errlen)
{
	void *tests, *groups;
	long long number;

	if (msg->status == SV_STATUS_COMPLETED) {
		if (get_verdict(root, "verdict", &msg->verdict, err, errlen) < 0)
			return -1;
	} else {
		msg->verdict = SV_VERDICT_NONE;
	}
	if (sv_msg_int(root, "score", 0, 100, msg->status == SV_STATUS_COMPLETED, 0, &number, err, errlen) < 0)
		return -1;
	msg->score = (int)number;
	if (sv_msg_int(root, "passed_tests", 0, 1000000, 0, 0, &number, err, errlen) < 0)
		return -1;
	msg->passed_tests = (int)number;
	if (sv_msg_int(root, "total_tests", 0, 1000000, 0, 0, &number, err, errlen) < 0)
		return -1;
	msg->total_tests = (int)number;
	if (msg->passed_tests > msg->total_tests) {
		snprintf(err, errlen, "passed_tests is larger than total_tests");
		return -1;
	}
	if (sv_msg_int(root, "test_results_omitted", 0, 1000000, 0, 0, &number, err, errlen) < 0)
		return -1;
	msg->tests_omitted = (size_t)number;
	msg->has_points = present(root, "points") || present(root, "max_points");
	if (get_amount(root, "points", &msg->points, err, errlen) < 0 ||
	    get_amount(root, "max_points", &msg->max_points, err, errlen) < 0)
		return -1;
	if (get_amount(root, "execution_time", &msg->execution_time, err, errlen) < 0 ||
	    sv_msg_int(root, "memory_used", 0, 9007199254740991LL, 0, 0, &msg->memory_used, err, errlen) < 0 ||
	    get_text(root, "compiler_output", &msg->compiler_output, NULL, err, errlen) < 0 ||
	    get_text(root, "error_message", &msg->error_message, NULL, err, errlen) < 0)
		return -1;

	if (sv_msg_int(root, "groups_omitted", 0, 1000000, 0, 0, &number, err, errlen) < 0)
		return -1;
	msg->groups_omitted = (size_t)number;
	if (parse_array(root, "test_results", sizeof(sv_test_result), parse_test, &tests, &msg->test_count, err,
			errlen) < 0)
		return -1;
	if (parse_array(root, "groups", sizeof(sv_group_result), parse_group, &groups, &msg->group_count, err, errlen) <
	    0) {
		free(tests);
		msg->test_count = 0;
		return -1;
	}
	msg->tests = tests;
	msg->groups = groups;
	return 0;
}

int sv_result_msg_parse(const char *json, size_t len, sv_result_msg *msg, cJSON **tree, char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *item;
	long long number;
	int rc = SV_MSG_BAD;

	memset(msg, 0, sizeof(*msg));
	*tree = NULL;
	root = cJSON_ParseWithLength(json, len);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "message is not a JSON object");
		goto end;
	}
	if (sv_msg_int(root, "submission_id", 1, 9007199254740991LL, 1, 0, &msg->submission_id, err, errlen) < 0) {
		msg->submission_id = 0;
		goto end;
	}
	if (sv_msg_int(root, "task_id", 1, 9007199254740991LL, 1, 0, &msg->task_id, err, errlen) < 0 ||
	    sv_msg_int(root, "attempt", 1, 1000, 0, 1, &number, err, errlen) < 0)
		goto end;
	msg->attempt = (int)number;
	if ((rc = sv_msg_schema(root, &msg->schema, err, errlen)) != SV_MSG_OK)
		goto end;
	rc = SV_MSG_BAD;
	item = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(item) || sv_status_parse(item->valuestring, &msg->status) < 0 ||
	    msg->status == SV_STATUS_PENDING) {
		snprintf(err, errlen,
			 item ? "field \"status\" must be processing, completed or failed"
			      : "missing field \"status\"");
		goto end;
	}
	if (get_text(root, "processed_at", &msg->processed_at, NULL, err, errlen) < 0)
		goto end;

	if (msg->status == SV_STATUS_PROCESSING) {
		if (sv_msg_int(root, "tests_done", 0, 1000000, 0, 0, &number, err, errlen) < 0)
			goto end;
		msg->tests_done = (int)number;
		if (sv_msg_int(root, "total_tests", 0, 1000000, 0, 0, &number, err, errlen) < 0)
			goto end;
		msg->total_tests = (int)number;
		if (msg->tests_done > msg->total_tests) {
			snprintf(err, errlen, "tests_done is larger than total_tests");
			goto end;
		}
	} else if (parse_final(root, msg, err, errlen) < 0) {
		goto end;
	}
	rc = SV_MSG_OK;
end:
	if (rc < 0) {
		long long id = msg->submission_id;

		cJSON_Delete(root);
		memset(msg, 0, sizeof(*msg));
		msg->submission_id = id;
	} else {
		*tree = root;
	}
	return rc;
}

void sv_result_msg_clear(sv_result_msg *msg)
{
	free((void *)msg->tests);
	msg->tests = NULL;
	msg->test_count = 0;
	free((void *)msg->groups);
	msg->groups = NULL;
	msg->group_count = 0;
}
