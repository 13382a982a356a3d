#include "solveit_scoreboard.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_admin.h"
#include "solveit_leaderboard.h"
#include "solveit_redis.h"
#include "solveit_text.h"

APLOG_USE_MODULE(solveit);

/* One key per contest and view: "scoreboard:v1:<id>:staff" (live) and ":students". */
static const char *view_key(apr_pool_t *p, apr_int64_t id, int staff)
{
	return apr_psprintf(p, "scoreboard:v1:%" APR_INT64_T_FMT ":%s", id, staff ? "staff" : "students");
}

typedef struct {
	const char *id;
	int staff;
} view_arg;

/* The view's JSON (sql/031's solveit_scoreboard_view), or NULL after logging. */
static const char *compute_view(sv_ctx *ctx, void *arg)
{
	const view_arg *v = arg;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *json;

	if (sv_admin_select(ctx, SV_ADM_SCOREBOARD, &res, v->id, v->staff ? "true" : "false") < 0)
		return NULL;
	if (!(row = sv_db_row(&ctx->db, res, 1)) || !(json = sv_db_get(&ctx->db, row, 0))) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, "solveit: scoreboard query: no row");
		return NULL;
	}
	return json;
}

/* Whether a student of team (0: none) may see the board: the contest is for everyone or for
 * their team, and it has opened. */
static int student_sees(const cJSON *body, apr_int64_t team)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "assignment"), *id;
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "state"));

	if (!state || !strcmp(state, "upcoming"))
		return 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "visible_to_all")))
		return 1;
	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(body, "team_ids"))
	{
		if (team > 0 && cJSON_IsNumber(id) && (apr_int64_t)id->valuedouble == team)
			return 1;
	}
	return 0;
}

/* Marks the caller's row, and only it (whatever the cached body says). */
static void mark_you(cJSON *body, apr_int64_t user)
{
	cJSON *row;

	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(body, "rows"))
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "user_id");

		cJSON_DeleteItemFromObjectCaseSensitive(row, "you");
		cJSON_AddBoolToObject(row, "you", cJSON_IsNumber(id) && (apr_int64_t)id->valuedouble == user);
	}
}

/* Prints body into the pool; NULL when cJSON cannot. */
static const char *print(request_rec *r, const cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);
	const char *out;

	if (!text)
		return NULL;
	out = apr_pstrdup(r->pool, text);
	free(text);
	return out;
}

/* Sends body tagged by its content without "now" (which changes every second). */
static int send_board(request_rec *r, cJSON *body)
{
	cJSON *now = cJSON_DetachItemFromObjectCaseSensitive(body, "now");
	const char *stable = print(r, body), *json;

	if (now)
		cJSON_AddItemToObject(body, "now", now);
	if (!stable || !(json = print(r, body)))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "the scoreboard cannot be written out");
	return sv_send_cached_json(r, sv_json_etag(r->pool, stable, strlen(stable)), json);
}

int sv_api_scoreboard(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const sv_session *sess = ctx->sess;
	view_arg v = {apr_psprintf(r->pool, "%" APR_INT64_T_FMT, ctx->id), sess->staff};
	const char *key = view_key(r->pool, ctx->id, v.staff), *etag, *json;
	sv_redis *c = sv_redis_acquire(r);
	cJSON *body;

	if (sv_cached_json(ctx, c, key, c ? sv_cache_get(r, c, key) : NULL, compute_view, &v, &etag, &json) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "The scoreboard cannot be shown now (database unavailable).");
	body = sv_json_own(r, cJSON_Parse(json));
	if (!cJSON_IsObject(body))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "the scoreboard is no JSON object");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "none")) ||
	    (!sess->staff && !student_sees(body, sess->team_id)))
		return sv_send_error(r, HTTP_NOT_FOUND, "There is no contest %" APR_INT64_T_FMT " open to you.",
				     ctx->id);
	cJSON_DeleteItemFromObjectCaseSensitive(body, "visible_to_all");
	cJSON_DeleteItemFromObjectCaseSensitive(body, "team_ids");
	mark_you(body, sess->user_id);
	return send_board(r, body);
}

int sv_admin_contest_unfreeze(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	int rc = sv_admin_send_call(ctx, SV_ADM_CONTEST_UNFREEZE, sv_admin_actor(ctx), sv_admin_action(ctx),
				    sv_admin_id_text(ctx, ctx->id));
	sv_redis *c = sv_redis_acquire(r);
	redisReply *reply;

	/* Students get the revealed board at once rather than after the cached frozen one expires. */
	if (c && (reply = sv_redis_command(c, "DEL %s", sv_redis_key(r, view_key(r->pool, ctx->id, 0)))))
		freeReplyObject(reply);
	return rc;
}
