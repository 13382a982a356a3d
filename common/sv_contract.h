#ifndef SV_CONTRACT_H
#define SV_CONTRACT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sv_version.h"

/* What the messages of DESIGN.md §3 share: the schema version, how fields are read, how a parser
 * reports failure, and the dead-letter headers. The messages themselves are in sv_message.h
 * (code-submissions) and sv_result.h (code-results); verdicts and states in sv_verdict.h.
 *
 * Both parsers own failures the same way: on failure they return SV_MSG_BAD or SV_MSG_NEWER with
 * a reason in err, *tree is NULL and nothing needs freeing; the ids that could be read stay in the
 * message so the caller can still report or log them. */

enum {
	SV_MSG_OK = 0,
	SV_MSG_BAD = -1,   /* malformed: report it (failed result or dead letter) */
	SV_MSG_NEWER = -2, /* "v" above SV_MESSAGE_SCHEMA: written by a newer program; dead-letter it */
};

/* The headers a dead letter carries: why it was refused and where it was read. */
#define SV_DEAD_LETTER_HEADER_ERROR  "solveit-error"
#define SV_DEAD_LETTER_HEADER_SOURCE "solveit-source"
/* A dead letter cut down from a larger original carries its size in bytes in this header. */
#define SV_DEAD_LETTER_HEADER_TRUNCATED "solveit-truncated"

/* How long mod_solveit's producer retries a submission (its message.timeout.ms). The result-sink's
 * sweeper re-sends a submission only after this and a margin, so the two never send it twice. */
#define SV_SUBMISSION_DELIVERY_TIMEOUT_MS 60000

/* Reads "v": absent (the original design's messages) gives 0. Returns SV_MSG_OK, SV_MSG_BAD when
 * it is not a whole number from 1, SV_MSG_NEWER when it is above SV_MESSAGE_SCHEMA. */
int sv_msg_schema(const cJSON *root, int *schema, char *err, size_t errlen);

/* A whole-number field in [min, max]; a missing or null one gives def unless required. Returns 0,
 * or -1 with "field \"name\" must be ..." (or "missing field") in err. */
int sv_msg_int(const cJSON *obj, const char *name, long long min, long long max, int required, long long def,
	       long long *out, char *err, size_t errlen);

/* A positive id (1 .. SV_JSON_INT_MAX); a missing or null one gives 0 unless required. */
int sv_msg_id(const cJSON *obj, const char *name, int required, long long *out, char *err, size_t errlen);

#endif
