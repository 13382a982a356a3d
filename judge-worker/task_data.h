#ifndef TASK_DATA_H
#define TASK_DATA_H

#include <stddef.h>

#include "checker.h"

/* What judging a submission needs of its task (DESIGN.md §7): type, limits, validator, groups and
 * the tests in order. The metadata (everything but the test files' bytes and the validator's
 * source) comes from PostgreSQL and is cached in Redis as the JSON text of task_data_encode,
 * signed (sv_cache_mac.h), under a key that holds the task's revision (bumped by the schema's
 * triggers whenever the task, a group or a test changes), so a cached copy is never served for
 * changed tests. The test files' bytes are never in Redis nor in
 * Kafka: task_store fetches them by SHA-256 from the blobs table into the worker's local file cache
 * (test_cache.h) and maps them read-only into input/expected. */

typedef enum {
	TASK_TYPE_SCORING = 0, /* points from groups (a task without groups: the weighted share of tests) */
	TASK_TYPE_PASS_FAIL,   /* the first test that is not AC decides; score 100 or 0 */
} task_type;

typedef enum {
	VALIDATOR_DEFAULT = 0, /* the Kattis default validator with the task's flags */
	VALIDATOR_EXACT,       /* byte-for-byte */
	VALIDATOR_CUSTOM,      /* a program of the task, run in the sandbox (validator.h) */
	VALIDATOR_INTERACTIVE, /* a program of the task joined to the submission by pipes */
} validator_kind;

typedef enum {
	GROUP_SUM = 0,
	GROUP_AVG,
	GROUP_MIN,
	GROUP_MAX,
	GROUP_ALL_OR_NOTHING,
} group_aggregation;

typedef struct {
	long long id;
	char *name;   /* "secret/group1" */
	int parent;   /* index into task_data.groups, -1 for the task's root */
	int position; /* order among its siblings (then name) */
	group_aggregation aggregation;
	int has_points; /* points set: the group's score is scaled to points */
	double points;
	int break_on_reject;   /* on_reject 'break': stop judging the group at its first failure */
	char *validator_flags; /* extra validator argv words for its tests ("" for none) */
} task_group;

typedef struct {
	char name[128]; /* file name inside the validator's directory ("validate.h") */
	char sha256[65];
	const char *data; /* mapped bytes, data_len long (task_store loads them) */
	size_t data_len;
} task_file;

typedef struct {
	long long id;
	int order;
	double weight; /* score when accepted */
	int is_sample;
	int group;  /* index into task_data.groups, -1: the task's root */
	char *name; /* "secret/group1/03-big" ("" when the test has no name) */
	char input_sha256[65];
	char answer_sha256[65];
	/* Filled by task_store from the local cache: read-only mappings (never NUL-terminated; size 0
	 * maps nothing and points at ""), and the cached files' paths for validators. Both belong to
	 * task->mappings (task_data_free releases them); NULL and 0 in a decoded cache entry. */
	const char *input;
	size_t input_len;
	const char *expected;
	size_t expected_len;
	char *input_path;
	char *answer_path;
} task_test;

typedef struct {
	long long id;
	int revision;
	task_type type;
	int judge_all;     /* pass-fail: judge every test even after a failure */
	int time_limit_ms; /* CPU */
	int memory_limit_kb;
	int wall_limit_ms;           /* 0: the judge's default (2 x CPU + 1 s) */
	int output_limit_kb;         /* 0: the judge's default */
	int compile_time_limit_ms;   /* 0: default */
	int compile_memory_limit_kb; /* 0: default */
	/* language_time_factors: CPU and wall limits of language_ids[i] are multiplied by factors[i]. */
	int *factor_language_ids;
	double *factors;
	size_t factor_count;
	/* validator */
	validator_kind validator;
	int case_sensitive;
	int space_change_sensitive;
	int has_abs_tol;
	double abs_tol;
	int has_rel_tol;
	double rel_tol;
	char *validator_flags;     /* custom/interactive: extra argv words ("" for none) */
	int validator_language_id; /* custom/interactive */
	char *validator_source;    /* custom/interactive: the main source file (NUL-terminated) */
	size_t validator_source_len;
	char *validator_file_name;  /* its name in the package ("validator.cpp"), NULL: the language's default */
	task_file *validator_files; /* extra files (headers) written next to the source */
	size_t validator_file_count;
	task_group *groups;
	size_t group_count;
	task_test *tests;
	size_t test_count;
	/* private to task_store: the mappings to unmap */
	void *mappings;
} task_data;

/* Format version of the cached text; part of the key, so a worker with another format never reads
 * it. 3: stored signed (sv_cache_mac.h), without the validator's source. */
#define TASK_CACHE_FORMAT 3

/* "solveit:task:v3:<id>:r<revision>". Returns the length, or -1 when buf is too small. */
int task_cache_key(long long task_id, int revision, char *buf, size_t buflen);

/* The JSON text of a task's metadata (no test bytes, no validator source: nothing secret; malloc'd,
 * *len set), NULL when out of memory. */
char *task_data_encode(const task_data *task, size_t *len);

/* Parses task_data_encode's text into *task (free with task_data_free); the test bytes and the
 * validator's source are not loaded. Returns 0, or -1 when the text is not a task of this format (a cache entry from
 * elsewhere: the caller loads from the database instead). */
int task_data_decode(const char *text, size_t len, task_data *task);

void task_data_free(task_data *task);

/* Checks the limits, weights, points and tolerances against the schema's CHECK constraints, for a
 * task read from PostgreSQL and one decoded from Redis alike. 0, or -1 with err naming the value. */
int task_check_bounds(const task_data *task, char *err, size_t errlen);

/* The schema's names ("pass-fail", "custom", "all-or-nothing") as the enums; -1 for another name. */
int task_type_parse(const char *name);
int task_validator_parse(const char *name);
int task_aggregation_parse(const char *name);

/* Sets the task's time factors from the language_time_factors column ({"62": 2.0}). 0, or -1 when
 * the text is not such an object (ids 1.., factors 0.001..1000). */
int task_parse_time_factors(const char *json, task_data *task);

/* The default validator's settings of the task (exact for VALIDATOR_EXACT). */
void task_checker_options(const task_data *task, checker_options *opts);

/* Sorts tests by order (the database returns them sorted; decoded caches are sorted again). */
void task_sort_tests(task_data *task);

/* The CPU limit in ms for a language, with its time factor applied; and the wall limit (0: default). */
/* The validator flags of a test's groups, outermost first, space-separated (malloc'd; "" for
 * none; NULL when out of memory). A custom or interactive validator gets the task's own flags
 * before them (validator.c adds those); the default validator's task flags are the task's columns. */
char *task_group_flags(const task_data *task, const task_test *test);

int task_cpu_limit_ms(const task_data *task, int language_id);
int task_wall_limit_ms(const task_data *task, int language_id);

#endif
