#include "solveit_clarifications.h"

#include <stdlib.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "solveit_admin.h"

/* Room for an answer of 10000 characters written as JSON escapes, and the other fields. */
#define CLARIFICATION_BODY_LIMIT (256 * 1024)
#define ID_MAX                   APR_INT64_C(999999999999999)

/* The lengths are the database's to check (in characters, with a sentence the pages show). */
// clang-format off
static const sv_admin_field question_fields[] = {
    {"task_id",       'i', 1, 999999999999999.0, 1, NULL},
    {"assignment_id", 'i', 1, 999999999999999.0, 1, NULL},
    {"question",      's', 0, 0, 1, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
static const sv_admin_field announcement_fields[] = {
    {"task_id",       'i', 1, 999999999999999.0, 1, NULL},
    {"assignment_id", 'i', 1, 999999999999999.0, 1, NULL},
    {"answer",        's', 0, 0, 1, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
static const sv_admin_field answer_fields[] = {
    {"answer", 's', 0, 0, 1, NULL},
    {"public", 'b', 0, 0, 1, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
// clang-format on

/* A member of a checked body as a statement argument: NULL when absent or null. */
static const char *member_text(sv_ctx *ctx, const cJSON *body, const char *name)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);

	if (cJSON_IsString(item))
		return item->valuestring;
	if (cJSON_IsNumber(item))
		return sv_admin_id_text(ctx, (apr_int64_t)item->valuedouble);
	if (cJSON_IsBool(item))
		return cJSON_IsTrue(item) ? "true" : "false";
	return NULL;
}

/* The task_id and assignment_id of the query as statement arguments; -1 after sending the 400 of
 * a malformed one. */
static int subject_args(sv_ctx *ctx, const char **task, const char **assignment)
{
	apr_int64_t t, a;

	if ((t = sv_admin_int_arg(ctx, "task_id", 0, ID_MAX)) < 0 ||
	    (a = sv_admin_int_arg(ctx, "assignment_id", 0, ID_MAX)) < 0)
		return -1;
	*task = t ? sv_admin_id_text(ctx, t) : NULL;
	*assignment = a ? sv_admin_id_text(ctx, a) : NULL;
	return 0;
}

int sv_clarifications_list(sv_ctx *ctx)
{
	const char *task, *assignment;

	if (subject_args(ctx, &task, &assignment) < 0)
		return OK;
	return sv_admin_send_call(ctx, SV_ADM_CLARIFICATIONS, sv_admin_actor(ctx), task, assignment);
}

/* The asking limit's 429 tells when to come back in Retry-After as well as in its body. */
int sv_clarification_ask(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	cJSON *body = sv_admin_json_body(ctx, CLARIFICATION_BODY_LIMIT, question_fields, NULL), *answer;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const cJSON *wait;
	int status;

	if (!body)
		return OK;
	if (sv_admin_select(ctx, SV_ADM_CLARIFICATION_ASK, &res, sv_admin_actor(ctx), member_text(ctx, body, "task_id"),
			    member_text(ctx, body, "assignment_id"), member_text(ctx, body, "question")) < 0 ||
	    !(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	status = (int)sv_db_get_ll(&ctx->db, row, 0);
	if (!(answer = cJSON_Parse(sv_db_get(&ctx->db, row, 1))))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "the database answered no JSON");
	wait = cJSON_GetObjectItemCaseSensitive(answer, "retry_after");
	if (status == HTTP_TOO_MANY_REQUESTS && cJSON_IsNumber(wait))
		apr_table_setn(r->err_headers_out, "Retry-After", apr_psprintf(r->pool, "%d", wait->valueint));
	return sv_send_json(r, status, answer);
}

int sv_admin_clarifications_list(sv_ctx *ctx)
{
	const char *task, *assignment;

	if (subject_args(ctx, &task, &assignment) < 0)
		return OK;
	return sv_admin_send_call(ctx, SV_ADM_CLARIFICATIONS_STAFF, sv_admin_arg(ctx, "status"), task, assignment);
}

int sv_admin_clarification_announce(sv_ctx *ctx)
{
	cJSON *body = sv_admin_json_body(ctx, CLARIFICATION_BODY_LIMIT, announcement_fields, NULL);

	if (!body)
		return OK;
	return sv_admin_send_call(ctx, SV_ADM_CLARIFICATION_ANNOUNCE, sv_admin_actor(ctx), sv_admin_action(ctx),
				  member_text(ctx, body, "task_id"), member_text(ctx, body, "assignment_id"),
				  member_text(ctx, body, "answer"));
}

int sv_admin_clarification_answer(sv_ctx *ctx)
{
	cJSON *body = sv_admin_json_body(ctx, CLARIFICATION_BODY_LIMIT, answer_fields, NULL);

	if (!body)
		return OK;
	return sv_admin_send_call(ctx, SV_ADM_CLARIFICATION_ANSWER, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id), member_text(ctx, body, "answer"),
				  member_text(ctx, body, "public"));
}

void sv_clarifications_add_unanswered(sv_ctx *ctx, cJSON *body)
{
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;

	if (sv_ctx_db(ctx) && sv_db_select(&ctx->db, SV_SQL_CLARIFICATIONS_UNANSWERED, &res) == 0 &&
	    (row = sv_db_row(&ctx->db, res, 1)))
		cJSON_AddNumberToObject(body, "unanswered_clarifications", (double)sv_db_get_ll(&ctx->db, row, 0));
}
