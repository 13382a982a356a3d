/* GET /api/admin/statistics: per-task figures for the staff grades page (sql/027's
 * solveit_admin_statistics: submissions, distinct students, solved, average best score, verdicts). */
#include "solveit_admin.h"

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_http.h"

APLOG_USE_MODULE(solveit);

/* The statement has no arguments, so it goes unprepared (solveit_admin.c's table is for the
 * prepared ones); a connection PostgreSQL dropped is reset by the check and tried once more. */
static const char statistics_sql[] = "SELECT solveit_admin_statistics()::text";

int sv_admin_statistics(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	sv_db *db = sv_ctx_db(ctx);
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *json;
	cJSON *body;

	if (!db)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	for (int attempt = 1;; attempt++) {
		int rc;

		res = NULL;
		rc = apr_dbd_select(db->dbd->driver, r->pool, db->dbd->handle, &res, statistics_sql, 1);
		if (rc == 0)
			break;
		if (attempt == 2 || apr_dbd_check_conn(db->dbd->driver, r->pool, db->dbd->handle) != APR_SUCCESS) {
			const char *msg = apr_dbd_error(db->dbd->driver, db->dbd->handle, rc);

			ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "solveit: solveit_admin_statistics failed: %s",
				      msg ? msg : "unknown error");
			return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
		}
	}
	if (!(row = sv_db_row(db, res, 1)) || !(json = sv_db_get(db, row, 0)) || !(body = cJSON_Parse(json)))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "the database answered no statistics");
	return sv_send_json(r, HTTP_OK, body);
}
