#include "solveit_router.h"

#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "solveit_admin.h"
#include "solveit_api.h"
#include "solveit_auth.h"
#include "solveit_clarifications.h"
#include "solveit_leaderboard.h"
#include "solveit_metrics.h"
#include "solveit_scoreboard.h"
#include "solveit_runs.h"
#include "solveit_submit.h"

// clang-format off
const sv_route solveit_routes[] = {
    {M_GET,  "/api/health",            sv_api_health,      SV_ACCESS_PUBLIC, 0,                                 SV_BODY_NONE},
    /* Visitors get a 401 that still tells the pages how one logs in here. */
    {M_GET,  "/api/me",                sv_auth_me,         SV_ACCESS_PUBLIC, 0,                                 SV_BODY_NONE},
    /* The login page's question before anyone signs in: may one register here? */
    {M_GET,  "/api/site",              sv_auth_site,       SV_ACCESS_PUBLIC, 0,                                 SV_BODY_NONE},
    {M_GET,  "/api/languages",         sv_api_languages,   SV_ACCESS_PUBLIC, 0,                                 SV_BODY_NONE},
    {M_GET,  "/api/leaderboard",       sv_api_leaderboard, SV_ACCESS_USER,   0,                                 SV_BODY_NONE},
    {M_GET,  "/api/tasks",             sv_api_tasks,       SV_ACCESS_USER,   0,                                 SV_BODY_NONE},
    {M_GET,  "/api/tasks/{id}",        sv_api_task,        SV_ACCESS_USER,   0,                                 SV_BODY_NONE},
    /* tasks pages: a statement's image (solveit_admin_assets.c), an open task's or for staff */
    {M_GET,  "/api/tasks/{id}/assets/{name}", sv_api_task_asset, SV_ACCESS_USER, 0,                                 SV_BODY_NONE},
    /* Run on the samples (solveit_runs.c): no submission; the CSRF token comes as a header. */
    {M_POST, "/api/tasks/{id}/runs",   sv_runs_create,     SV_ACCESS_USER,   SV_ROUTE_CSRF,                     SV_BODY_SOURCE},
    {M_GET,  "/api/runs/{id}",         sv_runs_get,        SV_ACCESS_USER,   0,                                 SV_BODY_NONE},
    {M_GET,  "/api/submissions",       sv_api_submissions, SV_ACCESS_USER,   0,                                 SV_BODY_NONE},
    {M_POST, "/api/submissions",       sv_submit,          SV_ACCESS_USER,   SV_ROUTE_CSRF,                     SV_BODY_SOURCE},
    {M_GET,  "/api/submissions/{id}",  sv_api_submission,  SV_ACCESS_USER,   0,                                 SV_BODY_NONE},
    {M_POST, "/api/login",             sv_auth_login,      SV_ACCESS_PUBLIC, SV_ROUTE_BUILTIN,                  SV_BODY_FORM},
    {M_POST, "/api/logout",            sv_auth_logout,     SV_ACCESS_USER,   SV_ROUTE_CSRF,                     SV_BODY_FORM},
    {M_POST, "/api/register",          sv_auth_register,   SV_ACCESS_PUBLIC, SV_ROUTE_BUILTIN,                  SV_BODY_FORM},
    {M_POST, "/api/password",          sv_auth_password,   SV_ACCESS_USER,   SV_ROUTE_BUILTIN | SV_ROUTE_CSRF,  SV_BODY_FORM},
    /* The staff API (solveit_admin.h): handlers read their own bodies, so the CSRF token comes as a header. */
    {M_GET,    "/api/admin/tasks",                    sv_admin_tasks_list,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/tasks",                    sv_admin_task_create,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* Reads its multipart body through the router (SV_BODY_PACKAGE: SolveitMaxPackageSize), so its CSRF token may be a form field. */
    {M_POST,   "/api/admin/tasks/import",             sv_admin_import,           SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_PACKAGE},
    {M_GET,    "/api/admin/tasks/{id}",               sv_admin_task_get,         SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_PUT,    "/api/admin/tasks/{id}",               sv_admin_task_update,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_DELETE, "/api/admin/tasks/{id}",               sv_admin_task_delete,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/tasks/{id}/tests",         sv_admin_tests_list,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/tasks/{id}/tests",         sv_admin_test_create,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_POST,   "/api/admin/tasks/{id}/tests/archive", sv_admin_tests_archive,    SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_PUT,    "/api/admin/tests/{id}",               sv_admin_test_update,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_DELETE, "/api/admin/tests/{id}",               sv_admin_test_delete,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/tests/{id}/input",         sv_admin_test_input,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_GET,    "/api/admin/tests/{id}/answer",        sv_admin_test_answer,      SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_GET,    "/api/admin/submissions",              sv_admin_submissions_list, SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_GET,    "/api/admin/submissions/{id}",         sv_admin_submission_get,   SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/rejudge",                  sv_admin_rejudge,          SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/users",                    sv_admin_users_list,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/users",                    sv_admin_user_create,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_PUT,    "/api/admin/users/{id}",               sv_admin_user_update,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_POST,   "/api/admin/users/import",             sv_admin_users_import,     SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/teams",                    sv_admin_teams_list,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/teams",                    sv_admin_team_create,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_PUT,    "/api/admin/teams/{id}",               sv_admin_team_update,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_DELETE, "/api/admin/teams/{id}",               sv_admin_team_delete,      SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* tasks pages (solveit_admin_assets.c): the statement's preview and images */
    {M_POST,   "/api/admin/preview",                  sv_admin_preview,          SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/tasks/{id}/assets",        sv_admin_assets_list,      SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/tasks/{id}/assets",        sv_admin_asset_upload,     SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_DELETE, "/api/admin/tasks/{id}/assets/{name}", sv_admin_asset_delete,     SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* The tests page's self-check (solveit_admin_selfcheck.c). */
    {M_GET,    "/api/admin/tasks/{id}/self-check",    sv_admin_selfcheck_get,    SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/tasks/{id}/self-check",    sv_admin_selfcheck_run,    SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/audit",                    sv_admin_audit_list,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    /* Issue 12's grades: best score per task; assignments and deadlines come with issue 13. */
    {M_GET,    "/api/admin/grades.csv",               sv_admin_grades_csv,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    /* People and grades pages: per-task statistics (solveit_admin_stats.c). */
    {M_GET,    "/api/admin/statistics",               sv_admin_statistics,       SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    /* Site settings (sql/024): the leaderboard's visibility, and later ones. */
    {M_GET,    "/api/admin/settings",                 sv_admin_settings_get,     SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_PUT,    "/api/admin/settings",                 sv_admin_settings_put,     SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* Issue 13: assignments (solveit_assignments.c, sql/030). */
    {M_GET,    "/api/assignments",                    sv_api_assignments,        SV_ACCESS_USER,  0,             SV_BODY_NONE},
    {M_GET,    "/api/admin/assignments",              sv_admin_assignments_list, SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/assignments",              sv_admin_assignment_create, SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/assignments/{id}",         sv_admin_assignment_get,   SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_PUT,    "/api/admin/assignments/{id}",         sv_admin_assignment_update, SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_DELETE, "/api/admin/assignments/{id}",         sv_admin_assignment_delete, SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* Contests (solveit_scoreboard.c): the ICPC board, students' (frozen) or staff's (live); unfreezing. */
    {M_GET,    "/api/assignments/{id}/scoreboard",    sv_api_scoreboard,         SV_ACCESS_USER,  0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/assignments/{id}/unfreeze", sv_admin_contest_unfreeze, SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* Clarifications (solveit_clarifications.c): the handlers read their JSON bodies, so CSRF comes as a header. */
    {M_GET,    "/api/clarifications",                 sv_clarifications_list,          SV_ACCESS_USER,  0,             SV_BODY_NONE},
    {M_POST,   "/api/clarifications",                 sv_clarification_ask,            SV_ACCESS_USER,  SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_GET,    "/api/admin/clarifications",           sv_admin_clarifications_list,    SV_ACCESS_STAFF, 0,             SV_BODY_NONE},
    {M_POST,   "/api/admin/clarifications",           sv_admin_clarification_announce, SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    {M_PUT,    "/api/admin/clarifications/{id}",      sv_admin_clarification_answer,   SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_NONE},
    /* Issue 15: Prometheus metrics (solveit_metrics.c); the handler admits staff or SolveitMetricsAllow. */
    {M_GET,    "/api/metrics",                        sv_metrics_handler,        SV_ACCESS_PUBLIC, 0,            SV_BODY_NONE},
};
// clang-format on
const apr_size_t solveit_route_count = sizeof(solveit_routes) / sizeof(solveit_routes[0]);

/* Whether path fits pattern; an "{id}" segment is stored in *id. Ids have at most 15 digits, as
 * everywhere in the API. A "{name}" segment (the last) is any non-empty one: its handler reads
 * and checks it. */
static int path_match(const char *pattern, const char *path, apr_int64_t *id)
{
	while (*pattern) {
		if (!strcmp(pattern, "{name}"))
			return *path && !strchr(path, '/');
		if (!strncmp(pattern, "{id}", 4)) {
			apr_size_t n = strcspn(path, "/");
			char digits[16];

			if (n == 0 || n >= sizeof(digits))
				return 0;
			memcpy(digits, path, n);
			digits[n] = '\0';
			if ((*id = sv_parse_id(digits)) <= 0)
				return 0;
			path += n;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/* The Allow header for a path that some rows match, in a fixed method order. */
static const char *allow_header(apr_pool_t *p, unsigned methods)
{
	static const struct {
		int method;
		const char *names;
	} order[] = {{M_GET, "GET, HEAD"}, {M_POST, "POST"}, {M_PUT, "PUT"}, {M_DELETE, "DELETE"}};
	const char *allow = NULL;

	for (apr_size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (methods & (1u << order[i].method))
			allow = allow ? apr_pstrcat(p, allow, ", ", order[i].names, NULL) : order[i].names;
	return allow;
}

static apr_size_t body_limit(const sv_ctx *ctx, sv_body body)
{
	/* Room for JSON escapes (up to 6 bytes per byte of code) and the other fields. */
	if (body == SV_BODY_SOURCE)
		return (apr_size_t)sv_cfg_max_source(ctx->cfg) * 6 + 65536;
	/* The multipart headers and small fields (the CSRF token, a slug) around the file. */
	if (body == SV_BODY_PACKAGE)
		return (apr_size_t)sv_cfg_max_package(ctx->cfg) + 65536;
	return SV_FORM_BODY_LIMIT;
}

/* The row's conditions, in the order a client would fix them; 0 when the handler may run. */
static int admit(sv_ctx *ctx, const sv_route *route)
{
	request_rec *r = ctx->r;
	const char *err;
	int rc;

	if (route->method != M_GET && (rc = sv_origin_check(r, &err)) != 0)
		return sv_send_error(r, rc, "%s", err);
	if ((route->flags & SV_ROUTE_BUILTIN) && sv_cfg_auth_mode(ctx->cfg) == SV_AUTH_EXTERNAL)
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "this server uses external authentication (SolveitAuth external): log in through "
				     "the web server");
	/* The session (from the cache, mostly) before the body: the pooled connection is taken only
	 * once the body is read and checked, so that a slow client does not hold one. */
	if (route->access != SV_ACCESS_PUBLIC && !sv_ctx_user(ctx))
		return sv_ctx_fail(ctx);
	if (route->access == SV_ACCESS_STAFF && !ctx->sess->staff)
		return sv_send_error(r, HTTP_FORBIDDEN, "staff only");
	if (route->body != SV_BODY_NONE && (rc = sv_input_read(r, body_limit(ctx, route->body), &ctx->in, &err)) != 0) {
		if (rc == HTTP_REQUEST_ENTITY_TOO_LARGE && route->body == SV_BODY_PACKAGE)
			return sv_send_error(
			    r, rc, "the package is larger than %" APR_OFF_T_FMT " bytes (" SV_DIR_MAX_PACKAGE ")",
			    sv_cfg_max_package(ctx->cfg));
		return sv_send_error(r, rc, "%s", err);
	}
	if ((route->flags & SV_ROUTE_CSRF) && (rc = sv_csrf_check(r, ctx->sess, &ctx->in, &err)) != 0)
		return sv_send_error(r, rc, "%s", err);
	return DECLINED;
}

int sv_route_dispatch(sv_ctx *ctx, const sv_route *routes, apr_size_t n)
{
	request_rec *r = ctx->r;
	unsigned methods = 0;
	int rc;

	for (apr_size_t i = 0; i < n; i++) {
		apr_int64_t id = 0;

		if (!path_match(routes[i].pattern, ctx->path, &id))
			continue;
		if (routes[i].method != r->method_number) {
			methods |= 1u << routes[i].method;
			continue;
		}
		ctx->route = &routes[i];
		sv_metrics_note_route(r, &routes[i]);
		ctx->id = id;
		if ((rc = admit(ctx, &routes[i])) != DECLINED)
			return rc;
		return routes[i].handler(ctx);
	}
	if (!methods)
		return sv_send_error(r, HTTP_NOT_FOUND, "no such API endpoint: %s", ctx->path);
	apr_table_setn(r->err_headers_out, "Allow", allow_header(r->pool, methods));
	return sv_send_error(r, HTTP_METHOD_NOT_ALLOWED, "method %s not allowed here (allowed: %s)", r->method,
			     allow_header(r->pool, methods));
}

/* The part of the URI below the base path ("/api/..."), or NULL when not ours. The module owns
 * only <base>/api/; the pages under the base path are static files (htdocs/) served by httpd. */
static const char *below_base(request_rec *r)
{
	const char *base = sv_cfg_base_path(solveit_config_get(r->server));
	apr_size_t n = strlen(base);

	if (!r->uri || strncmp(r->uri, base, n) != 0 || strncmp(r->uri + n, "/api/", 5) != 0)
		return NULL;
	return r->uri + n;
}

int solveit_translate(request_rec *r)
{
	/* Nothing under <base>/api/ is a file: skip the filesystem mapping (and its stat calls),
	 * as mod_proxy does. <Location> sections, and so external authentication, still apply. */
	if (!below_base(r))
		return DECLINED;
	r->filename = apr_pstrcat(r->pool, "solveit:", r->uri, NULL);
	return OK;
}

int solveit_map_to_storage(request_rec *r)
{
	return r->filename && !strncmp(r->filename, "solveit:", 8) ? OK : DECLINED;
}

int solveit_handler(request_rec *r)
{
	const char *path;
	sv_ctx ctx;

	if (!r->filename || strncmp(r->filename, "solveit:", 8) != 0 || !(path = below_base(r)))
		return DECLINED;
	sv_ctx_init(&ctx, r, path);
	return sv_route_dispatch(&ctx, solveit_routes, solveit_route_count);
}

void solveit_insert_error_filter(request_rec *r)
{
	/* Only httpd's own error pages come this way: the module answers its errors itself. */
	if (below_base(r))
		ap_add_output_filter(SV_JSON_ERROR_FILTER, NULL, r, r->connection);
}
