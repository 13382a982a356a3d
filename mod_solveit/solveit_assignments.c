#include "solveit_admin.h"

#include "apr_strings.h"
#include "http_protocol.h"

/* Issue 13's assignments (doc/courses-and-contests.md). The times, the rules between the fields and
 * the ids are the database's to check (sql/030's solveit_admin_assignment_save, one sentence naming
 * the field for each refusal); here only the JSON kinds. */

#define ID_MAX 999999999999999.0

// clang-format off
static const sv_admin_field assignment_fields[] = {
    {"title",          's', 0, 800, 0, NULL},
    {"position",       'i', -1000000000, 1000000000, 0, NULL},
    {"task_ids",       'a', 0, 0, 0, NULL},
    {"team_ids",       'a', 0, 0, 0, NULL},
    {"visible_to_all", 'b', 0, 0, 0, NULL},
    {"opens_at",       's', 0, 100, 0, NULL},
    {"due_at",         's', 0, 100, 0, NULL},
    {"closes_at",      's', 0, 100, 1, NULL},
    {"late_penalty",   'i', 0, 100, 0, NULL},
    {"contest",        'b', 0, 0, 0, NULL},
    {"freeze_at",      's', 0, 100, 1, NULL},
    {"unfrozen_at",    's', 0, 100, 1, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
// clang-format on

int sv_api_assignments(sv_ctx *ctx)
{
	sv_session *sess = sv_ctx_user_db(ctx);

	if (!sess)
		return sv_ctx_fail(ctx);
	return sv_admin_send_row(ctx, "no such user", SV_ADM_ASSIGNMENTS_STUDENT, sv_admin_id_text(ctx, sess->user_id));
}

int sv_admin_assignments_list(sv_ctx *ctx)
{
	return sv_admin_send_row(ctx, "no assignments", SV_ADM_ASSIGNMENTS_LIST);
}

int sv_admin_assignment_get(sv_ctx *ctx)
{
	return sv_admin_send_row(ctx,
				 apr_psprintf(ctx->r->pool, "Assignment %" APR_INT64_T_FMT " does not exist.", ctx->id),
				 SV_ADM_ASSIGNMENT_GET, sv_admin_id_text(ctx, ctx->id));
}

/* The problem with an id list (task_ids, team_ids): every member a positive integer id. */
static const char *id_list_problem(sv_ctx *ctx, const cJSON *body, const char *name, const char *what)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, name), *item;

	cJSON_ArrayForEach(item, list)
	{
		if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > ID_MAX ||
		    item->valuedouble != (double)(apr_int64_t)item->valuedouble)
			return apr_psprintf(ctx->r->pool, "%s must be a list of %s ids (positive integers).", name,
					    what);
	}
	return NULL;
}

static int save_assignment(sv_ctx *ctx, const char *id)
{
	cJSON *body = sv_admin_json_body(ctx, SV_ADMIN_FORM_LIMIT, assignment_fields, NULL);
	const char *problem;

	if (!body)
		return OK;
	if ((problem = id_list_problem(ctx, body, "task_ids", "task")) != NULL ||
	    (problem = id_list_problem(ctx, body, "team_ids", "team")) != NULL)
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "%s", problem);
	return sv_admin_send_call(ctx, SV_ADM_ASSIGNMENT_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx), id,
				  sv_admin_json_text(ctx->r, body), "false");
}

int sv_admin_assignment_create(sv_ctx *ctx)
{
	return save_assignment(ctx, NULL);
}

int sv_admin_assignment_update(sv_ctx *ctx)
{
	return save_assignment(ctx, sv_admin_id_text(ctx, ctx->id));
}

/* Its tasks stay, in no assignment (their submissions lose their late marks). */
int sv_admin_assignment_delete(sv_ctx *ctx)
{
	return sv_admin_send_call(ctx, SV_ADM_ASSIGNMENT_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id), "{}", "true");
}
