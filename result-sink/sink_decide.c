#include "sink_decide.h"

#include <string.h>

sink_decision sink_decide(const sink_state *stored, const sink_state *event)
{
	/* Once a result is shown it stays: a second judgement (a duplicate message, a re-sent attempt
	 * that raced the first) must never be visible. */
	if (sv_status_is_final(stored->status))
		return SINK_IGNORE_FINAL;
	if (event->attempt < stored->attempt)
		return SINK_IGNORE_OLDER_ATTEMPT;
	if (event->attempt > stored->attempt)
		return SINK_APPLY;
	if (sv_status_is_final(event->status))
		return SINK_APPLY;
	if (event->status != SV_STATUS_PROCESSING)
		return SINK_IGNORE_NOT_NEWER;
	if (stored->status == SV_STATUS_PENDING)
		return SINK_APPLY;
	return event->tests_done > stored->tests_done ? SINK_APPLY : SINK_IGNORE_NOT_NEWER;
}

const char *sink_decision_name(sink_decision decision)
{
	switch (decision) {
	case SINK_APPLY:
		return "applied";
	case SINK_IGNORE_FINAL:
		return "ignored: the submission is final already";
	case SINK_IGNORE_OLDER_ATTEMPT:
		return "ignored: event of an older attempt";
	case SINK_IGNORE_NOT_NEWER:
		return "ignored: not newer than the stored progress";
	}
	return "?";
}

sink_sql_action sink_sqlstate_action(const char *sqlstate)
{
	if (sqlstate && (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0))
		return SINK_SQL_REJECT;
	return SINK_SQL_RETRY;
}
