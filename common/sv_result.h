#ifndef SV_RESULT_H
#define SV_RESULT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sv_contract.h"
#include "sv_verdict.h"

/* The code-results messages of DESIGN.md §3: built by the judge-worker, parsed by the result-sink.
 *
 * Final (status "completed" or "failed"):
 *   {"submission_id","task_id","status","score"[,"points","max_points"],"passed_tests","total_tests",
 *    "execution_time","memory_used"[,"groups":[...]],"test_results":[...],"compiler_output",
 *    "error_message","processed_at","attempt","verdict","v":1} (+ "test_results_omitted" /
 *   "groups_omitted" when results were left out)
 *   verdict is null for "failed"; points and max_points are the exact figures behind score (issue 11;
 *   absent from older workers). Each group result is {"name","points","max_points","verdict"}
 *   (verdict null: none of its tests ran). Each test result is
 *   {"test_id","order","verdict","time","memory","is_sample"[,"group"][,"score"][,"message"]
 *    [,"judge_message"][,"team_message"][,"stderr"][,"exit_code"][,"input","expected","actual"]
 *    [,"input_truncated":true,...][,"limit":"cpu"|"wall" (TLE: which limit ran out)]}
 *   Tests that were not run (skipped after a failure) have no entry. judge_message (the validator's
 *   judgemessage.txt, or the checker's reason, which may quote hidden data) and stderr are for
 *   staff; team_message may be shown to the student.
 * Progress (status "processing"; tests_done 0 when judging starts):
 *   {"submission_id","task_id","status":"processing","tests_done","total_tests","attempt",
 *    "processed_at","v":1}
 *
 * Text fields become valid UTF-8 without NUL (PostgreSQL jsonb refuses \u0000): a NUL byte or an
 * invalid sequence turns into U+FFFD. Long texts are cut at the limits below so that one message
 * stays far below Kafka's 1 MB default; a cut sample field is marked "<field>_truncated":true, a cut
 * compiler output or error message ends in a "[... truncated]" line. */

#define SV_RESULT_SAMPLE_MAX     4096  /* bytes kept of a sample test's input, expected, actual */
#define SV_RESULT_MESSAGE_MAX    512   /* bytes kept of a test's message */
#define SV_RESULT_COMPILER_MAX   65536 /* bytes kept of the compiler output */
#define SV_RESULT_ERROR_MAX      4096  /* bytes kept of the error message */
#define SV_RESULT_FEEDBACK_MAX   1024  /* bytes kept of a judge or team message and of stderr */
#define SV_RESULT_GROUPS_MAX     256   /* group results written, the rest counted in groups_omitted */
#define SV_RESULT_GROUP_NAME_MAX 200   /* bytes kept of a group's name */
/* At most this many test results, taking at most this many bytes of JSON, are written; the rest
 * are left out, in order, and "test_results_omitted":<count> says how many (absent: none). */
#define SV_RESULT_TESTS_MAX   1000
#define SV_RESULT_TESTS_BYTES (512 * 1024)

typedef struct {
	long long test_id;
	int order;
	sv_verdict verdict;
	double time;      /* seconds */
	long long memory; /* KB */
	int is_sample;
	const char *limit; /* TLE: "cpu" or "wall", the limit that ran out; NULL: not said */
	/* Why the test failed ("line 3: expected \"7\", got \"8\"", "killed by signal 11 (SIGSEGV)").
	 * Written for sample tests; for hidden tests only when the verdict is not WA, because a
	 * wrong-answer reason quotes the hidden expected output. NULL: none. */
	const char *message;
	/* Sample tests only (ignored for hidden ones): the data shown to the student. Byte buffers,
	 * NULL for none. After parsing they are C strings with their length. */
	const char *input;
	size_t input_len;
	const char *expected;
	size_t expected_len;
	const char *actual;
	size_t actual_len;
	int input_truncated, expected_truncated, actual_truncated; /* set by the parser */
	const char *group; /* the test's group ("secret/group1"); NULL: the task's root */
	int has_score;     /* the custom validator's score.txt: the test's points */
	double score;
	/* For staff: the validator's judgemessage.txt or the checker's reason; NULL: none. */
	const char *judge_message;
	const char *team_message; /* the validator's teammessage.txt; NULL: none */
	/* For staff: the head of the program's stderr (NULL: none) and its exit code (-1: killed). */
	const char *stderr_head;
	size_t stderr_len;
	int has_exit_code;
	int exit_code;
	int stderr_truncated; /* set by the parser */
} sv_test_result;

typedef struct {
	const char *name;
	double points;
	double max_points;
	sv_verdict verdict; /* SV_VERDICT_NONE: none of its tests ran */
} sv_group_result;

typedef struct {
	long long submission_id;
	long long task_id;
	sv_status status; /* SV_STATUS_PROCESSING, SV_STATUS_COMPLETED or SV_STATUS_FAILED */
	int attempt;
	const char *processed_at; /* ISO 8601 UTC; NULL: now */
	/* processing */
	int tests_done;
	int total_tests;
	/* final */
	int score;
	int has_points; /* points and max_points are set (absent from older workers' messages) */
	double points;
	double max_points;
	const sv_group_result *groups;
	size_t group_count;
	size_t groups_omitted; /* after parsing: group results the builder left out */
	int passed_tests;
	double execution_time; /* seconds */
	long long memory_used; /* KB */
	sv_verdict verdict;    /* completed: the overall verdict; failed: SV_VERDICT_NONE */
	const sv_test_result *tests;
	size_t test_count;
	const char *compiler_output; /* NULL: "" */
	const char *error_message;   /* NULL: "" */
	int schema;                  /* "v" after parsing; 0 when absent (the original design's messages) */
	size_t tests_omitted;        /* after parsing: results the builder left out (SV_RESULT_TESTS_MAX) */
} sv_result_msg;

/* Builds the JSON text of a final result (status completed or failed) or of a processing event,
 * by msg->status. Returns a malloc'd string (free with free()) or NULL when out of memory or
 * msg->status is not one of the three. */
char *sv_result_msg_build(const sv_result_msg *msg);

/* Parses a code-results message. On success returns SV_MSG_OK and fills *msg with pointers into
 * *tree (cJSON_Delete it when done) and malloc'd test and group arrays (sv_result_msg_clear frees
 * them). On
 * failure returns SV_MSG_BAD or SV_MSG_NEWER (sv_contract.h) with a readable reason in err;
 * msg->submission_id is left set if it could be read (else 0), *tree is NULL and nothing needs
 * freeing. */
int sv_result_msg_parse(const char *json, size_t len, sv_result_msg *msg, cJSON **tree, char *err, size_t errlen);

/* Frees what sv_result_msg_parse allocated in msg (not the tree). */
void sv_result_msg_clear(sv_result_msg *msg);

/* Copies at most max bytes of a byte buffer into a new valid UTF-8 C string (NUL and invalid
 * sequences become U+FFFD; a sequence cut by max is dropped). *truncated (may be NULL) says
 * whether bytes were left out. Returns NULL when out of memory. */
char *sv_utf8_sanitize(const char *bytes, size_t len, size_t max, int *truncated);

#endif
