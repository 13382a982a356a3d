#include "solveit_submit.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_kafka.h"
#include "solveit_metrics.h"
#include "solveit_text.h"
#include "sv_message.h"

APLOG_USE_MODULE(solveit);

#define KEY_MAX 128

/* What a submission request carries, validated. */
typedef struct {
	apr_int64_t task_id;
	int language_id;
	const char *code;
	apr_size_t code_len;
	const char *key; /* idempotency key or NULL */
} submission_form;

static int idempotency_key_valid(const char *key)
{
	apr_size_t len = strlen(key);

	if (len < 1 || len > KEY_MAX)
		return 0;
	for (apr_size_t i = 0; i < len; i++)
		if (key[i] < 0x21 || key[i] > 0x7e)
			return 0;
	return 1;
}

/* The enabled language whose id is exactly text (no leading zeros, no wrapping into int), or 0. */
static int enabled_language(const solveit_config *cfg, const char *text)
{
	int n;
	const int *ids = sv_cfg_languages(cfg, &n);
	char digits[16];

	for (int i = 0; i < n; i++) {
		apr_snprintf(digits, sizeof(digits), "%d", ids[i]);
		if (!strcmp(digits, text))
			return ids[i];
	}
	return 0;
}

int sv_submit_check_source(sv_ctx *ctx, const sv_input *in, int *language_id, const char **code, apr_size_t *code_len,
			   const char **err)
{
	request_rec *r = ctx->r;
	const char *lang = sv_input_get(r, in, "language_id", NULL, NULL);
	apr_off_t limit = sv_cfg_max_source(ctx->cfg);
	const char *filename;
	apr_size_t len = 0;

	*err = NULL;
	if (!lang || sv_parse_id(lang) <= 0)
		*err = "language_id must be a positive integer";
	else if (!(*language_id = enabled_language(ctx->cfg, lang)))
		*err = apr_psprintf(r->pool, "language %s is not enabled on this server", lang);
	if (*err)
		return HTTP_BAD_REQUEST;
	*code = sv_input_get(r, in, "code", &len, &filename);
	/* A browser form sends an empty file part when no file was chosen: then the text field wins. */
	if ((!*code || len == 0) && in->fields) {
		const char *file = sv_input_get(r, in, "code_file", &len, &filename);

		if (file && len > 0)
			*code = file;
	}
	*code_len = len;
	if (*code && (apr_off_t)len > limit) {
		*err = apr_psprintf(r->pool, "code is larger than the limit of %" APR_OFF_T_FMT " bytes", limit);
		return HTTP_REQUEST_ENTITY_TOO_LARGE;
	}
	if (!*code)
		*err = "code is required (a code field or an uploaded file)";
	else if (len == 0 || strspn(*code, " \t\r\n") == len)
		*err = "code is empty";
	else if (memchr(*code, '\0', len))
		*err = "code contains a NUL byte";
	else if (!sv_utf8_valid(*code, len))
		*err = "code is not valid UTF-8";
	return *err ? HTTP_BAD_REQUEST : 0;
}

/* The checks that need no database: 0, or an HTTP status with the client's message in *err. */
static int validate_form(sv_ctx *ctx, const sv_input *in, submission_form *f, const char **err)
{
	request_rec *r = ctx->r;
	const char *task = sv_input_get(r, in, "task_id", NULL, NULL);
	int rc;

	*err = NULL;
	if (!task || (f->task_id = sv_parse_id(task)) <= 0) {
		*err = "task_id must be a positive integer";
		return HTTP_BAD_REQUEST;
	}
	if ((rc = sv_submit_check_source(ctx, in, &f->language_id, &f->code, &f->code_len, err)) != 0)
		return rc;
	f->key = sv_input_get(r, in, "idempotency_key", NULL, NULL);
	if (!f->key || !*f->key)
		f->key = apr_table_get(r->headers_in, "Idempotency-Key");
	if (f->key && !*f->key)
		f->key = NULL;
	if (f->key && !idempotency_key_valid(f->key)) {
		*err = "idempotency_key must be 1-128 printable ASCII characters";
		return HTTP_BAD_REQUEST;
	}
	return 0;
}

/* A late submission's answer says so, with the penalty its score will lose (late_penalty >= 0). */
static int accepted(sv_ctx *ctx, const sv_input *in, apr_int64_t id, const char *status, int late_penalty)
{
	request_rec *r = ctx->r;
	const char *base = sv_cfg_base_path(ctx->cfg);
	cJSON *body;

	if (sv_form_redirect(r, in))
		return sv_redirect(r, apr_psprintf(r->pool, "%s/submission.html?id=%" APR_INT64_T_FMT, base, id));
	apr_table_setn(r->headers_out, "Location",
		       apr_psprintf(r->pool, "%s/api/submissions/%" APR_INT64_T_FMT, base, id));
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "submission_id", (double)id);
	cJSON_AddStringToObject(body, "status", status);
	if (late_penalty >= 0) {
		cJSON_AddBoolToObject(body, "late", 1);
		cJSON_AddNumberToObject(body, "late_penalty", late_penalty);
	}
	return sv_send_json(r, HTTP_ACCEPTED, body);
}

/* 403 for a submission after its assignment closed: the sentence, and the time for the page to
 * show in the browser's zone. */
static int closed(sv_ctx *ctx, const char *title, const char *closes_at)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "error",
				apr_psprintf(ctx->r->pool, "Submissions to %s closed at %s.",
					     title ? title : "this assignment", closes_at ? closes_at : "?"));
	if (closes_at)
		cJSON_AddStringToObject(body, "closes_at", closes_at);
	else
		cJSON_AddNullToObject(body, "closes_at");
	return sv_send_json(ctx->r, HTTP_FORBIDDEN, body);
}

int sv_submit(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	int rate = sv_cfg_submission_rate(ctx->cfg);
	submission_form f;
	sv_session *sess = ctx->sess; /* the router saw to it */
	const sv_input *in = &ctx->in;
	const char *err, *outcome;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	sv_submission_msg msg;
	char *payload;
	apr_int64_t id;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = validate_form(ctx, in, &f, &err)) != 0)
		return sv_send_error(r, rc, "%s", err);
	/* The pooled connection only now that the body is read and checked. */
	if (!sv_ctx_db(ctx))
		return sv_ctx_fail(ctx);
	/* One statement (sql/012, solveit_submit): an earlier submission with the same idempotency
	 * key, else the task check, else the rate limit counted under a per-user lock so concurrent
	 * requests cannot exceed it, else the INSERT. PostgreSQL first: once the row exists nothing
	 * is lost, whatever Kafka does. Staff are exempt so that teachers can test tasks in bulk. */
	/* The task's revision goes into the message: the judge never uses tests older than it. */
	if (sv_db_select(&ctx->db, SV_SQL_SUBMIT, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, f.task_id),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sess->user_id),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, f.task_id),
			 apr_pstrmemdup(r->pool, f.code, f.code_len), apr_itoa(r->pool, f.language_id), f.key,
			 sess->staff ? "true" : "false", apr_itoa(r->pool, sess->staff ? 0 : rate)) < 0 ||
	    !(row = sv_db_row(&ctx->db, res, 1)) || !(outcome = sv_db_get(&ctx->db, row, 0)))
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!strcmp(outcome, "replay"))
		return accepted(ctx, in, sv_db_get_ll(&ctx->db, row, 1), sv_db_get(&ctx->db, row, 5), -1);
	if (!strcmp(outcome, "no_task"))
		return sv_send_error(r, HTTP_BAD_REQUEST, "task %" APR_INT64_T_FMT " does not exist or is closed",
				     f.task_id);
	if (!strcmp(outcome, "closed"))
		return closed(ctx, sv_db_get(&ctx->db, row, 11), sv_db_get(&ctx->db, row, 10));
	if (!strcmp(outcome, "rate_limited")) {
		apr_int64_t wait = sv_db_get_ll(&ctx->db, row, 6);

		if (wait < 1)
			wait = 1;
		apr_table_setn(r->err_headers_out, "Retry-After", apr_psprintf(r->pool, "%" APR_INT64_T_FMT, wait));
		return sv_send_error(r, HTTP_TOO_MANY_REQUESTS,
				     "too many submissions: at most %d per minute; try again in %" APR_INT64_T_FMT " s",
				     rate, wait);
	}
	id = sv_db_get_ll(&ctx->db, row, 1);
	sv_metrics_submission_accepted(f.language_id);
	memset(&msg, 0, sizeof(msg));
	msg.submission_id = id;
	msg.task_id = f.task_id;
	msg.user_id = sess->user_id;
	msg.team_id = sv_db_get_ll(&ctx->db, row, 2);
	msg.code = f.code;
	msg.code_len = f.code_len;
	msg.language_id = f.language_id;
	msg.timestamp = sv_db_get(&ctx->db, row, 3);
	msg.attempt = (int)sv_db_get_ll(&ctx->db, row, 4);
	msg.task_revision = (int)sv_db_get_ll(&ctx->db, row, 7);
	/* A message that cannot be built or queued still answers 202: the row stays unsent (kafka_sent_at
	 * NULL) for the sweeper. */
	payload = sv_submission_msg_build(&msg);
	if (!payload) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
			      "solveit: out of memory building the message of %" APR_INT64_T_FMT, id);
	} else {
		solveit_kafka_send_submission(r, id, payload, strlen(payload), sv_cfg_kafka_wait_ms(ctx->cfg));
		free(payload);
	}
	return accepted(ctx, in, id, "pending",
			sv_db_get_bool(&ctx->db, row, 8) ? (int)sv_db_get_ll(&ctx->db, row, 9) : -1);
}
