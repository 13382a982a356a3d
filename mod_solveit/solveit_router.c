#include "solveit_router.h"

#include <string.h>

#include "apr_strings.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#include "solveit_api.h"
#include "solveit_auth.h"
#include "solveit_leaderboard.h"
#include "solveit_submit.h"

APLOG_USE_MODULE(solveit);

sv_db *sv_ctx_db(sv_ctx *ctx)
{
	if (ctx->db_state == 0)
		ctx->db_state = sv_db_acquire(ctx->r, &ctx->db) == 0 ? 1 : -1;
	if (ctx->db_state < 0) {
		ctx->fail_status = HTTP_SERVICE_UNAVAILABLE;
		ctx->fail_message = "database unavailable";
		return NULL;
	}
	return &ctx->db;
}

sv_session *sv_ctx_user(sv_ctx *ctx)
{
	if (ctx->user_loaded)
		return ctx->sess;
	ctx->user_loaded = 1;
	if (sv_cfg_auth_mode(ctx->cfg) == SV_AUTH_EXTERNAL) {
		ctx->sess = sv_auth_external(ctx);
		return ctx->sess;
	}
	/* Most requests end here, without a database connection. */
	if (sv_session_cached(ctx->r, &ctx->sess))
		return ctx->sess;
	if (!sv_ctx_db(ctx))
		return NULL;
	if (sv_session_load(ctx->r, &ctx->db, &ctx->sess) < 0) {
		ctx->fail_status = HTTP_SERVICE_UNAVAILABLE;
		ctx->fail_message = "database unavailable";
		return NULL;
	}
	if (!ctx->sess) {
		/* A token we do not know (expired, logged out) is dropped from the browser too. */
		if (sv_session_cookie(ctx->r))
			sv_session_clear_cookie(ctx->r);
		ctx->fail_status = HTTP_UNAUTHORIZED;
		ctx->fail_message = "not logged in";
	}
	return ctx->sess;
}

sv_session *sv_ctx_user_db(sv_ctx *ctx)
{
	sv_session *sess = sv_ctx_user(ctx);

	return sess && sv_ctx_db(ctx) ? sess : NULL;
}

int sv_ctx_fail(sv_ctx *ctx)
{
	return sv_send_error(ctx->r, ctx->fail_status ? ctx->fail_status : HTTP_INTERNAL_SERVER_ERROR, "%s",
			     ctx->fail_message ? ctx->fail_message : "internal error");
}

/* The part of the URI below the base path ("/api/..."), or NULL when not ours. The module owns
 * only <base>/api/; the pages under the base path are static files (htdocs/) served by httpd. */
static const char *below_base(request_rec *r)
{
	solveit_config *c = solveit_config_get(r->server);
	const char *base = sv_cfg_base_path(c);
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

static int method_not_allowed(request_rec *r, const char *allow)
{
	apr_table_setn(r->err_headers_out, "Allow", allow);
	return sv_send_error(r, HTTP_METHOD_NOT_ALLOWED, "method %s not allowed here (allowed: %s)", r->method, allow);
}

/* The id that ends path after prefix (e.g. "/api/tasks/" + "12"), or 0. */
static apr_int64_t tail_id(const char *path, const char *prefix)
{
	apr_size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return 0;
	return sv_parse_id(path + n);
}

static int route_post(sv_ctx *ctx)
{
	const char *p = ctx->path, *err;
	int rc;

	if (strcmp(p, "/api/login") && strcmp(p, "/api/logout") && strcmp(p, "/api/register") &&
	    strcmp(p, "/api/password") && strcmp(p, "/api/submissions"))
		return DECLINED;
	/* Every state-changing request: the Origin check first, then (in the handlers, for
	 * authenticated ones) the session's CSRF token. */
	if ((rc = sv_origin_check(ctx->r, &err)) != 0)
		return sv_send_error(ctx->r, rc, "%s", err);
	if (!strcmp(p, "/api/login"))
		return sv_auth_login(ctx);
	if (!strcmp(p, "/api/logout"))
		return sv_auth_logout(ctx);
	if (!strcmp(p, "/api/register"))
		return sv_auth_register(ctx);
	if (!strcmp(p, "/api/password"))
		return sv_auth_password(ctx);
	return sv_submit(ctx);
}

static int route_get(sv_ctx *ctx)
{
	const char *p = ctx->path;
	apr_int64_t id;

	if (!strcmp(p, "/api/health"))
		return sv_api_health(ctx);
	if (!strcmp(p, "/api/me"))
		return sv_auth_me(ctx);
	if (!strcmp(p, "/api/languages"))
		return sv_api_languages(ctx);
	if (!strcmp(p, "/api/leaderboard"))
		return sv_api_leaderboard(ctx);
	if (!strcmp(p, "/api/tasks"))
		return sv_api_tasks(ctx);
	if ((id = tail_id(p, "/api/tasks/")) > 0)
		return sv_api_task(ctx, id);
	if (!strcmp(p, "/api/submissions"))
		return sv_api_submissions(ctx);
	if ((id = tail_id(p, "/api/submissions/")) > 0)
		return sv_api_submission(ctx, id);
	return DECLINED;
}

static const char *allowed_methods(const char *p)
{
	if (!strcmp(p, "/api/login") || !strcmp(p, "/api/logout") || !strcmp(p, "/api/register") ||
	    !strcmp(p, "/api/password"))
		return "POST";
	if (!strcmp(p, "/api/submissions"))
		return "GET, HEAD, POST";
	return "GET, HEAD";
}

int solveit_handler(request_rec *r)
{
	sv_ctx ctx;
	int rc;

	if (!r->filename || strncmp(r->filename, "solveit:", 8) != 0)
		return DECLINED;
	memset(&ctx, 0, sizeof(ctx));
	ctx.r = r;
	ctx.cfg = solveit_config_get(r->server);
	ctx.path = below_base(r);
	if (!ctx.path)
		return DECLINED;
	if (r->method_number == M_GET)
		rc = route_get(&ctx);
	else if (r->method_number == M_POST)
		rc = route_post(&ctx);
	else
		rc = DECLINED;
	if (rc != DECLINED)
		return rc;
	/* Known path, wrong method: 405; unknown path: a JSON 404 for the API, httpd's page else. */
	if (!strncmp(ctx.path, "/api/", 5)) {
		static const char *const known[] = {
		    "/api/health", "/api/me",     "/api/languages", "/api/tasks",    "/api/submissions",
		    "/api/login",  "/api/logout", "/api/register",  "/api/password", "/api/leaderboard"};

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(ctx.path, known[i]))
				return method_not_allowed(r, allowed_methods(ctx.path));
		if (tail_id(ctx.path, "/api/tasks/") > 0 || tail_id(ctx.path, "/api/submissions/") > 0)
			return method_not_allowed(r, "GET, HEAD");
		return sv_send_error(r, HTTP_NOT_FOUND, "no such API endpoint: %s", ctx.path);
	}
	return HTTP_NOT_FOUND;
}
