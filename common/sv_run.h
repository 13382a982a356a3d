#ifndef SV_RUN_H
#define SV_RUN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sv_contract.h"
#include "sv_verdict.h"

/* "Run on the samples" (doc/courses-and-contests.md): the run message (mod_solveit to the
 * judge-worker, on the runs topic) and its result (the judge-worker to the result-sink, on the
 * results topic beside the submissions' results). Both carry "kind":"sample_run" and a "run_id",
 * never a "submission_id": a submission parser refuses them, and the run parsers refuse anything
 * without that kind, so a run and a submission can never be taken for each other.
 *
 * Run:    {"kind":"sample_run","run_id","task_id","user_id","token","code","language_id",
 *          "task_revision","v":1}
 * Result: {"kind":"sample_run","run_id","task_id","user_id","token","status":"completed"|"failed",
 *          "verdict" (null when failed),"compiler_output","error_message","processed_at",
 *          "tests":[{"order","name","verdict","time","memory","exit_code","input","expected",
 *                    "output","stderr"[,"<text>_truncated":true]}],"v":1}
 * token is sample_runs.token: the result-sink applies a result only to the stored run with the
 * same id, token, user and task that still waits for one. */

#define SV_RUN_KIND "sample_run"

/* Bytes kept of each of a test's texts (input, expected, output, stderr), and of all of them
 * together: a result stays far below Kafka's 1 MB default. */
#define SV_RUN_TEXT_MAX  65536
#define SV_RUN_TEXTS_MAX (640 * 1024)

typedef struct {
	long long run_id;
	long long task_id;
	long long user_id;
	const char *token;
	const char *code;
	size_t code_len;
	int language_id;
	int task_revision; /* 0: not known */
} sv_run_msg;

typedef struct {
	int order;
	const char *name;
	sv_verdict verdict;
	double time;      /* seconds */
	long long memory; /* KB */
	int exit_code;    /* -1: killed */
	/* Byte buffers (NULL: none). */
	const char *input;
	size_t input_len;
	const char *expected;
	size_t expected_len;
	const char *output;
	size_t output_len;
	const char *stderr_text;
	size_t stderr_len;
} sv_run_test;

typedef struct {
	long long run_id;
	long long task_id;
	long long user_id;
	const char *token;
	sv_status status;   /* SV_STATUS_COMPLETED or SV_STATUS_FAILED */
	sv_verdict verdict; /* completed: the run's verdict */
	const char *compiler_output;
	const char *error_message;
	const sv_run_test *tests;
	size_t test_count;
} sv_run_report;

/* A malloc'd JSON text (free()), or NULL when out of memory. */
char *sv_run_msg_build(const sv_run_msg *msg);

/* Parses a run message: SV_MSG_OK with *msg pointing into *tree (cJSON_Delete it), or SV_MSG_BAD /
 * SV_MSG_NEWER with err set and *tree NULL. */
int sv_run_msg_parse(const char *json, size_t len, sv_run_msg *msg, cJSON **tree, char *err, size_t errlen);

/* The result's text with every text made valid UTF-8 and cut to the limits above; NULL when out
 * of memory or the status is not a final one. */
char *sv_run_report_build(const sv_run_report *res);

/* Whether a JSON object (already parsed) says it is about a run. */
int sv_run_is(const cJSON *root);

/* Parses a result: SV_MSG_OK with the head fields in *res (tests left empty: *tests_json is the
 * "tests" array as a malloc'd JSON text), or SV_MSG_BAD / SV_MSG_NEWER with err set. Pointers point
 * into *tree (cJSON_Delete it). */
int sv_run_report_parse(const char *json, size_t len, sv_run_report *res, char **tests_json, cJSON **tree, char *err,
			size_t errlen);

#endif
