#ifndef SINK_APPLY_H
#define SINK_APPLY_H

#include <stddef.h>

#include "sink_db.h"
#include "sv_result.h"

/* The consumer's statements, for sink_db_new. */
extern const sink_statement sink_apply_statements[];
extern const size_t sink_apply_statement_count;

/* The event's arrays as JSON text ("[]" when absent), stored as they are. */
typedef struct {
	const char *test_results;  /* submissions.test_results */
	const char *group_results; /* submissions.group_results: the event's "groups" */
} sink_arrays;

/* Applies one parsed code-results event in one transaction: locks the submission's row, decides
 * with sink_decide, updates it if the event is newer, commits. Returns SINK_DB_OK (committed or rightly ignored;
 * *decision says which), SINK_DB_RETRY (database trouble: call again later) or SINK_DB_REJECT (the event cannot apply,
 * e.g. no such submission; err says why). */
sink_db_rc sink_apply_event(sink_db *db, const sv_result_msg *msg, const sink_arrays *arrays, sink_decision *decision,
			    char *err, size_t errlen);

#endif
