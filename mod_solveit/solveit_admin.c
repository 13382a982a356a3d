#include "solveit_admin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "apr_md5.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_router.h"
#include "solveit_text.h"

APLOG_USE_MODULE(solveit);

/* ASVS 4.0.3 V2.4.4, as solveit_auth.c. */

/* Placeholders are apr_dbd's %s, cast where PostgreSQL needs a type; sql/023 holds the logic. */
// clang-format off
static const struct {
	const char *label;
	const char *sql;
} statements[SV_ADM_COUNT] = {
    [SV_ADM_TASKS_LIST] = {"solveit_admin_tasks_list",
	"SELECT jsonb_build_object('tasks', COALESCE(jsonb_agg((to_jsonb(t) - 'statement_md' - 'validator_source')"
	" ORDER BY t.position, t.id), '[]'::jsonb))::text FROM tasks t"},
    [SV_ADM_TASK_GET] = {"solveit_admin_task_get",
	"SELECT (solveit_admin_task_json(%s::bigint) || jsonb_build_object("
	" 'groups', COALESCE((SELECT jsonb_agg(to_jsonb(g) ORDER BY g.position, g.id) FROM test_groups g"
	"  WHERE g.task_id = %s::bigint), '[]'::jsonb),"
	" 'submission_count', (SELECT count(*) FROM submissions s WHERE s.task_id = %s::bigint)))::text"},
    [SV_ADM_TASK_SAVE] = {"solveit_admin_task_save",
	"SELECT status, body FROM solveit_admin_task_save(%s::bigint, %s, %s::bigint, %s::jsonb)"},
    [SV_ADM_TASK_DELETE] = {"solveit_admin_task_delete",
	"SELECT status, body FROM solveit_admin_task_delete(%s::bigint, %s, %s::bigint, %s::boolean)"},
    [SV_ADM_TESTS_LIST] = {"solveit_admin_tests_list",
	"SELECT CASE WHEN EXISTS (SELECT 1 FROM tasks WHERE id = %s::bigint) THEN jsonb_build_object("
	" 'task_id', %s::bigint, 'tests', COALESCE((SELECT jsonb_agg(solveit_admin_test_json(x.id) ORDER BY x.\"order\")"
	" FROM tests x WHERE x.task_id = %s::bigint), '[]'::jsonb))::text END"},
    [SV_ADM_TEST_SAVE] = {"solveit_admin_test_save",
	"SELECT status, body FROM solveit_admin_test_save(%s::bigint, %s, %s::bigint, %s::bigint, %s::jsonb)"},
    [SV_ADM_TEST_DELETE] = {"solveit_admin_test_delete",
	"SELECT status, body FROM solveit_admin_test_delete(%s::bigint, %s, %s::bigint)"},
    [SV_ADM_TEST_DATA] = {"solveit_admin_test_data",
	"SELECT encode(b.content, 'hex'), x.\"order\" FROM tests x JOIN blobs b"
	" ON b.sha256 = CASE WHEN %s::text = 'input' THEN x.input_sha256 ELSE x.answer_sha256 END"
	" WHERE x.id = %s::bigint"},
    [SV_ADM_TESTS_ADD] = {"solveit_admin_tests_add",
	"SELECT status, body FROM solveit_admin_tests_add(%s::bigint, %s, %s::bigint, %s::jsonb)"},
    [SV_ADM_SUBMISSIONS_LIST] = {"solveit_admin_submissions",
	"SELECT solveit_admin_submissions(%s::bigint, %s::text, %s::text, %s::text, %s::text,"
	" to_timestamp(%s::double precision), to_timestamp(%s::double precision),"
	" string_to_array(%s::text, ',')::bigint[], %s::integer, %s::integer)::text"},
    [SV_ADM_SUBMISSION_EXTRA] = {"solveit_admin_submission_extra",
	"SELECT solveit_admin_submission_extra(%s::bigint)::text"},
    [SV_ADM_REJUDGE] = {"solveit_admin_rejudge",
	"SELECT r_id, r_task_id, r_user_id, r_team_id, r_code, r_language_id, r_submitted_at, r_attempt, r_revision"
	" FROM solveit_admin_rejudge(%s::bigint, %s, string_to_array(%s::text, ',')::bigint[], %s::bigint)"},
    /* A rejudged submission whose message could not be queued: the sweeper sends it. */
    [SV_ADM_REJUDGE_UNSENT] = {"solveit_admin_rejudge_unsent",
	"UPDATE submissions SET kafka_sent_at = NULL WHERE id = %s::bigint AND attempt = %s::integer RETURNING id"},
    [SV_ADM_AUDIT_LIST] = {"solveit_admin_audit",
	"SELECT solveit_admin_audit(%s::text, %s::bigint, %s::integer, %s::integer)::text"},
    [SV_ADM_USERS_LIST] = {"solveit_admin_users_list",
	"SELECT jsonb_build_object('users', COALESCE(jsonb_agg(solveit_admin_user_json(u.id) ORDER BY u.username),"
	" '[]'::jsonb))::text FROM users u"},
    [SV_ADM_USER_SAVE] = {"solveit_admin_user_save",
	"SELECT status, body FROM solveit_admin_user_save(%s::bigint, %s, %s::bigint, %s::jsonb, %s)"},
    [SV_ADM_USERS_IMPORT] = {"solveit_admin_users_import",
	"SELECT status, body FROM solveit_admin_users_import(%s::bigint, %s, %s::jsonb, %s::boolean)"},
    [SV_ADM_TEAMS_LIST] = {"solveit_admin_teams_list",
	"SELECT jsonb_build_object('teams', COALESCE(jsonb_agg(solveit_admin_team_json(t.id) ORDER BY t.name),"
	" '[]'::jsonb))::text FROM teams t"},
    [SV_ADM_TEAM_SAVE] = {"solveit_admin_team_save",
	"SELECT status, body FROM solveit_admin_team_save(%s::bigint, %s, %s::bigint, %s, %s::boolean)"},
    [SV_ADM_GRADES_CSV] = {"solveit_admin_grades_csv", "SELECT solveit_admin_grades_csv()"},
    /* tasks pages: statement images (sql/028) */
    [SV_ADM_ASSETS_LIST] = {"solveit_admin_assets", "SELECT solveit_admin_assets(%s::bigint)::text"},
    [SV_ADM_ASSET_SAVE] = {"solveit_admin_asset_save",
	"SELECT status, body FROM solveit_admin_asset_save(%s::bigint, %s, %s::bigint, %s, %s, decode(%s, 'hex'))"},
    [SV_ADM_ASSET_DELETE] = {"solveit_admin_asset_delete",
	"SELECT status, body FROM solveit_admin_asset_delete(%s::bigint, %s, %s::bigint, %s)"},
    /* The bytes only when the client's copy (If-None-Match) is not this one; whether the caller
     * sees the task (sql/029's solveit_task_visible). */
    [SV_ADM_ASSET_GET] = {"solveit_task_asset",
	"SELECT a.content_type, a.sha256, solveit_task_visible(t.id, %s::bigint), CASE WHEN a.sha256 = %s::text THEN NULL"
	" ELSE encode(b.content, 'hex') END FROM task_assets a JOIN tasks t ON t.id = a.task_id"
	" JOIN blobs b ON b.sha256 = a.sha256 WHERE a.task_id = %s::bigint AND a.name = %s"},
    /* The tests page's self-check (solveit_admin_selfcheck.c, sql/026). */
    [SV_ADM_SELFCHECK_GET] = {"solveit_admin_selfcheck_get", "SELECT solveit_selfcheck_json(%s::bigint)::text"},
    [SV_ADM_SELFCHECK_RUN] = {"solveit_admin_selfcheck_run",
	"SELECT r_id, r_task_id, r_user_id, r_team_id, r_code, r_language_id, r_submitted_at, r_attempt, r_revision,"
	" r_status, r_message FROM solveit_admin_selfcheck(%s::bigint, %s, %s::bigint)"},
    [SV_ADM_SETTINGS_GET] = {"solveit_admin_settings", "SELECT solveit_admin_settings_json()::text"},
    [SV_ADM_SETTINGS_SAVE] = {"solveit_admin_settings_save",
	"SELECT status, body FROM solveit_admin_settings_save(%s::bigint, %s, %s::jsonb)"},
    /* issue 13: assignments (solveit_assignments.c, sql/030) */
    [SV_ADM_ASSIGNMENTS_LIST] = {"solveit_admin_assignments", "SELECT solveit_admin_assignments_json()::text"},
    [SV_ADM_ASSIGNMENT_GET] = {"solveit_admin_assignment_get",
	"SELECT solveit_admin_assignment_json(%s::bigint)::text"},
    [SV_ADM_ASSIGNMENT_SAVE] = {"solveit_admin_assignment_save",
	"SELECT status, body FROM solveit_admin_assignment_save(%s::bigint, %s, %s::bigint, %s::jsonb, %s::boolean)"},
    [SV_ADM_ASSIGNMENTS_STUDENT] = {"solveit_assignments", "SELECT solveit_assignments_json(%s::bigint)::text"},
    [SV_ADM_GRADES_ASSIGNMENT_CSV] = {"solveit_admin_grades_assignment_csv",
	"SELECT solveit_admin_grades_csv(%s::bigint)"},
    /* contests (solveit_scoreboard.c, sql/031) */
    [SV_ADM_SCOREBOARD] = {"solveit_scoreboard_view",
	"SELECT solveit_scoreboard_view(%s::bigint, %s::boolean)::text"},
    [SV_ADM_CONTEST_UNFREEZE] = {"solveit_admin_contest_unfreeze",
	"SELECT status, body FROM solveit_admin_contest_unfreeze(%s::bigint, %s, %s::bigint)"},
    /* clarifications (solveit_clarifications.c, sql/032): the students' routes use this table too */
    [SV_ADM_CLARIFICATIONS] = {"solveit_clarifications_list",
	"SELECT status, body FROM solveit_clarifications_list(%s::bigint, %s::bigint, %s::bigint)"},
    [SV_ADM_CLARIFICATION_ASK] = {"solveit_clarification_ask",
	"SELECT status, body FROM solveit_clarification_ask(%s::bigint, %s::bigint, %s::bigint, %s)"},
    [SV_ADM_CLARIFICATIONS_STAFF] = {"solveit_admin_clarifications",
	"SELECT status, body FROM solveit_admin_clarifications(%s, %s::bigint, %s::bigint)"},
    [SV_ADM_CLARIFICATION_ANSWER] = {"solveit_admin_clarification_answer",
	"SELECT status, body FROM solveit_admin_clarification_answer(%s::bigint, %s, %s::bigint, %s, %s::boolean)"},
    [SV_ADM_CLARIFICATION_ANNOUNCE] = {"solveit_admin_clarification_announce",
	"SELECT status, body FROM solveit_admin_clarification_announce(%s::bigint, %s, %s::bigint, %s::bigint, %s)"},
};
// clang-format on

/* One statement of the list above, as solveit_db.c runs its own (prepared lazily, a restarted
 * PostgreSQL handled). */
static int run(sv_ctx *ctx, sv_admin_sql q, apr_dbd_results_t **res, va_list ap)
{
	sv_db *db = sv_ctx_db(ctx);

	if (!db)
		return -1;
	return sv_db_vrun(db, statements[q].label, statements[q].sql, 1, res, NULL, ap);
}

int sv_admin_select(sv_ctx *ctx, sv_admin_sql q, apr_dbd_results_t **res, ...)
{
	va_list ap;
	int rc;

	va_start(ap, res);
	rc = run(ctx, q, res, ap);
	va_end(ap);
	return rc;
}

static int send_text(sv_ctx *ctx, int status, const char *json)
{
	cJSON *body = json ? cJSON_Parse(json) : NULL;

	if (!body)
		return sv_send_error(ctx->r, HTTP_INTERNAL_SERVER_ERROR, "the database answered no JSON");
	return sv_send_json(ctx->r, status, body);
}

int sv_admin_send_call(sv_ctx *ctx, sv_admin_sql q, ...)
{
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	va_list ap;
	int rc;

	va_start(ap, q);
	rc = run(ctx, q, &res, ap);
	va_end(ap);
	if (rc < 0 || !(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(ctx->r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	return send_text(ctx, (int)sv_db_get_ll(&ctx->db, row, 0), sv_db_get(&ctx->db, row, 1));
}

int sv_admin_send_row(sv_ctx *ctx, const char *not_found, sv_admin_sql q, ...)
{
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *json;
	va_list ap;
	int rc;

	va_start(ap, q);
	rc = run(ctx, q, &res, ap);
	va_end(ap);
	if (rc < 0 || !(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(ctx->r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!(json = sv_db_get(&ctx->db, row, 0)))
		return sv_send_error(ctx->r, HTTP_NOT_FOUND, "%s", not_found);
	return send_text(ctx, HTTP_OK, json);
}

int sv_admin_read_body(sv_ctx *ctx, apr_size_t limit)
{
	const char *err;
	int rc = sv_input_read(ctx->r, limit, &ctx->in, &err);

	/* The status, not sv_send_error's OK: the caller must see that the answer is sent. */
	if (rc)
		sv_send_error(ctx->r, rc, "%s", err);
	return rc;
}

cJSON *sv_admin_json_body(sv_ctx *ctx, apr_size_t limit, const sv_admin_field *fields, const char *const *required)
{
	request_rec *r = ctx->r;
	const char *problem = NULL;
	const cJSON *item;

	if (sv_admin_read_body(ctx, limit) != 0)
		return NULL;
	if (!ctx->in.json) {
		sv_send_error(r, HTTP_BAD_REQUEST, "send a JSON object (Content-Type: application/json)");
		return NULL;
	}
	cJSON_ArrayForEach(item, ctx->in.json)
	{
		const sv_admin_field *f = fields;

		while (f->name && strcmp(f->name, item->string))
			f++;
		problem = f->name ? sv_admin_field_problem(r->pool, f, item)
				  : apr_psprintf(r->pool, "unknown field %s", item->string);
		if (problem)
			break;
	}
	for (int i = 0; !problem && required && required[i]; i++) {
		item = cJSON_GetObjectItemCaseSensitive(ctx->in.json, required[i]);
		if (!item || cJSON_IsNull(item))
			problem = apr_psprintf(r->pool, "%s is required", required[i]);
	}
	if (problem) {
		sv_send_error(r, HTTP_BAD_REQUEST, "%s", problem);
		return NULL;
	}
	return ctx->in.json;
}

const char *sv_admin_arg(sv_ctx *ctx, const char *name)
{
	request_rec *r = ctx->r;
	const char *err;
	apr_array_header_t *args = r->args ? sv_urlencoded_parse(r->pool, r->args, strlen(r->args), &err) : NULL;
	const sv_field *f = args ? sv_fields_get(args, name) : NULL;

	return f && *f->value ? f->value : NULL;
}

apr_int64_t sv_admin_int_arg(sv_ctx *ctx, const char *name, apr_int64_t def, apr_int64_t max)
{
	const char *v = sv_admin_arg(ctx, name);
	apr_int64_t n;

	if (!v)
		return def;
	if ((n = sv_parse_id(v)) <= 0 || n > max) {
		sv_send_error(ctx->r, HTTP_BAD_REQUEST, "%s must be an integer from 1 to %" APR_INT64_T_FMT, name, max);
		return -1;
	}
	return n;
}

const char *sv_admin_id_text(sv_ctx *ctx, apr_int64_t id)
{
	return apr_psprintf(ctx->r->pool, "%" APR_INT64_T_FMT, id);
}

const char *sv_admin_actor(sv_ctx *ctx)
{
	return sv_admin_id_text(ctx, ctx->sess->user_id);
}

const char *sv_admin_action(sv_ctx *ctx)
{
	return apr_pstrcat(ctx->r->pool, ctx->r->method, " ", ctx->route->pattern, NULL);
}

int sv_admin_send_file(sv_ctx *ctx, const char *content_type, const char *filename, const char *bytes, apr_size_t len)
{
	request_rec *r = ctx->r;

	apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
	apr_table_setn(r->headers_out, "Cache-Control", "no-store");
	apr_table_setn(r->headers_out, "Content-Disposition",
		       apr_psprintf(r->pool, "attachment; filename=\"%s\"", filename));
	ap_set_content_type(r, content_type);
	ap_set_content_length(r, (apr_off_t)len);
	if (!r->header_only && len > 0)
		ap_rwrite(bytes, (int)len, r);
	return OK;
}

static apr_status_t free_text(void *text)
{
	free(text);
	return APR_SUCCESS;
}

const char *sv_admin_json_text(request_rec *r, const cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);

	/* Test data can make this large: no copy, freed with the request. */
	if (text)
		apr_pool_cleanup_register(r->pool, text, free_text, apr_pool_cleanup_null);
	return text;
}
