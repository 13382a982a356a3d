#ifndef JUDGE0_CODEC_H
#define JUDGE0_CODEC_H

#include <stddef.h>

#include "verdict_map.h"

/* The Judge0 CE 1.13 wire format (reference/judge0-api.md §1), with no I/O: what the judge0
 * executor sends and how it reads the answers. Always base64 (§1.8). */

#define JUDGE0_BATCH_MAX 20 /* MAX_SUBMISSION_BATCH_SIZE */

/* Standard base64 without line breaks. Returns a malloc'd C string. */
char *judge0_b64_encode(const void *data, size_t len);

/* Lenient decoder like Ruby's Base64.decode64: whitespace and any non-alphabet byte are skipped,
 * decoding stops at '='. Returns a malloc'd buffer (NUL-terminated, length in *len). */
char *judge0_b64_decode(const char *text, size_t text_len, size_t *len);

/* Limits sent with every test, clamped to what a stock server accepts (§1.4). */
typedef struct {
	double cpu_time_limit;  /* seconds, 0..15 */
	double wall_time_limit; /* seconds, 1..20 */
	long memory_limit;      /* KB, 2048..512000 */
	long max_file_size;     /* KB, 1..4096 (the output limit); 0: not sent, Judge0's default */
} judge0_limits;

/* cpu_ms: the CPU limit (the language's time factor applied); wall_ms: 0 for the judge's default
 * (the CPU limit plus a margin, sv_sandbox_wall_default; Judge0 takes no less than 1 s); output_kb: 0 for Judge0's
 * default. */
void judge0_limits_from_task(int cpu_ms, int wall_ms, int memory_limit_kb, int output_kb, judge0_limits *out);

/* Judge0 CE 1.13 active language ids: 43..89. */
int judge0_language_known(int language_id);

/* {"submissions":[{language_id, source_code, stdin, limits...}, ...]} for count tests. No
 * expected_output: our checker decides. Returns a malloc'd string. */
char *judge0_batch_body(int language_id, const char *code, size_t code_len, const char *const *inputs,
			const size_t *input_lens, size_t count, const judge0_limits *limits);

/* Parses the batch create answer (an array, positionally aligned). tokens[i] gets a malloc'd token.
 * Returns 0; -1 for validation errors (Judge0's words in err: "language_id: can't be blank"); -2 for
 * an answer that is not what Judge0 sends (err says what). */
int judge0_parse_tokens(const char *body, size_t len, size_t expected, char **tokens, char *err, size_t errlen);

/* One decoded result of GET /submissions/batch. */
typedef struct {
	int present; /* the token was known (null elements are not) */
	int unknown; /* the element was null: Judge0 does not know the token (it lost its database) */
	char *token;
	judge0_run run; /* message and stderr_text point into the fields below */
	char *stdout_buf;
	size_t stdout_len;
	char *stderr_buf;
	size_t stderr_len;
	char *compile_output;
	char *message;
	double time;
} judge0_result;

/* Parses {"submissions":[...]} into results[0..count) (judge0_result_free each). Returns 0 or -1
 * with err. memory_limit is copied into every run for the MLE decision. */
int judge0_parse_results(const char *body, size_t len, size_t count, long memory_limit, judge0_result *results,
			 char *err, size_t errlen);

void judge0_result_free(judge0_result *result);

/* GET /about's {"version":"1.13.1",...}: 0 with the version copied, -1 for any other answer. */
int judge0_parse_about(const char *body, size_t len, char *version, size_t versionlen);

/* GET /workers' [{"queue":"1.13.1","size":N,...},...]: 0 with the submissions waiting in every queue
 * summed in *queued, -1 for any other answer. */
int judge0_parse_workers(const char *body, size_t len, long *queued);

#endif
