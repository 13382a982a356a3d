#include "sv_message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_contract.h"
#include "sv_parse.h"

char *sv_submission_msg_build(const sv_submission_msg *msg)
{
	cJSON *root = cJSON_CreateObject();
	char *code, *text = NULL;

	if (!root)
		return NULL;
	/* The code may hold NUL-free bytes only up to code_len; copy it so cJSON sees a C string. */
	code = malloc(msg->code_len + 1);
	if (!code)
		goto end;
	memcpy(code, msg->code, msg->code_len);
	code[msg->code_len] = '\0';

	sv_json_add_ll(root, "submission_id", msg->submission_id);
	sv_json_add_ll(root, "task_id", msg->task_id);
	sv_json_add_ll(root, "user_id", msg->user_id);
	if (msg->team_id > 0)
		sv_json_add_ll(root, "team_id", msg->team_id);
	else
		cJSON_AddNullToObject(root, "team_id");
	cJSON_AddStringToObject(root, "code", code);
	cJSON_AddNumberToObject(root, "language_id", msg->language_id);
	cJSON_AddStringToObject(root, "timestamp", msg->timestamp ? msg->timestamp : "");
	cJSON_AddNumberToObject(root, "attempt", msg->attempt);
	if (msg->task_revision > 0)
		cJSON_AddNumberToObject(root, "task_revision", msg->task_revision);
	cJSON_AddNumberToObject(root, "v", SV_MESSAGE_SCHEMA);
	text = cJSON_PrintUnformatted(root);
	free(code);
end:
	cJSON_Delete(root);
	return text;
}

static int get_id(const cJSON *root, const char *name, long long *out, int required, char *err, size_t errlen)
{
	return sv_msg_id(root, name, required, out, err, errlen);
}

static int parse(const cJSON *root, sv_submission_msg *msg, char *err, size_t errlen)
{
	const cJSON *item;
	long long number;
	int schema, rc;

	if (get_id(root, "submission_id", &msg->submission_id, 1, err, errlen) < 0) {
		msg->submission_id = 0;
		return SV_MSG_BAD;
	}
	if ((rc = sv_msg_schema(root, &schema, err, errlen)) != SV_MSG_OK)
		return rc;
	if (get_id(root, "task_id", &msg->task_id, 1, err, errlen) < 0) {
		msg->task_id = 0;
		return SV_MSG_BAD;
	}
	/* attempt is optional for messages from the original design, which had none: 1. */
	if (sv_msg_int(root, "attempt", 1, 1000, 0, 1, &number, err, errlen) < 0) {
		snprintf(err, errlen, "field \"attempt\" must be a positive integer");
		return SV_MSG_BAD;
	}
	msg->attempt = (int)number;
	if (get_id(root, "user_id", &msg->user_id, 1, err, errlen) < 0 ||
	    get_id(root, "team_id", &msg->team_id, 0, err, errlen) < 0 ||
	    get_id(root, "language_id", &number, 1, err, errlen) < 0)
		return SV_MSG_BAD;
	if (number > 100000) {
		snprintf(err, errlen, "field \"language_id\" is out of range");
		return SV_MSG_BAD;
	}
	msg->language_id = (int)number;

	item = cJSON_GetObjectItemCaseSensitive(root, "code");
	if (!cJSON_IsString(item)) {
		snprintf(err, errlen, item ? "field \"code\" must be a string" : "missing field \"code\"");
		return SV_MSG_BAD;
	}
	msg->code = item->valuestring;
	msg->code_len = strlen(item->valuestring);

	item = cJSON_GetObjectItemCaseSensitive(root, "timestamp");
	msg->timestamp = cJSON_IsString(item) ? item->valuestring : "";

	if (get_id(root, "task_revision", &number, 0, err, errlen) < 0 || number > 2147483647) {
		snprintf(err, errlen, "field \"task_revision\" must be a positive integer");
		return SV_MSG_BAD;
	}
	msg->task_revision = (int)number;
	return SV_MSG_OK;
}

int sv_submission_msg_parse(const char *json, size_t len, sv_submission_msg *msg, cJSON **tree, char *err,
			    size_t errlen)
{
	cJSON *root;
	int rc;

	memset(msg, 0, sizeof(*msg));
	*tree = NULL;
	root = cJSON_ParseWithLength(json, len);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(err, errlen, "message is not a JSON object");
		cJSON_Delete(root);
		return SV_MSG_BAD;
	}
	rc = parse(root, msg, err, errlen);
	if (rc != SV_MSG_OK) {
		sv_submission_msg known = {0};

		/* What could be read survives the tree, so the caller can still report a failed result. */
		known.submission_id = msg->submission_id;
		known.task_id = msg->task_id;
		known.attempt = msg->attempt > 0 ? msg->attempt : 1;
		cJSON_Delete(root);
		*msg = known;
		return rc;
	}
	*tree = root;
	return SV_MSG_OK;
}
