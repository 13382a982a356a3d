#define _GNU_SOURCE /* memmem */
#include "sink_runs.h"

#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "sv_verdict.h"

int sink_run_candidate(const char *payload, size_t len)
{
	/* The kind's value as a JSON string (any spacing around its colon); a text field holding it has
	 * its quotes escaped. */
	static const char mark[] = "\"" SV_RUN_KIND "\"";

	return payload && len >= sizeof(mark) - 1 && memmem(payload, len, mark, sizeof(mark) - 1) != NULL;
}

sink_db_rc sink_run_apply(sink_db *db, const sv_run_report *res, const char *tests_json, int *applied, char *err,
			  size_t errlen)
{
	char id[24], user[24], task[24];
	const char *values[9];
	sink_db_rc rc;
	PGresult *pr;

	*applied = 0;
	snprintf(id, sizeof(id), "%lld", res->run_id);
	snprintf(user, sizeof(user), "%lld", res->user_id);
	snprintf(task, sizeof(task), "%lld", res->task_id);
	values[0] = id;
	values[1] = res->token;
	values[2] = user;
	values[3] = task;
	values[4] = sv_status_name(res->status);
	values[5] = res->status == SV_STATUS_COMPLETED ? sv_verdict_name(res->verdict) : NULL;
	values[6] = tests_json;
	values[7] = res->compiler_output ? res->compiler_output : "";
	values[8] = res->error_message ? res->error_message : "";
	pr = sink_db_exec(db, "sink_run_finish", 9, values, &rc, err, errlen);
	if (!pr)
		return rc;
	*applied = PQntuples(pr) == 1 && !strcmp(PQgetvalue(pr, 0, 0), "applied");
	PQclear(pr);
	return SINK_DB_OK;
}
