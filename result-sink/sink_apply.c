#include "sink_apply.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sv_time.h"

/* When the event happened. The contract's processed_at has whole seconds only, so while the sink
 * keeps up the commit time (now()) is the better clock, to the millisecond; an event applied late
 * (the sink or the database was down) keeps its own time. Never in the future, whatever the
 * worker's clock says. */
#define EVENT_TIME(p)                                                                                                  \
	"CASE WHEN " p "::double precision IS NULL OR to_timestamp(" p "::double precision) > now() - interval '2 "    \
	"seconds' THEN now() ELSE to_timestamp(" p "::double precision) END"

const sink_statement sink_apply_statements[] = {
    {"sink_lock", "SELECT status, attempt, tests_done, task_id FROM submissions WHERE id = $1::bigint FOR UPDATE"},
    {"sink_processing",
     "UPDATE submissions SET status = 'processing', attempt = $2::integer, tests_done = $3::integer,"
     " total_tests = $4::integer, processing_completed_at = NULL,"
     " processing_started_at = CASE WHEN $6::boolean THEN " EVENT_TIME("$5") " ELSE processing_started_at END"
									     " WHERE id = $1::bigint"},
    {"sink_final",
     "UPDATE submissions SET status = $2, attempt = $3::integer, verdict = $4, score = $5::integer,"
     " passed_tests = $6::integer, total_tests = $7::integer, execution_time = $8::double precision,"
     " memory_used = $9::integer, test_results = $10::jsonb, compiler_output = $11, error_message = $12,"
     " points = $15::double precision, max_points = $16::double precision, group_results = $17::jsonb,"
     " tests_done = $13::integer, processing_completed_at = " EVENT_TIME(
	 "$14") ","
		" processing_started_at = COALESCE(processing_started_at, " EVENT_TIME("$14") ")"
											      " WHERE id = $1::bigint"},
    /* Run on the samples (sql/033): applied only to the stored run still waiting for it. */
    {"sink_run_finish", "SELECT solveit_sample_run_finish($1::bigint, $2, $3::bigint, $4::bigint, $5, $6, $7::jsonb,"
			" $8, $9)"},
};
const size_t sink_apply_statement_count = sizeof(sink_apply_statements) / sizeof(sink_apply_statements[0]);

static void rollback(sink_db *db)
{
	char ignored[256];

	sink_db_command(db, "ROLLBACK", ignored, sizeof(ignored));
}

static sink_db_rc update_processing(sink_db *db, const sv_result_msg *msg, const char *id, int starting,
				    const char *when, char *err, size_t errlen)
{
	char attempt[16], done[16], total[16];
	const char *values[6];
	sink_db_rc rc;
	PGresult *res;

	snprintf(attempt, sizeof(attempt), "%d", msg->attempt);
	snprintf(done, sizeof(done), "%d", msg->tests_done);
	snprintf(total, sizeof(total), "%d", msg->total_tests);
	values[0] = id;
	values[1] = attempt;
	values[2] = done;
	values[3] = total;
	values[4] = when;
	values[5] = starting ? "true" : "false";
	res = sink_db_exec(db, "sink_processing", 6, values, &rc, err, errlen);
	PQclear(res);
	return rc;
}

static sink_db_rc update_final(sink_db *db, const sv_result_msg *msg, const char *id, const sink_arrays *arrays,
			       const char *when, char *err, size_t errlen)
{
	char attempt[16], score[16], passed[16], total[16], seconds[32], memory[24], done[24], points[40],
	    max_points[40];
	const char *values[17];
	int completed = msg->status == SV_STATUS_COMPLETED;
	sink_db_rc rc;
	PGresult *res;

	snprintf(attempt, sizeof(attempt), "%d", msg->attempt);
	snprintf(score, sizeof(score), "%d", msg->score);
	snprintf(passed, sizeof(passed), "%d", msg->passed_tests);
	snprintf(total, sizeof(total), "%d", msg->total_tests);
	snprintf(seconds, sizeof(seconds), "%.6f", msg->execution_time);
	/* The column is KB in an integer: 2 TB is beyond any limit a task can set. */
	snprintf(memory, sizeof(memory), "%lld", msg->memory_used > INT_MAX ? (long long)INT_MAX : msg->memory_used);
	snprintf(done, sizeof(done), "%zu", msg->test_count);
	snprintf(points, sizeof(points), "%.17g", msg->points);
	snprintf(max_points, sizeof(max_points), "%.17g", msg->max_points);
	values[0] = id;
	values[1] = sv_status_name(msg->status);
	values[2] = attempt;
	/* A failed submission was never judged: it has no verdict and no score. */
	values[3] = completed ? sv_verdict_name(msg->verdict) : NULL;
	values[4] = completed ? score : NULL;
	values[5] = passed;
	values[6] = total;
	values[7] = seconds;
	values[8] = memory;
	values[9] = arrays->test_results;
	values[10] = msg->compiler_output ? msg->compiler_output : "";
	values[11] = msg->error_message ? msg->error_message : "";
	values[12] = done;
	values[13] = when;
	/* The exact points of a completed submission (older workers send none: NULL). */
	values[14] = completed && msg->has_points ? points : NULL;
	values[15] = completed && msg->has_points ? max_points : NULL;
	values[16] = arrays->group_results;
	res = sink_db_exec(db, "sink_final", 17, values, &rc, err, errlen);
	PQclear(res);
	return rc;
}

sink_db_rc sink_apply_event(sink_db *db, const sv_result_msg *msg, const sink_arrays *arrays, sink_decision *decision,
			    char *err, size_t errlen)
{
	char id[24], when[32];
	const char *values[1];
	sink_state stored, event;
	double at = sv_time_parse_iso8601(msg->processed_at);
	long long task_id;
	sink_db_rc rc;
	PGresult *res;

	*decision = SINK_IGNORE_NOT_NEWER;
	snprintf(id, sizeof(id), "%lld", msg->submission_id);
	if (at >= 0)
		snprintf(when, sizeof(when), "%.3f", at);
	values[0] = id;

	rc = sink_db_command(db, "BEGIN", err, errlen);
	if (rc != SINK_DB_OK)
		return rc;
	res = sink_db_exec(db, "sink_lock", 1, values, &rc, err, errlen);
	if (!res)
		goto fail;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(err, errlen, "no submission %s in the database", id);
		rc = SINK_DB_REJECT;
		goto fail;
	}
	if (sv_status_parse(PQgetvalue(res, 0, 0), &stored.status) < 0) {
		/* The schema's CHECK makes this impossible; treat it as the database being unwell. */
		snprintf(err, errlen, "submission %s has an unknown status \"%s\"", id, PQgetvalue(res, 0, 0));
		PQclear(res);
		rc = SINK_DB_RETRY;
		goto fail;
	}
	stored.attempt = atoi(PQgetvalue(res, 0, 1));
	stored.tests_done = atoi(PQgetvalue(res, 0, 2));
	task_id = atoll(PQgetvalue(res, 0, 3));
	PQclear(res);
	if (task_id != msg->task_id) {
		snprintf(err, errlen, "submission %s is for task %lld, the event says task %lld", id, task_id,
			 msg->task_id);
		rc = SINK_DB_REJECT;
		goto fail;
	}

	event.status = msg->status;
	event.attempt = msg->attempt;
	event.tests_done = msg->tests_done;
	*decision = sink_decide(&stored, &event);
	if (*decision == SINK_APPLY) {
		if (msg->status == SV_STATUS_PROCESSING) {
			int starting = stored.status != SV_STATUS_PROCESSING || stored.attempt != msg->attempt;

			rc = update_processing(db, msg, id, starting, at >= 0 ? when : NULL, err, errlen);
		} else {
			rc = update_final(db, msg, id, arrays, at >= 0 ? when : NULL, err, errlen);
		}
		if (rc != SINK_DB_OK)
			goto fail;
	}
	/* An ignored event commits too: it only took the row lock. */
	/* A COMMIT lost with the connection may or may not have happened: the caller retries, and
	 * applying the event again is harmless. */
	return sink_db_command(db, "COMMIT", err, errlen);
fail:
	rollback(db);
	return rc;
}
