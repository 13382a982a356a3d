#ifndef SV_MESSAGE_H
#define SV_MESSAGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sv_contract.h"

/* The code-submissions message of DESIGN.md §3, shared by the module (producer) and the
 * judge-worker (consumer). Field names are the original design's; "v" is our addition. */
typedef struct {
	long long submission_id;
	long long task_id;
	long long user_id;
	long long team_id; /* 0: no team, written as null */
	const char *code;
	size_t code_len;
	int language_id;
	const char *timestamp; /* ISO 8601 UTC */
	int attempt;
	/* tasks.revision when the submission was stored (0: not known, as in the original design's
	 * messages). The judge never uses cached tests older than this, so a change to a task's tests
	 * applies to every submission made after it. */
	int task_revision;
} sv_submission_msg;

/* Returns a malloc'd JSON text (free with free()) or NULL when out of memory. */
char *sv_submission_msg_build(const sv_submission_msg *msg);

/* Parses a message. On success returns SV_MSG_OK and fills *msg with pointers into *tree (free it
 * with cJSON_Delete when done). On failure returns SV_MSG_BAD or SV_MSG_NEWER (sv_contract.h) with
 * a readable reason in err and *tree NULL; the submission id, task id and attempt are left in
 * *msg as far as they could be read (else 0, 0 and 1), so the caller can still report a failed
 * result. */
int sv_submission_msg_parse(const char *json, size_t len, sv_submission_msg *msg, cJSON **tree, char *err,
			    size_t errlen);

#endif
