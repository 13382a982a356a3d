#ifndef SV_MESSAGE_H
#define SV_MESSAGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

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

/* Parses a message. On success returns 0, fills *msg with pointers into *tree (free it with
 * cJSON_Delete when done). On failure returns -1 with a readable reason in err; if the
 * submission id could be read it is left in msg->submission_id (else 0), so the caller can
 * still report a failed result for it. */
int sv_submission_msg_parse(const char *json, size_t len, sv_submission_msg *msg, cJSON **tree, char *err,
			    size_t errlen);

#endif
