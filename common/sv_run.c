#include "sv_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv_parse.h"
#include "sv_result.h"
#include "sv_time.h"

/* The fields both messages share. Returns 0 or -1 when out of memory. */
static int add_head(cJSON *root, long long run_id, long long task_id, long long user_id, const char *token)
{
	if (!cJSON_AddStringToObject(root, "kind", SV_RUN_KIND) || !sv_json_add_ll(root, "run_id", run_id) ||
	    !sv_json_add_ll(root, "task_id", task_id) || !sv_json_add_ll(root, "user_id", user_id) ||
	    !cJSON_AddStringToObject(root, "token", token ? token : ""))
		return -1;
	return 0;
}

/* Adds a sanitized text cut to max bytes, and "<name>_truncated":true when cut. 0 or -1. */
static int add_text(cJSON *obj, const char *name, const char *bytes, size_t len, size_t max)
{
	int cut = 0;
	char *text = sv_utf8_sanitize(bytes ? bytes : "", bytes ? len : 0, max, &cut);
	char flag[64];
	cJSON *item;

	if (!text)
		return -1;
	item = cJSON_AddStringToObject(obj, name, text);
	free(text);
	if (!item)
		return -1;
	snprintf(flag, sizeof(flag), "%s_truncated", name);
	if (cut && !cJSON_AddTrueToObject(obj, flag))
		return -1;
	return 0;
}

char *sv_run_msg_build(const sv_run_msg *msg)
{
	cJSON *root = cJSON_CreateObject();
	char *code = NULL, *text = NULL;

	if (!root || add_head(root, msg->run_id, msg->task_id, msg->user_id, msg->token) < 0)
		goto end;
	code = malloc(msg->code_len + 1);
	if (!code)
		goto end;
	memcpy(code, msg->code, msg->code_len);
	code[msg->code_len] = '\0';
	if (!cJSON_AddStringToObject(root, "code", code) ||
	    !cJSON_AddNumberToObject(root, "language_id", msg->language_id) ||
	    !cJSON_AddNumberToObject(root, "task_revision", msg->task_revision) ||
	    !cJSON_AddNumberToObject(root, "v", SV_MESSAGE_SCHEMA))
		goto end;
	text = cJSON_PrintUnformatted(root);
end:
	free(code);
	cJSON_Delete(root);
	return text;
}

int sv_run_is(const cJSON *root)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");

	return cJSON_IsString(kind) && !strcmp(kind->valuestring, SV_RUN_KIND);
}

static const char *get_string(const cJSON *root, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* The head of either message: kind, schema, ids, token. */
static int parse_head(const cJSON *root, long long *run_id, long long *task_id, long long *user_id, const char **token,
		      char *err, size_t errlen)
{
	int schema, rc;

	if (!sv_run_is(root)) {
		snprintf(err, errlen, "not a sample run message (no \"kind\":\"%s\")", SV_RUN_KIND);
		return SV_MSG_BAD;
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "submission_id")) {
		snprintf(err, errlen, "a sample run message must not carry a submission_id");
		return SV_MSG_BAD;
	}
	if ((rc = sv_msg_schema(root, &schema, err, errlen)) != SV_MSG_OK)
		return rc;
	if (sv_msg_id(root, "run_id", 1, run_id, err, errlen) < 0 ||
	    sv_msg_id(root, "task_id", 1, task_id, err, errlen) < 0 ||
	    sv_msg_id(root, "user_id", 1, user_id, err, errlen) < 0)
		return SV_MSG_BAD;
	*token = get_string(root, "token");
	if (!*token || !**token) {
		snprintf(err, errlen, "missing field \"token\"");
		return SV_MSG_BAD;
	}
	return SV_MSG_OK;
}

static cJSON *parse_object(const char *json, size_t len, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(json, len);

	if (!root || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "message is not a JSON object");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int sv_run_msg_parse(const char *json, size_t len, sv_run_msg *msg, cJSON **tree, char *err, size_t errlen)
{
	cJSON *root;
	long long number;
	int rc;

	memset(msg, 0, sizeof(*msg));
	*tree = NULL;
	if (!(root = parse_object(json, len, err, errlen)))
		return SV_MSG_BAD;
	rc = parse_head(root, &msg->run_id, &msg->task_id, &msg->user_id, &msg->token, err, errlen);
	if (rc == SV_MSG_OK && (sv_msg_id(root, "language_id", 1, &number, err, errlen) < 0 || number > 100000)) {
		snprintf(err, errlen, "field \"language_id\" must be a positive integer up to 100000");
		rc = SV_MSG_BAD;
	}
	msg->language_id = (int)number;
	if (rc == SV_MSG_OK && (msg->code = get_string(root, "code")) == NULL) {
		snprintf(err, errlen, "missing field \"code\"");
		rc = SV_MSG_BAD;
	}
	if (rc == SV_MSG_OK && sv_msg_int(root, "task_revision", 0, 2147483647, 0, 0, &number, err, errlen) < 0)
		rc = SV_MSG_BAD;
	if (rc != SV_MSG_OK) {
		cJSON_Delete(root);
		memset(msg, 0, sizeof(*msg));
		return rc;
	}
	msg->code_len = strlen(msg->code);
	msg->task_revision = (int)number;
	*tree = root;
	return SV_MSG_OK;
}

static int add_test(cJSON *array, const sv_run_test *t, size_t max)
{
	cJSON *obj = cJSON_CreateObject();
	double time = isfinite(t->time) && t->time > 0 ? round(t->time * 1000.0) / 1000.0 : 0;

	if (!obj || !cJSON_AddItemToArray(array, obj))
		return -1;
	if (!cJSON_AddNumberToObject(obj, "order", t->order) ||
	    add_text(obj, "name", t->name, t->name ? strlen(t->name) : 0, 255) < 0 ||
	    !cJSON_AddStringToObject(obj, "verdict", sv_verdict_name(t->verdict)) ||
	    !cJSON_AddNumberToObject(obj, "time", time) ||
	    !cJSON_AddNumberToObject(obj, "memory", (double)(t->memory > 0 ? t->memory : 0)) ||
	    !cJSON_AddNumberToObject(obj, "exit_code", t->exit_code))
		return -1;
	if (add_text(obj, "input", t->input, t->input_len, max) < 0 ||
	    add_text(obj, "expected", t->expected, t->expected_len, max) < 0 ||
	    add_text(obj, "output", t->output, t->output_len, max) < 0 ||
	    add_text(obj, "stderr", t->stderr_text, t->stderr_len, max) < 0)
		return -1;
	return 0;
}

char *sv_run_report_build(const sv_run_report *res)
{
	cJSON *root, *tests;
	char *text = NULL, when[SV_ISO8601_LEN];
	/* Each text gets its share of the whole, at most SV_RUN_TEXT_MAX. */
	size_t max = res->test_count ? SV_RUN_TEXTS_MAX / (4 * res->test_count) : SV_RUN_TEXT_MAX;

	if (res->status != SV_STATUS_COMPLETED && res->status != SV_STATUS_FAILED)
		return NULL;
	if (max > SV_RUN_TEXT_MAX)
		max = SV_RUN_TEXT_MAX;
	root = cJSON_CreateObject();
	if (!root || add_head(root, res->run_id, res->task_id, res->user_id, res->token) < 0)
		goto end;
	sv_time_iso8601(time(NULL), when);
	if (!cJSON_AddStringToObject(root, "status", sv_status_name(res->status)) ||
	    !(res->status == SV_STATUS_COMPLETED && res->verdict != SV_VERDICT_NONE
		  ? cJSON_AddStringToObject(root, "verdict", sv_verdict_name(res->verdict))
		  : cJSON_AddNullToObject(root, "verdict")) ||
	    !cJSON_AddStringToObject(root, "processed_at", when))
		goto end;
	if (add_text(root, "compiler_output", res->compiler_output,
		     res->compiler_output ? strlen(res->compiler_output) : 0, SV_RUN_TEXT_MAX) < 0 ||
	    add_text(root, "error_message", res->error_message, res->error_message ? strlen(res->error_message) : 0,
		     4096) < 0)
		goto end;
	if (!(tests = cJSON_AddArrayToObject(root, "tests")))
		goto end;
	for (size_t i = 0; i < res->test_count; i++)
		if (add_test(tests, &res->tests[i], max) < 0)
			goto end;
	if (!cJSON_AddNumberToObject(root, "v", SV_MESSAGE_SCHEMA))
		goto end;
	text = cJSON_PrintUnformatted(root);
end:
	cJSON_Delete(root);
	return text;
}

int sv_run_report_parse(const char *json, size_t len, sv_run_report *res, char **tests_json, cJSON **tree, char *err,
			size_t errlen)
{
	cJSON *root;
	const cJSON *tests;
	const char *status, *verdict;
	int rc;

	memset(res, 0, sizeof(*res));
	*tree = NULL;
	*tests_json = NULL;
	if (!(root = parse_object(json, len, err, errlen)))
		return SV_MSG_BAD;
	rc = parse_head(root, &res->run_id, &res->task_id, &res->user_id, &res->token, err, errlen);
	status = get_string(root, "status");
	verdict = get_string(root, "verdict");
	tests = cJSON_GetObjectItemCaseSensitive(root, "tests");
	if (rc == SV_MSG_OK && (sv_status_parse(status, &res->status) < 0 || !sv_status_is_final(res->status))) {
		snprintf(err, errlen, "field \"status\" must be \"completed\" or \"failed\"");
		rc = SV_MSG_BAD;
	}
	if (rc == SV_MSG_OK && res->status == SV_STATUS_COMPLETED && sv_verdict_parse(verdict, &res->verdict) < 0) {
		snprintf(err, errlen, "field \"verdict\" must be a verdict");
		rc = SV_MSG_BAD;
	}
	if (rc == SV_MSG_OK && tests && !cJSON_IsArray(tests)) {
		snprintf(err, errlen, "field \"tests\" must be an array");
		rc = SV_MSG_BAD;
	}
	if (rc == SV_MSG_OK && !(*tests_json = tests ? cJSON_PrintUnformatted(tests) : strdup("[]"))) {
		snprintf(err, errlen, "out of memory");
		rc = SV_MSG_BAD;
	}
	if (rc != SV_MSG_OK) {
		long long run_id = res->run_id;

		cJSON_Delete(root);
		memset(res, 0, sizeof(*res));
		res->run_id = run_id;
		return rc;
	}
	res->compiler_output = get_string(root, "compiler_output");
	res->error_message = get_string(root, "error_message");
	*tree = root;
	return SV_MSG_OK;
}
