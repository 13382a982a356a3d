/* The self-check of a task's package submissions from the browser (issue 12, the tests page):
 * GET and POST /api/admin/tasks/{id}/self-check. sql/026 decides what to queue (solveit-admin
 * verify's rules: the account, the two rounds of a pending time limit, the agreement of a run);
 * this file sends what it queued to code-submissions as the submit path does. */
#include "solveit_admin.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_kafka.h"
#include "sv_message.h"

APLOG_USE_MODULE(solveit);

/* Columns of sql/026's solveit_admin_selfcheck rows: the rejudge's, then the answer's. */
enum {
	COL_ID,
	COL_TASK,
	COL_USER,
	COL_TEAM,
	COL_CODE,
	COL_LANGUAGE,
	COL_AT,
	COL_ATTEMPT,
	COL_REVISION,
	COL_STATUS,
	COL_MESSAGE
};

int sv_admin_selfcheck_get(sv_ctx *ctx)
{
	const char *id = sv_admin_id_text(ctx, ctx->id);

	return sv_admin_send_row(ctx, apr_psprintf(ctx->r->pool, "task %s not found", id), SV_ADM_SELFCHECK_GET, id);
}

/* 202 {"phase", "queued": [{submission_id}], "count", "unsent"}: the table
 * itself comes from the GET, which the page polls. */
int sv_admin_selfcheck_run(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *task = sv_admin_id_text(ctx, ctx->id);
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	cJSON *answer, *queued;
	int status, unsent = 0;

	if (sv_admin_select(ctx, SV_ADM_SELFCHECK_RUN, &res, sv_admin_actor(ctx), sv_admin_action(ctx), task) < 0 ||
	    !(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	status = (int)sv_db_get_ll(&ctx->db, row, COL_STATUS);
	if (status != HTTP_ACCEPTED)
		return sv_send_error(r, status, "%s", sv_db_get(&ctx->db, row, COL_MESSAGE));
	answer = cJSON_CreateObject();
	cJSON_AddStringToObject(answer, "phase", sv_db_get(&ctx->db, row, COL_MESSAGE));
	queued = cJSON_AddArrayToObject(answer, "queued");
	for (int i = 2; (row = sv_db_row(&ctx->db, res, i)) != NULL; i++) {
		cJSON *q = cJSON_CreateObject();

		cJSON_AddNumberToObject(q, "submission_id", (double)sv_db_get_ll(&ctx->db, row, COL_ID));
		cJSON_AddItemToArray(queued, q);
		unsent += !sv_admin_send_submission(ctx, row);
	}
	cJSON_AddNumberToObject(answer, "count", cJSON_GetArraySize(queued));
	/* Those go out with the sweeper's next pass. */
	cJSON_AddNumberToObject(answer, "unsent", unsent);
	return sv_send_json(r, HTTP_ACCEPTED, answer);
}
