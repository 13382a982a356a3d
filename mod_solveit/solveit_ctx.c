#include "solveit_ctx.h"

#include <string.h>

#include "http_protocol.h"

#include "solveit_auth.h"

static const char db_down[] = "database unavailable";

void sv_ctx_init(sv_ctx *ctx, request_rec *r, const char *path)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->r = r;
	ctx->cfg = solveit_config_get(r->server);
	ctx->path = path;
}

void *sv_ctx_failed(sv_ctx *ctx, int status, const char *message)
{
	ctx->fail_status = status;
	ctx->fail_message = message;
	return NULL;
}

sv_db *sv_ctx_db(sv_ctx *ctx)
{
	if (ctx->db_state == 0)
		ctx->db_state = sv_db_acquire(ctx->r, &ctx->db) == 0 ? 1 : -1;
	if (ctx->db_state < 0)
		return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, db_down);
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
	if (sv_session_load(ctx->r, &ctx->db, &ctx->sess) < 0)
		return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, db_down);
	if (!ctx->sess) {
		/* A token we do not know (expired, logged out) is dropped from the browser too. */
		if (sv_session_cookie(ctx->r))
			sv_session_clear_cookie(ctx->r);
		sv_ctx_failed(ctx, HTTP_UNAUTHORIZED, "not logged in");
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
