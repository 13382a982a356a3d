#ifndef TASK_DATA_H
#define TASK_DATA_H

#include <stddef.h>

#include "checker.h"

/* What judging a submission needs of its task: limits, checker settings and the tests in order.
 * Loaded from PostgreSQL, cached in Redis as the JSON text of task_data_encode under a key that
 * holds the task's revision (bumped by the schema's triggers whenever the task or a test changes),
 * so a cached copy is never served for changed tests. */

typedef struct {
	long long id;
	int order;
	int weight;
	int is_sample;
	char *input;
	size_t input_len;
	char *expected;
	size_t expected_len;
} task_test;

typedef struct {
	long long id;
	int revision;
	int time_limit_ms;
	int memory_limit_kb;
	int exact; /* checker 'exact' */
	int case_sensitive;
	int has_abs_tol;
	double abs_tol;
	int has_rel_tol;
	double rel_tol;
	task_test *tests;
	size_t test_count;
} task_data;

/* Format version of the cached text; part of the key, so a worker with another format never reads it. */
#define TASK_CACHE_FORMAT 1

/* "solveit:task:v1:<id>:r<revision>". Returns the length, or -1 when buf is too small. */
int task_cache_key(long long task_id, int revision, char *buf, size_t buflen);

/* The JSON text of a task (malloc'd, *len set), NULL when out of memory. */
char *task_data_encode(const task_data *task, size_t *len);

/* Parses task_data_encode's text into *task (free with task_data_free). Returns 0, or -1 when the
 * text is not a task of this format (a cache entry from elsewhere: the caller loads from the
 * database instead). */
int task_data_decode(const char *text, size_t len, task_data *task);

void task_data_free(task_data *task);

/* The checker settings of the task. */
void task_checker_options(const task_data *task, checker_options *opts);

/* Sorts tests by order (the database returns them sorted; decoded caches are sorted again). */
void task_sort_tests(task_data *task);

#endif
