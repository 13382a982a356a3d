#include "task_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sv_parse.h"

int task_cache_key(long long task_id, int revision, char *buf, size_t buflen)
{
	int n = snprintf(buf, buflen, "solveit:task:v%d:%lld:r%d", TASK_CACHE_FORMAT, task_id, revision);

	return n < 0 || (size_t)n >= buflen ? -1 : n;
}

char *task_data_encode(const task_data *task, size_t *len)
{
	cJSON *root = cJSON_CreateObject(), *tests;
	char *text = NULL;

	if (!root)
		return NULL;
	cJSON_AddNumberToObject(root, "format", TASK_CACHE_FORMAT);
	cJSON_AddNumberToObject(root, "id", (double)task->id);
	cJSON_AddNumberToObject(root, "revision", task->revision);
	cJSON_AddNumberToObject(root, "time_limit_ms", task->time_limit_ms);
	cJSON_AddNumberToObject(root, "memory_limit_kb", task->memory_limit_kb);
	cJSON_AddBoolToObject(root, "exact", task->validator == VALIDATOR_EXACT);
	cJSON_AddBoolToObject(root, "case_sensitive", task->case_sensitive);
	if (task->has_abs_tol)
		cJSON_AddNumberToObject(root, "abs_tol", task->abs_tol);
	if (task->has_rel_tol)
		cJSON_AddNumberToObject(root, "rel_tol", task->rel_tol);
	tests = cJSON_AddArrayToObject(root, "tests");
	for (size_t i = 0; tests && i < task->test_count; i++) {
		const task_test *t = &task->tests[i];
		cJSON *item = cJSON_CreateObject();
		if (!item)
			goto out;
		cJSON_AddItemToArray(tests, item);
		cJSON_AddNumberToObject(item, "id", (double)t->id);
		cJSON_AddNumberToObject(item, "order", t->order);
		cJSON_AddNumberToObject(item, "weight", t->weight);
		cJSON_AddBoolToObject(item, "sample", t->is_sample);
		/* The database's text columns hold no NUL, so C strings carry them whole. */
		if (!cJSON_AddStringToObject(item, "input", t->input) ||
		    !cJSON_AddStringToObject(item, "expected", t->expected))
			goto out;
	}
	if (tests)
		text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	if (text && len)
		*len = strlen(text);
	return text;
}

static int get_int(const cJSON *obj, const char *name, long long min, long long max, long long *out)
{
	return sv_json_ll(cJSON_GetObjectItemCaseSensitive(obj, name), min, max, out);
}

static char *dup_string(const cJSON *obj, const char *name, size_t *len)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	char *copy;

	if (!cJSON_IsString(item))
		return NULL;
	*len = strlen(item->valuestring);
	copy = malloc(*len + 1);
	if (copy)
		memcpy(copy, item->valuestring, *len + 1);
	return copy;
}

int task_data_decode(const char *text, size_t len, task_data *task)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	const cJSON *tests, *item;
	long long v;
	size_t i = 0;

	memset(task, 0, sizeof(*task));
	if (!root || get_int(root, "format", TASK_CACHE_FORMAT, TASK_CACHE_FORMAT, &v) < 0)
		goto fail;
	if (get_int(root, "id", 1, 9007199254740991LL, &task->id) < 0 ||
	    get_int(root, "revision", 0, 2147483647, &v) < 0)
		goto fail;
	task->revision = (int)v;
	if (get_int(root, "time_limit_ms", 1, 86400000, &v) < 0)
		goto fail;
	task->time_limit_ms = (int)v;
	if (get_int(root, "memory_limit_kb", 1, 2147483647, &v) < 0)
		goto fail;
	task->memory_limit_kb = (int)v;
	task->validator = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "exact")) ? VALIDATOR_EXACT : VALIDATOR_DEFAULT;
	task->case_sensitive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "case_sensitive"));
	if ((item = cJSON_GetObjectItemCaseSensitive(root, "abs_tol")) && cJSON_IsNumber(item)) {
		task->has_abs_tol = 1;
		task->abs_tol = item->valuedouble;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(root, "rel_tol")) && cJSON_IsNumber(item)) {
		task->has_rel_tol = 1;
		task->rel_tol = item->valuedouble;
	}
	tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
	if (!cJSON_IsArray(tests))
		goto fail;
	task->test_count = (size_t)cJSON_GetArraySize(tests);
	task->tests = calloc(task->test_count ? task->test_count : 1, sizeof(task_test));
	if (!task->tests)
		goto fail;
	cJSON_ArrayForEach(item, tests)
	{
		task_test *t = &task->tests[i++];
		if (get_int(item, "id", 1, 9007199254740991LL, &t->id) < 0 ||
		    get_int(item, "order", -2147483647LL, 2147483647, &v) < 0)
			goto fail;
		t->order = (int)v;
		if (get_int(item, "weight", 0, 2147483647, &v) < 0)
			goto fail;
		t->weight = (int)v;
		t->is_sample = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "sample"));
		if (!(t->input = dup_string(item, "input", &t->input_len)) ||
		    !(t->expected = dup_string(item, "expected", &t->expected_len)))
			goto fail;
	}
	cJSON_Delete(root);
	task_sort_tests(task);
	return 0;
fail:
	cJSON_Delete(root);
	task_data_free(task);
	return -1;
}

void task_data_free(task_data *task)
{
	for (size_t i = 0; task->tests && i < task->test_count; i++) {
		free((char *)task->tests[i].input);
		free((char *)task->tests[i].expected);
	}
	free(task->tests);
	memset(task, 0, sizeof(*task));
}

void task_checker_options(const task_data *task, checker_options *opts)
{
	checker_options_init(opts);
	opts->mode = task->validator == VALIDATOR_EXACT ? CHECKER_EXACT : CHECKER_DEFAULT;
	opts->case_sensitive = task->case_sensitive;
	opts->has_abs_tolerance = task->has_abs_tol;
	opts->abs_tolerance = task->abs_tol;
	opts->has_rel_tolerance = task->has_rel_tol;
	opts->rel_tolerance = task->rel_tol;
}

static int by_order(const void *a, const void *b)
{
	const task_test *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

void task_sort_tests(task_data *task)
{
	if (task->test_count > 1)
		qsort(task->tests, task->test_count, sizeof(task_test), by_order);
}
