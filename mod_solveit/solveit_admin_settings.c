#include "solveit_admin.h"

#include "http_protocol.h"

#include "solveit_http.h"
#include "solveit_leaderboard.h"

/* A settings body is a handful of short values. */
#define SETTINGS_BODY_LIMIT (64 * 1024)

int sv_admin_settings_get(sv_ctx *ctx)
{
	return sv_admin_send_row(ctx, "no settings (sql/024_settings.sql not applied?)", SV_ADM_SETTINGS_GET);
}

/* The keys and values are the database's to check (sql/024: the known settings and their kinds
 * live there, one row each), so a new setting needs no change here. */
int sv_admin_settings_put(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	int rc;

	if (sv_admin_read_body(ctx, SETTINGS_BODY_LIMIT) != 0)
		return OK;
	if (!cJSON_IsObject(ctx->in.json))
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "send a JSON object of settings (Content-Type: application/json), e.g. "
				     "{\"leaderboard_visibility\": \"anonymised\"}");
	rc = sv_admin_send_call(ctx, SV_ADM_SETTINGS_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx),
				sv_admin_json_text(r, ctx->in.json));
	/* Every child reads the settings again on its next request (sv_leaderboard_visibility). */
	if (r->status == HTTP_OK)
		sv_leaderboard_setting_changed(r);
	return rc;
}
