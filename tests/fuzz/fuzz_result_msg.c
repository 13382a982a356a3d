/* The code-results message parser (sv_result_msg_parse, common/sv_result.c): what the
 * result-sink reads from Kafka. A result it accepts must survive a rebuild with the same head
 * fields. */

#include "fuzz_common.h"

#include "sv_result.h"

static void touch_result(const sv_result_msg *m)
{
	fuzz_touch_str(m->processed_at);
	fuzz_touch_str(m->compiler_output);
	fuzz_touch_str(m->error_message);
	for (size_t i = 0; i < m->test_count; i++) {
		const sv_test_result *t = &m->tests[i];

		fuzz_touch_str(t->message);
		fuzz_touch(t->input, t->input_len);
		fuzz_touch(t->expected, t->expected_len);
		fuzz_touch(t->actual, t->actual_len);
		fuzz_touch(t->stderr_head, t->stderr_len);
		fuzz_touch_str(t->group);
		fuzz_touch_str(t->judge_message);
		fuzz_touch_str(t->team_message);
	}
	for (size_t i = 0; i < m->group_count; i++)
		fuzz_touch_str(m->groups[i].name);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *json = fuzz_copy(data, size);
	char err[256];
	sv_result_msg msg, again;
	cJSON *tree = NULL, *tree2 = NULL;
	char *built;
	int rc;

	err[0] = '\0';
	rc = sv_result_msg_parse(json, size, &msg, &tree, err, sizeof(err));
	if (rc != SV_MSG_OK) {
		FUZZ_ASSERT(tree == NULL && msg.tests == NULL && msg.groups == NULL);
		FUZZ_ASSERT(err[0] != '\0' && memchr(err, '\0', sizeof(err)));
		free(json);
		return 0;
	}
	touch_result(&msg);
	built = sv_result_msg_build(&msg);
	FUZZ_ASSERT(built != NULL);
	rc = sv_result_msg_parse(built, strlen(built), &again, &tree2, err, sizeof(err));
	if (rc != SV_MSG_OK)
		fprintf(stderr, "rebuilt result refused (%s): %s\n", err, built);
	FUZZ_ASSERT(rc == SV_MSG_OK);
	FUZZ_ASSERT(again.submission_id == msg.submission_id && again.task_id == msg.task_id);
	FUZZ_ASSERT(again.status == msg.status && again.attempt == msg.attempt);
	if (msg.status != SV_STATUS_PROCESSING) {
		FUZZ_ASSERT(again.verdict == msg.verdict && again.score == msg.score);
		FUZZ_ASSERT(again.passed_tests == msg.passed_tests && again.total_tests == msg.total_tests);
	}
	sv_result_msg_clear(&again);
	cJSON_Delete(tree2);
	free(built);
	sv_result_msg_clear(&msg);
	cJSON_Delete(tree);
	free(json);
	return 0;
}
