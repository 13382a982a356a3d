#include "solveit_runs.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_kafka.h"
#include "solveit_submit.h"
#include "sv_run.h"

APLOG_USE_MODULE(solveit);

/* Runs per user per minute (the contract's number, staff included). */
#define RUN_RATE 10

static int rate_limited(request_rec *r, apr_int64_t wait)
{
	cJSON *body = cJSON_CreateObject();

	if (wait < 1)
		wait = 1;
	apr_table_setn(r->err_headers_out, "Retry-After", apr_psprintf(r->pool, "%" APR_INT64_T_FMT, wait));
	cJSON_AddStringToObject(
	    body, "error",
	    apr_psprintf(r->pool, "You can run on the samples %d times a minute. Try again in %" APR_INT64_T_FMT " %s.",
			 RUN_RATE, wait, wait == 1 ? "second" : "seconds"));
	cJSON_AddNumberToObject(body, "retry_after", (double)wait);
	return sv_send_json(r, HTTP_TOO_MANY_REQUESTS, body);
}

int sv_runs_create(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	sv_session *sess = ctx->sess; /* the router saw to it */
	const char *err, *outcome, *code;
	apr_size_t code_len;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	sv_run_msg msg;
	int language_id, rc;
	char *payload;
	cJSON *body;

	if ((rc = sv_submit_check_source(ctx, &ctx->in, &language_id, &code, &code_len, &err)) != 0)
		return sv_send_error(r, rc, "%s", err);
	if (!sv_ctx_db(ctx))
		return sv_ctx_fail(ctx);
	if (sv_db_select(&ctx->db, SV_SQL_RUN_CREATE, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sess->user_id),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, ctx->id), apr_pstrmemdup(r->pool, code, code_len),
			 apr_itoa(r->pool, language_id), apr_itoa(r->pool, RUN_RATE)) < 0 ||
	    !(row = sv_db_row(&ctx->db, res, 1)) || !(outcome = sv_db_get(&ctx->db, row, 0)))
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!strcmp(outcome, "no_task"))
		return sv_send_error(r, HTTP_NOT_FOUND, "task %" APR_INT64_T_FMT " does not exist", ctx->id);
	if (!strcmp(outcome, "no_samples"))
		return sv_send_error(r, HTTP_BAD_REQUEST, "This task has no sample tests to run on.");
	if (!strcmp(outcome, "rate_limited"))
		return rate_limited(r, sv_db_get_ll(&ctx->db, row, 4));
	memset(&msg, 0, sizeof(msg));
	msg.run_id = sv_db_get_ll(&ctx->db, row, 1);
	msg.token = sv_db_get(&ctx->db, row, 2);
	msg.task_revision = (int)sv_db_get_ll(&ctx->db, row, 3);
	msg.task_id = ctx->id;
	msg.user_id = sess->user_id;
	msg.code = code;
	msg.code_len = code_len;
	msg.language_id = language_id;
	payload = sv_run_msg_build(&msg);
	rc = payload ? solveit_kafka_send_run(r, msg.run_id, payload, strlen(payload)) : -1;
	free(payload);
	/* The stored run reads as failed once stale (solveit_db.c, RUN_STALE); the client hears now. */
	if (rc < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "The judge cannot take runs right now. Please try again in a minute.");
	apr_table_setn(r->headers_out, "Location",
		       apr_psprintf(r->pool, "%s/api/runs/%" APR_INT64_T_FMT, sv_cfg_base_path(ctx->cfg),
				    (apr_int64_t)msg.run_id));
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "id", (double)msg.run_id);
	cJSON_AddStringToObject(body, "status", "pending");
	return sv_send_json(r, HTTP_ACCEPTED, body);
}

int sv_runs_get(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *verdict, *tests;
	cJSON *body, *array;
	sv_db *db;

	if (!sv_ctx_user_db(ctx))
		return sv_ctx_fail(ctx);
	db = &ctx->db;
	if (sv_db_select(db, SV_SQL_RUN_GET, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, ctx->id),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, ctx->sess->user_id)) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!(row = sv_db_row(db, res, 1)))
		return sv_send_error(r, HTTP_NOT_FOUND, "run %" APR_INT64_T_FMT " does not exist", ctx->id);
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "id", (double)sv_db_get_ll(db, row, 0));
	cJSON_AddNumberToObject(body, "task_id", (double)sv_db_get_ll(db, row, 1));
	cJSON_AddNumberToObject(body, "language_id", (double)sv_db_get_ll(db, row, 2));
	cJSON_AddStringToObject(body, "status", sv_db_get(db, row, 3));
	verdict = sv_db_get(db, row, 4);
	if (verdict && *verdict)
		cJSON_AddStringToObject(body, "verdict", verdict);
	else
		cJSON_AddNullToObject(body, "verdict");
	cJSON_AddStringToObject(body, "compiler_output", sv_db_get(db, row, 5) ? sv_db_get(db, row, 5) : "");
	cJSON_AddStringToObject(body, "error_message", sv_db_get(db, row, 6) ? sv_db_get(db, row, 6) : "");
	tests = sv_db_get(db, row, 7);
	array = tests ? cJSON_Parse(tests) : NULL;
	if (!cJSON_IsArray(array)) {
		cJSON_Delete(array);
		array = cJSON_CreateArray();
	}
	cJSON_AddItemToObject(body, "tests", array);
	return sv_send_json(r, HTTP_OK, body);
}
