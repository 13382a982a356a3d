/* The code-submissions message parser (sv_submission_msg_parse, common/sv_message.c): what the
 * judge-worker reads from Kafka. A message it accepts must survive a rebuild: built again from
 * what was parsed, it parses to the same submission. */

#include "fuzz_common.h"

#include "sv_message.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *json = fuzz_copy(data, size);
	char err[256];
	sv_submission_msg msg, again;
	cJSON *tree = NULL, *tree2 = NULL;
	int rc;

	err[0] = '\0';
	rc = sv_submission_msg_parse(json, size, &msg, &tree, err, sizeof(err));
	if (rc != SV_MSG_OK) {
		FUZZ_ASSERT(tree == NULL);
		FUZZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
	} else {
		char *built;

		fuzz_touch(msg.code, msg.code_len);
		fuzz_touch_str(msg.timestamp);
		built = sv_submission_msg_build(&msg);
		FUZZ_ASSERT(built != NULL);
		rc = sv_submission_msg_parse(built, strlen(built), &again, &tree2, err, sizeof(err));
		if (rc != SV_MSG_OK)
			fprintf(stderr, "rebuilt message refused (%s): %s\n", err, built);
		FUZZ_ASSERT(rc == SV_MSG_OK);
		FUZZ_ASSERT(again.submission_id == msg.submission_id && again.task_id == msg.task_id);
		FUZZ_ASSERT(again.attempt == msg.attempt && again.language_id == msg.language_id);
		FUZZ_ASSERT(again.code_len == msg.code_len && !memcmp(again.code, msg.code, msg.code_len));
		cJSON_Delete(tree2);
		free(built);
		cJSON_Delete(tree);
	}
	free(json);
	return 0;
}
