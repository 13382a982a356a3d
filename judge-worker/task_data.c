#include "task_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sv_parse.h"
#include "test_cache.h"

int task_cache_key(long long task_id, int revision, char *buf, size_t buflen)
{
	int n = snprintf(buf, buflen, "solveit:task:v%d:%lld:r%d", TASK_CACHE_FORMAT, task_id, revision);

	return n < 0 || (size_t)n >= buflen ? -1 : n;
}

/* ---- names of the enums, as the schema spells them ---- */

static const char *const type_names[] = {"scoring", "pass-fail", NULL};
static const char *const validator_names[] = {"default", "exact", "custom", "interactive", NULL};
static const char *const aggregation_names[] = {"sum", "avg", "min", "max", "all-or-nothing", NULL};

static int task_name_index(const char *const *names, const char *name)
{
	for (int i = 0; name && names[i]; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

int task_type_parse(const char *name)
{
	return task_name_index(type_names, name);
}

int task_validator_parse(const char *name)
{
	return task_name_index(validator_names, name);
}

int task_aggregation_parse(const char *name)
{
	return task_name_index(aggregation_names, name);
}

/* The task's whole-number settings, encoded, decoded and checked by one table: min and max bound
 * what decoding accepts; lo and hi are the schema's CHECK constraints (sql/001_init.sql,
 * sql/022_problem_model.sql), zero meaning "the judge's default" where zero_ok. */
typedef struct {
	const char *name;
	size_t offset;
	long long min, max;
	long long lo, hi;
	int zero_ok;
} int_field;

#define TASK_INT(field, min, max, lo, hi, zero_ok)                                                                     \
	{                                                                                                              \
#field, offsetof(task_data, field), min, max, lo, hi, zero_ok                                          \
	}
static const int_field task_ints[] = {
    TASK_INT(revision, 0, 2147483647, 0, 2147483647, 1),
    TASK_INT(judge_all, 0, 1, 0, 1, 1),
    TASK_INT(time_limit_ms, 1, 86400000, 50, 60000, 0),
    TASK_INT(memory_limit_kb, 1, 2147483647, 4096, 4194304, 0),
    TASK_INT(wall_limit_ms, 0, 86400000, 50, 300000, 1),
    TASK_INT(output_limit_kb, 0, 2147483647, 1, 1048576, 1),
    TASK_INT(compile_time_limit_ms, 0, 86400000, 1000, 300000, 1),
    TASK_INT(compile_memory_limit_kb, 0, 2147483647, 65536, 8388608, 1),
    TASK_INT(case_sensitive, 0, 1, 0, 1, 1),
    TASK_INT(space_change_sensitive, 0, 1, 0, 1, 1),
    TASK_INT(validator_language_id, 0, 2147483647, 0, 2147483647, 1),
};

#define WEIGHT_MAX 1e9 /* tests_weight_finite: weight >= 0 AND weight < 1e9 */

int task_check_bounds(const task_data *task, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(task_ints) / sizeof(task_ints[0]); i++) {
		const int_field *f = &task_ints[i];
		int v = *(const int *)((const char *)task + f->offset);

		if ((v == 0 && f->zero_ok) || (v >= f->lo && v <= f->hi))
			continue;
		snprintf(err, errlen, "%s %d is outside the schema's bounds %lld..%lld", f->name, v, f->lo, f->hi);
		return -1;
	}
	if ((task->has_abs_tol && !(task->abs_tol >= 0)) || (task->has_rel_tol && !(task->rel_tol >= 0))) {
		snprintf(err, errlen, "a float tolerance is negative");
		return -1;
	}
	for (size_t i = 0; i < task->test_count; i++)
		if (!(task->tests[i].weight >= 0 && task->tests[i].weight < WEIGHT_MAX)) {
			snprintf(err, errlen, "test %lld: weight %g is outside the schema's bounds 0..1e9",
				 task->tests[i].id, task->tests[i].weight);
			return -1;
		}
	for (size_t i = 0; i < task->group_count; i++)
		if (task->groups[i].has_points && !(task->groups[i].points >= 0)) {
			snprintf(err, errlen, "group %lld: negative points", task->groups[i].id);
			return -1;
		}
	if (task->validator >= VALIDATOR_CUSTOM && !task->validator_language_id) {
		snprintf(err, errlen, "a %s validator without a language", validator_names[task->validator]);
		return -1;
	}
	return 0;
}

/* ---- encoding ---- */

static int add_string(cJSON *obj, const char *name, const char *value)
{
	return cJSON_AddStringToObject(obj, name, value ? value : "") ? 0 : -1;
}

static int encode_groups(cJSON *root, const task_data *task)
{
	cJSON *groups = cJSON_AddArrayToObject(root, "groups");

	for (size_t i = 0; groups && i < task->group_count; i++) {
		const task_group *g = &task->groups[i];
		cJSON *item = cJSON_CreateObject();
		if (!item || !cJSON_AddItemToArray(groups, item))
			return -1;
		cJSON_AddNumberToObject(item, "id", (double)g->id);
		cJSON_AddNumberToObject(item, "parent", g->parent);
		cJSON_AddNumberToObject(item, "position", g->position);
		cJSON_AddStringToObject(item, "aggregation", aggregation_names[g->aggregation]);
		if (g->has_points)
			cJSON_AddNumberToObject(item, "points", g->points);
		cJSON_AddBoolToObject(item, "break", g->break_on_reject);
		if (add_string(item, "name", g->name) < 0 || add_string(item, "flags", g->validator_flags) < 0)
			return -1;
	}
	return groups ? 0 : -1;
}

static int encode_tests(cJSON *root, const task_data *task)
{
	cJSON *tests = cJSON_AddArrayToObject(root, "tests");

	for (size_t i = 0; tests && i < task->test_count; i++) {
		const task_test *t = &task->tests[i];
		cJSON *item = cJSON_CreateObject();
		if (!item || !cJSON_AddItemToArray(tests, item))
			return -1;
		cJSON_AddNumberToObject(item, "id", (double)t->id);
		cJSON_AddNumberToObject(item, "order", t->order);
		cJSON_AddNumberToObject(item, "weight", t->weight);
		cJSON_AddBoolToObject(item, "sample", t->is_sample);
		cJSON_AddNumberToObject(item, "group", t->group);
		/* Only the hashes: the bytes live in the worker's file cache, never in Redis. */
		if (add_string(item, "name", t->name) < 0 || add_string(item, "input", t->input_sha256) < 0 ||
		    add_string(item, "answer", t->answer_sha256) < 0)
			return -1;
	}
	return tests ? 0 : -1;
}

static int encode_validator(cJSON *root, const task_data *task)
{
	cJSON *factors = cJSON_AddObjectToObject(root, "factors"), *files;

	for (size_t i = 0; factors && i < task->factor_count; i++) {
		char id[16];
		snprintf(id, sizeof(id), "%d", task->factor_language_ids[i]);
		cJSON_AddNumberToObject(factors, id, task->factors[i]);
	}
	cJSON_AddStringToObject(root, "validator", validator_names[task->validator]);
	if (task->has_abs_tol)
		cJSON_AddNumberToObject(root, "abs_tol", task->abs_tol);
	if (task->has_rel_tol)
		cJSON_AddNumberToObject(root, "rel_tol", task->rel_tol);
	if (add_string(root, "validator_flags", task->validator_flags) < 0)
		return -1;
	/* Not the validator's source: the judges' code stays in PostgreSQL (task_store reads it on a
	 * hit), so Redis holds nothing secret. */
	if (task->validator_file_name && add_string(root, "validator_file_name", task->validator_file_name) < 0)
		return -1;
	files = cJSON_AddArrayToObject(root, "validator_files");
	for (size_t i = 0; files && i < task->validator_file_count; i++) {
		cJSON *item = cJSON_CreateObject();
		if (!item || !cJSON_AddItemToArray(files, item) ||
		    add_string(item, "name", task->validator_files[i].name) < 0 ||
		    add_string(item, "sha256", task->validator_files[i].sha256) < 0)
			return -1;
	}
	return factors && files ? 0 : -1;
}

char *task_data_encode(const task_data *task, size_t *len)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;

	if (!root)
		return NULL;
	cJSON_AddNumberToObject(root, "format", TASK_CACHE_FORMAT);
	cJSON_AddNumberToObject(root, "id", (double)task->id);
	cJSON_AddStringToObject(root, "type", type_names[task->type]);
	for (size_t i = 0; i < sizeof(task_ints) / sizeof(task_ints[0]); i++)
		cJSON_AddNumberToObject(root, task_ints[i].name,
					*(const int *)((const char *)task + task_ints[i].offset));
	if (encode_validator(root, task) == 0 && encode_groups(root, task) == 0 && encode_tests(root, task) == 0)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (text && len)
		*len = strlen(text);
	return text;
}

/* ---- decoding ---- */

static int get_int(const cJSON *obj, const char *name, long long min, long long max, int *out)
{
	long long v;

	if (sv_json_ll(cJSON_GetObjectItemCaseSensitive(obj, name), min, max, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

/* A copy of a string member; absent is NULL when optional, an error otherwise. */
static int get_string(const cJSON *obj, const char *name, int optional, char **out)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = NULL;
	if (!item && optional)
		return 0;
	if (!cJSON_IsString(item) || !(*out = strdup(item->valuestring)))
		return -1;
	return 0;
}

static int get_enum(const cJSON *obj, const char *name, const char *const *names, int *out)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = cJSON_IsString(item) ? task_name_index(names, item->valuestring) : -1;
	return *out < 0 ? -1 : 0;
}

static int get_hash(const cJSON *obj, const char *name, char out[65])
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsString(item) || !test_cache_valid_hash(item->valuestring))
		return -1;
	memcpy(out, item->valuestring, 65);
	return 0;
}

static int get_tolerance(const cJSON *obj, const char *name, int *has, double *value)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	*has = item != NULL;
	return !item || sv_json_double(item, 0, 1e300, value) == 0 ? 0 : -1;
}

/* Arrays of the decoded task: count elements of size, zeroed (1 for none, so NULL means no memory). */
static void *new_array(const cJSON *array, size_t size, size_t *count)
{
	*count = cJSON_IsArray(array) ? (size_t)cJSON_GetArraySize(array) : 0;
	return cJSON_IsArray(array) ? calloc(*count ? *count : 1, size) : NULL;
}

/* {"62": 2.0}: language id -> time factor (the column language_time_factors and the cache's). */
static int parse_factors(const cJSON *obj, task_data *task)
{
	const cJSON *item;
	size_t i = 0;

	free(task->factor_language_ids);
	free(task->factors);
	task->factor_count = (size_t)cJSON_GetArraySize(obj);
	task->factor_language_ids = calloc(task->factor_count + 1, sizeof(int));
	task->factors = calloc(task->factor_count + 1, sizeof(double));
	if (!task->factor_language_ids || !task->factors)
		return -1;
	cJSON_ArrayForEach(item, obj)
	{
		long long id;
		if (sv_parse_ll(item->string, 1, 2147483647, &id) < 0 ||
		    sv_json_double(item, 1e-3, 1e3, &task->factors[i]) < 0)
			return -1;
		task->factor_language_ids[i++] = (int)id;
	}
	return 0;
}

static int decode_validator(const cJSON *root, task_data *task)
{
	const cJSON *factors = cJSON_GetObjectItemCaseSensitive(root, "factors"), *item;
	int kind;
	size_t i = 0;

	if (get_enum(root, "validator", validator_names, &kind) < 0 ||
	    get_tolerance(root, "abs_tol", &task->has_abs_tol, &task->abs_tol) < 0 ||
	    get_tolerance(root, "rel_tol", &task->has_rel_tol, &task->rel_tol) < 0 ||
	    get_string(root, "validator_flags", 0, &task->validator_flags) < 0 ||
	    get_string(root, "validator_file_name", 1, &task->validator_file_name) < 0 || !cJSON_IsObject(factors))
		return -1;
	task->validator = (validator_kind)kind;
	if (parse_factors(factors, task) < 0)
		return -1;
	item = cJSON_GetObjectItemCaseSensitive(root, "validator_files");
	if (!(task->validator_files = new_array(item, sizeof(task_file), &task->validator_file_count)))
		return -1;
	i = 0;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "validator_files"))
	{
		task_file *f = &task->validator_files[i++];
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
		if (!cJSON_IsString(name) || !*name->valuestring || strlen(name->valuestring) >= sizeof(f->name) ||
		    get_hash(item, "sha256", f->sha256) < 0)
			return -1;
		strcpy(f->name, name->valuestring);
	}
	return 0;
}

/* 1 when the parents of the groups form a forest (every chain reaches the root). */
static int groups_form_a_tree(const task_data *task)
{
	for (size_t i = 0; i < task->group_count; i++) {
		int at = (int)i;
		for (size_t steps = 0; at >= 0; steps++) {
			if (steps > task->group_count)
				return 0;
			at = task->groups[at].parent;
		}
	}
	return 1;
}

static int decode_groups(const cJSON *root, task_data *task)
{
	const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, "groups"), *item;
	long long max = (long long)cJSON_GetArraySize(array) - 1;
	size_t i = 0;

	if (!(task->groups = new_array(array, sizeof(task_group), &task->group_count)))
		return -1;
	cJSON_ArrayForEach(item, array)
	{
		task_group *g = &task->groups[i++];
		int agg;
		long long id;
		if (sv_json_ll(cJSON_GetObjectItemCaseSensitive(item, "id"), 1, SV_JSON_INT_MAX, &id) < 0 ||
		    get_int(item, "parent", -1, max, &g->parent) < 0 ||
		    get_int(item, "position", -2147483647LL - 1, 2147483647, &g->position) < 0 ||
		    get_enum(item, "aggregation", aggregation_names, &agg) < 0 ||
		    get_tolerance(item, "points", &g->has_points, &g->points) < 0 ||
		    get_string(item, "name", 0, &g->name) < 0 || get_string(item, "flags", 0, &g->validator_flags) < 0)
			return -1;
		g->id = id;
		g->aggregation = (group_aggregation)agg;
		g->break_on_reject = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "break"));
	}
	return groups_form_a_tree(task) ? 0 : -1;
}

static int decode_tests(const cJSON *root, task_data *task)
{
	const cJSON *array = cJSON_GetObjectItemCaseSensitive(root, "tests"), *item;
	size_t i = 0;

	if (!(task->tests = new_array(array, sizeof(task_test), &task->test_count)))
		return -1;
	cJSON_ArrayForEach(item, array)
	{
		task_test *t = &task->tests[i++];
		long long id;
		if (sv_json_ll(cJSON_GetObjectItemCaseSensitive(item, "id"), 1, SV_JSON_INT_MAX, &id) < 0 ||
		    get_int(item, "order", -2147483647LL - 1, 2147483647, &t->order) < 0 ||
		    sv_json_double(cJSON_GetObjectItemCaseSensitive(item, "weight"), 0, 1e9, &t->weight) < 0 ||
		    get_int(item, "group", -1, (long long)task->group_count - 1, &t->group) < 0 ||
		    get_string(item, "name", 0, &t->name) < 0 || get_hash(item, "input", t->input_sha256) < 0 ||
		    get_hash(item, "answer", t->answer_sha256) < 0)
			return -1;
		t->id = id;
		t->is_sample = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "sample"));
	}
	return 0;
}

int task_data_decode(const char *text, size_t len, task_data *task)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	long long id;
	int v;

	memset(task, 0, sizeof(*task));
	if (!cJSON_IsObject(root) || get_int(root, "format", TASK_CACHE_FORMAT, TASK_CACHE_FORMAT, &v) < 0 ||
	    sv_json_ll(cJSON_GetObjectItemCaseSensitive(root, "id"), 1, SV_JSON_INT_MAX, &id) < 0 ||
	    get_enum(root, "type", type_names, &v) < 0)
		goto fail;
	task->id = id;
	task->type = (task_type)v;
	for (size_t i = 0; i < sizeof(task_ints) / sizeof(task_ints[0]); i++)
		if (get_int(root, task_ints[i].name, task_ints[i].min, task_ints[i].max,
			    (int *)((char *)task + task_ints[i].offset)) < 0)
			goto fail;
	if (decode_validator(root, task) < 0 || decode_groups(root, task) < 0 || decode_tests(root, task) < 0)
		goto fail;
	cJSON_Delete(root);
	task_sort_tests(task);
	return 0;
fail:
	cJSON_Delete(root);
	task_data_free(task);
	return -1;
}

int task_parse_time_factors(const char *json, task_data *task)
{
	cJSON *root = cJSON_Parse(json);
	int rc = cJSON_IsObject(root) ? parse_factors(root, task) : -1;

	cJSON_Delete(root);
	return rc;
}

void task_data_free(task_data *task)
{
	test_cache_release(task->mappings);
	for (size_t i = 0; task->tests && i < task->test_count; i++)
		free(task->tests[i].name);
	for (size_t i = 0; task->groups && i < task->group_count; i++) {
		free(task->groups[i].name);
		free(task->groups[i].validator_flags);
	}
	free(task->tests);
	free(task->groups);
	free(task->validator_files);
	free(task->factor_language_ids);
	free(task->factors);
	free(task->validator_flags);
	free(task->validator_source);
	free(task->validator_file_name);
	memset(task, 0, sizeof(*task));
}

void task_checker_options(const task_data *task, checker_options *opts)
{
	checker_options_init(opts);
	opts->mode = task->validator == VALIDATOR_EXACT ? CHECKER_EXACT : CHECKER_DEFAULT;
	opts->case_sensitive = task->case_sensitive;
	opts->space_change_sensitive = task->space_change_sensitive;
	opts->has_abs_tolerance = task->has_abs_tol;
	opts->abs_tolerance = task->abs_tol;
	opts->has_rel_tolerance = task->has_rel_tol;
	opts->rel_tolerance = task->rel_tol;
}

static int by_order(const void *a, const void *b)
{
	const task_test *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void task_sort_tests(task_data *task)
{
	if (task->test_count > 1)
		qsort(task->tests, task->test_count, sizeof(task_test), by_order);
}

static double time_factor(const task_data *task, int language_id)
{
	for (size_t i = 0; i < task->factor_count; i++)
		if (task->factor_language_ids[i] == language_id)
			return task->factors[i];
	return 1.0;
}

static int scaled_ms(int ms, double factor)
{
	double v = ceil(ms * factor);

	return v > 86400000 ? 86400000 : v < 1 ? 1 : (int)v;
}

int task_cpu_limit_ms(const task_data *task, int language_id)
{
	return scaled_ms(task->time_limit_ms, time_factor(task, language_id));
}

int task_wall_limit_ms(const task_data *task, int language_id)
{
	return task->wall_limit_ms > 0 ? scaled_ms(task->wall_limit_ms, time_factor(task, language_id)) : 0;
}

/* The validator flags of a test's groups, outermost first (malloc'd; "" for none). A custom
 * validator gets the task's own first (validator.c adds them); the default validator's task
 * flags are the task's columns. */
char *task_group_flags(const task_data *task, const task_test *t)
{
	size_t len = 0, depth = 0;
	int chain[64];
	char *flags;

	for (int g = t->group; g >= 0 && (size_t)g < task->group_count && depth < 64; g = task->groups[g].parent) {
		chain[depth++] = g;
		len += strlen(task->groups[g].validator_flags ? task->groups[g].validator_flags : "") + 1;
	}
	flags = malloc(len + 1);
	if (!flags)
		return NULL;
	flags[0] = '\0';
	while (depth-- > 0) {
		const char *more = task->groups[chain[depth]].validator_flags;

		if (more && *more)
			snprintf(flags + strlen(flags), len + 1 - strlen(flags), "%s%s", *flags ? " " : "", more);
	}
	return flags;
}
