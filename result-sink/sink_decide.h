#ifndef SINK_DECIDE_H
#define SINK_DECIDE_H

#include "sv_verdict.h"

/* What a submission row says, or what a code-results event claims, about the judging state. */
typedef struct {
	sv_status status;
	int attempt;
	int tests_done; /* processing only: tests finished so far */
} sink_state;

typedef enum {
	SINK_APPLY = 0,
	SINK_IGNORE_FINAL,         /* the row is final already: it never changes again */
	SINK_IGNORE_OLDER_ATTEMPT, /* the event belongs to an attempt the sweeper has replaced */
	SINK_IGNORE_NOT_NEWER,     /* a duplicate or late progress event of the current attempt */
} sink_decision;

/* Whether event supersedes the stored state (DESIGN.md §1, invariant 2). At-least-once delivery
 * means duplicates and reordering: the decision only ever moves a row forward, by attempt first,
 * then pending -> processing (by tests_done) -> final. */
sink_decision sink_decide(const sink_state *stored, const sink_state *event);

/* A short phrase for log lines: "applied", "ignored: ...". */
const char *sink_decision_name(sink_decision decision);

/* How to treat a failed statement, by its SQLSTATE (NULL: no server answer). A data exception
 * (class 22) or an integrity violation (class 23) is caused by the event itself: retrying it
 * cannot help, so it is rejected to the dead-letter topic. Everything else (connection lost,
 * server shutting down, serialization failure, even a missing column after a bad deployment) is
 * retried until it works: an event is never skipped because the database is unwell. */
typedef enum {
	SINK_SQL_RETRY = 0,
	SINK_SQL_REJECT,
} sink_sql_action;
sink_sql_action sink_sqlstate_action(const char *sqlstate);

#endif
