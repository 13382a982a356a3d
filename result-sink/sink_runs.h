#ifndef SINK_RUNS_H
#define SINK_RUNS_H

#include <stddef.h>

#include "sink_db.h"
#include "sv_run.h"

/* Run results (sv_run.h) on the results topic. The stored run decides: a result changes a
 * sample_runs row only when the row has its id, token, user and task and still waits for one
 * (sql/033, solveit_sample_run_finish); a forged or late result, one for another run, a second
 * one for a finished run, and anything about a submission change nothing. */

/* Whether the message may be a run result: it holds the run kind as a JSON string. A text field
 * cannot look so (its quotes are escaped); sv_run_report_parse and sv_run_is decide. */
int sink_run_candidate(const char *payload, size_t len);

/* Applies a parsed run result (tests_json: its "tests" array). SINK_DB_OK with *applied 1 when it
 * changed the run, 0 when the stored row said no; SINK_DB_RETRY or SINK_DB_REJECT as sink_db_exec. */
sink_db_rc sink_run_apply(sink_db *db, const sv_run_report *res, const char *tests_json, int *applied, char *err,
			  size_t errlen);

#endif
