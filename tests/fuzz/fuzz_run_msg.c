/* The sample runs' messages (common/sv_run.c): the run a judge-worker reads (sv_run_msg_parse)
 * and the run result the result-sink reads (sv_run_report_parse), both from Kafka. Every input
 * goes to both parsers, as a message on either topic may be anything; what one accepts must
 * survive a rebuild. */

#include "fuzz_common.h"

#include "sv_run.h"

static void run_message(const char *json, size_t size)
{
	char err[256];
	sv_run_msg msg, again;
	cJSON *tree = NULL, *tree2 = NULL;
	char *built;

	err[0] = '\0';
	if (sv_run_msg_parse(json, size, &msg, &tree, err, sizeof(err)) != SV_MSG_OK) {
		FUZZ_ASSERT(tree == NULL && err[0] != '\0');
		return;
	}
	fuzz_touch(msg.code, msg.code_len);
	fuzz_touch_str(msg.token);
	built = sv_run_msg_build(&msg);
	FUZZ_ASSERT(built != NULL);
	if (sv_run_msg_parse(built, strlen(built), &again, &tree2, err, sizeof(err)) != SV_MSG_OK) {
		fprintf(stderr, "rebuilt run refused (%s): %s\n", err, built);
		abort();
	}
	FUZZ_ASSERT(again.run_id == msg.run_id && again.task_id == msg.task_id && again.user_id == msg.user_id);
	FUZZ_ASSERT(again.code_len == msg.code_len && !memcmp(again.code, msg.code, msg.code_len));
	FUZZ_ASSERT(!strcmp(again.token, msg.token) && again.language_id == msg.language_id);
	cJSON_Delete(tree2);
	free(built);
	cJSON_Delete(tree);
}

static void run_result(const char *json, size_t size)
{
	char err[256];
	sv_run_report res, again;
	char *tests = NULL, *tests2 = NULL, *built;
	cJSON *tree = NULL, *tree2 = NULL;

	err[0] = '\0';
	if (sv_run_report_parse(json, size, &res, &tests, &tree, err, sizeof(err)) != SV_MSG_OK) {
		FUZZ_ASSERT(tree == NULL && tests == NULL && err[0] != '\0');
		return;
	}
	FUZZ_ASSERT(tests != NULL);
	fuzz_touch_str(tests);
	fuzz_touch_str(res.token);
	fuzz_touch_str(res.compiler_output);
	fuzz_touch_str(res.error_message);
	built = sv_run_report_build(&res);
	FUZZ_ASSERT(built != NULL);
	if (sv_run_report_parse(built, strlen(built), &again, &tests2, &tree2, err, sizeof(err)) != SV_MSG_OK) {
		fprintf(stderr, "rebuilt run result refused (%s): %s\n", err, built);
		abort();
	}
	FUZZ_ASSERT(again.run_id == res.run_id && again.status == res.status && again.verdict == res.verdict);
	free(tests2);
	cJSON_Delete(tree2);
	free(built);
	free(tests);
	cJSON_Delete(tree);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *json = fuzz_copy(data, size);

	run_message(json, size);
	run_result(json, size);
	free(json);
	return 0;
}
