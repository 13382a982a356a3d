#include "solveit_admin.h"

#include <stdlib.h>
#include <string.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_api.h"
#include "solveit_kafka.h"
#include "solveit_text.h"
#include "sv_message.h"
#include "sv_time.h"

APLOG_USE_MODULE(solveit);

#define PER_PAGE_DEFAULT 50
#define PER_PAGE_MAX     500
#define PAGE_MAX         1000000
#define REJUDGE_IDS_MAX  10000
#define LIST_IDS_MAX     500

/* The filter id (0 when absent) and the page of a listing, as text for the statement; -1 after
 * sending the 400 of a malformed one. */
static int list_args(sv_ctx *ctx, const char *id_name, apr_int64_t *id, const char **page, const char **per_page)
{
	apr_int64_t n, size;

	if ((*id = sv_admin_int_arg(ctx, id_name, 0, APR_INT64_C(999999999999999))) < 0 ||
	    (n = sv_admin_int_arg(ctx, "page", 1, PAGE_MAX)) < 0 ||
	    (size = sv_admin_int_arg(ctx, "per_page", PER_PAGE_DEFAULT, PER_PAGE_MAX)) < 0)
		return -1;
	*page = sv_admin_id_text(ctx, n);
	*per_page = sv_admin_id_text(ctx, size);
	return 0;
}

/* Two decimal digits at p, or -1. */
static int two_digits(const char *p)
{
	return apr_isdigit(p[0]) && apr_isdigit(p[1]) ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

/* An ISO 8601 time as the filters take it: a date (2025-11-28, its midnight), or a date, 'T' (or a
 * space) and HH:MM[:SS[.fraction]], then Z or an offset (+01:00, +0100, +01); no zone means UTC.
 * Seconds since the epoch as text for the statement, or NULL when text is no such time of an
 * existing date. */
static const char *time_arg(apr_pool_t *pool, const char *text)
{
	int year = 0, mon, day, hour = 0, min = 0, sec = 0, off = 0;
	double fraction = 0, t;
	const char *p = text;

	for (int i = 0; i < 4; i++, p++) {
		if (!apr_isdigit(*p))
			return NULL;
		year = year * 10 + (*p - '0');
	}
	if (*p != '-' || (mon = two_digits(p + 1)) < 1 || p[3] != '-' || (day = two_digits(p + 4)) < 1)
		return NULL;
	p += 6;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if ((hour = two_digits(p + 1)) < 0 || p[3] != ':' || (min = two_digits(p + 4)) < 0)
			return NULL;
		p += 6;
		if (*p == ':') {
			if ((sec = two_digits(p + 1)) < 0)
				return NULL;
			p += 3;
			if (*p == '.' || *p == ',') {
				double scale = 0.1;

				if (!apr_isdigit(p[1]))
					return NULL;
				for (p++; apr_isdigit(*p); p++, scale /= 10)
					fraction += (*p - '0') * scale;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, oh = two_digits(p + 1), om = 0;

			if (oh < 0)
				return NULL;
			p += 3;
			if (*p == ':')
				p++;
			if (apr_isdigit(*p) && (om = two_digits(p)) >= 0)
				p += 2;
			if (oh > 23 || om < 0 || om > 59)
				return NULL;
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (*p || mon > 12 || day > 31 || hour > 23 || min > 59 || sec > 59)
		return NULL;
	/* The rest is the message contract's form, which sv_time reads (refusing 31 February). */
	t = sv_time_parse_iso8601(apr_psprintf(pool, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, mon, day, hour, min, sec));
	return t < 0 ? NULL : apr_psprintf(pool, "%.6f", t - off + fraction);
}

/* The ids filter, "1,2,3": the same list for the statement, NULL when absent, "" after sending
 * the 400 of a malformed one. */
static const char *ids_arg(sv_ctx *ctx)
{
	const char *v = sv_admin_arg(ctx, "ids"), *list = NULL;
	char *copy, *word, *state;
	int n = 0;

	if (!v)
		return NULL;
	copy = apr_pstrdup(ctx->r->pool, v);
	for (word = apr_strtok(copy, ",", &state); word; word = apr_strtok(NULL, ",", &state)) {
		apr_int64_t id = sv_parse_id(word);

		if (id <= 0 || id > APR_INT64_C(999999999999999) || ++n > LIST_IDS_MAX) {
			sv_send_error(ctx->r, HTTP_BAD_REQUEST,
				      "ids must be a comma-separated list of at most %d submission ids", LIST_IDS_MAX);
			return "";
		}
		list = apr_psprintf(ctx->r->pool, "%s%s%" APR_INT64_T_FMT, list ? list : "", list ? "," : "", id);
	}
	if (!list) {
		sv_send_error(ctx->r, HTTP_BAD_REQUEST,
			      "ids must be a comma-separated list of at most %d submission ids", LIST_IDS_MAX);
		return "";
	}
	return list;
}

int sv_admin_submissions_list(sv_ctx *ctx)
{
	static const char *const verdicts[] = {"AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "PA", NULL};
	static const char *const statuses[] = {"pending", "processing", "completed", "failed", NULL};
	static const char *const time_form =
	    "an ISO 8601 time such as 2025-11-28T12:00:00Z or a date such as 2025-11-28";
	request_rec *r = ctx->r;
	const char *verdict = sv_admin_arg(ctx, "verdict"), *status = sv_admin_arg(ctx, "status");
	const char *from = sv_admin_arg(ctx, "from"), *to = sv_admin_arg(ctx, "to");
	const char *from_s = NULL, *to_s = NULL, *ids, *page, *per_page;
	apr_int64_t task;

	if (list_args(ctx, "task_id", &task, &page, &per_page) < 0)
		return OK;
	if (verdict && !sv_word_in(verdict, verdicts))
		return sv_send_error(r, HTTP_BAD_REQUEST, "verdict must be one of AC, WA, TLE, MLE, RE, OLE, CE, PA");
	if (status && !sv_word_in(status, statuses))
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "status must be one of pending, processing, completed, failed");
	if (from && !(from_s = time_arg(r->pool, from)))
		return sv_send_error(r, HTTP_BAD_REQUEST, "from must be %s", time_form);
	if (to && !(to_s = time_arg(r->pool, to)))
		return sv_send_error(r, HTTP_BAD_REQUEST, "to must be %s", time_form);
	if (from_s && to_s && strtod(from_s, NULL) >= strtod(to_s, NULL))
		return sv_send_error(r, HTTP_BAD_REQUEST, "from must be earlier than to");
	if ((ids = ids_arg(ctx)) != NULL && !*ids)
		return OK;
	return sv_admin_send_row(ctx, "no submissions", SV_ADM_SUBMISSIONS_LIST,
				 task ? sv_admin_id_text(ctx, task) : NULL, sv_admin_arg(ctx, "user"),
				 sv_admin_arg(ctx, "team"), verdict, status, from_s, to_s, ids, page, per_page);
}

/* The students' view for staff (every test's details, hidden ones included) plus sql/023's. */
int sv_admin_submission_get(sv_ctx *ctx)
{
	cJSON *body = sv_api_submission_body(ctx, ctx->id), *extra, *item;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *text;

	if (!body)
		return sv_ctx_fail(ctx);
	sv_json_own(ctx->r, body);
	if (sv_admin_select(ctx, SV_ADM_SUBMISSION_EXTRA, &res, sv_admin_id_text(ctx, ctx->id)) < 0 ||
	    !(row = sv_db_row(&ctx->db, res, 1)) || !(text = sv_db_get(&ctx->db, row, 0)) ||
	    !(extra = sv_json_own(ctx->r, cJSON_Parse(text))))
		return sv_send_error(ctx->r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	while ((item = extra->child) != NULL) {
		cJSON_DetachItemViaPointer(extra, item);
		cJSON_DeleteItemFromObjectCaseSensitive(body, item->string);
		cJSON_AddItemToObject(body, item->string, item);
	}
	/* sv_send_json frees what it sends: hand it a copy of the pool-owned tree. */
	return sv_send_json(ctx->r, HTTP_OK, cJSON_Duplicate(body, 1));
}

/* The submission_ids of a rejudge request as "1,2,3"; NULL after sending the 400. */
static const char *id_list(sv_ctx *ctx, const cJSON *ids)
{
	request_rec *r = ctx->r;
	const cJSON *id;
	const char *list = NULL;
	int n = 0;

	if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0) {
		sv_send_error(r, HTTP_BAD_REQUEST, "submission_ids must be a non-empty array of submission ids");
		return NULL;
	}
	cJSON_ArrayForEach(id, ids)
	{
		if (!cJSON_IsNumber(id) || id->valuedouble < 1 || id->valuedouble > 999999999999999.0 ||
		    id->valuedouble != (double)(apr_int64_t)id->valuedouble) {
			sv_send_error(r, HTTP_BAD_REQUEST, "submission_ids must hold positive integers");
			return NULL;
		}
		if (++n > REJUDGE_IDS_MAX) {
			sv_send_error(r, HTTP_BAD_REQUEST, "at most %d submissions per rejudge", REJUDGE_IDS_MAX);
			return NULL;
		}
		list = apr_psprintf(r->pool, "%s%s%" APR_INT64_T_FMT, list ? list : "", list ? "," : "",
				    (apr_int64_t)id->valuedouble);
	}
	return list;
}

int sv_admin_send_submission(sv_ctx *ctx, apr_dbd_row_t *row)
{
	sv_db *db = &ctx->db;
	sv_submission_msg msg;
	apr_dbd_results_t *res;
	char *payload;
	int queued = -1;

	memset(&msg, 0, sizeof(msg));
	msg.submission_id = sv_db_get_ll(db, row, 0);
	msg.task_id = sv_db_get_ll(db, row, 1);
	msg.user_id = sv_db_get_ll(db, row, 2);
	msg.team_id = sv_db_get_ll(db, row, 3);
	msg.code = sv_db_get(db, row, 4);
	msg.code_len = strlen(msg.code);
	msg.language_id = (int)sv_db_get_ll(db, row, 5);
	msg.timestamp = sv_db_get(db, row, 6);
	msg.attempt = (int)sv_db_get_ll(db, row, 7);
	msg.task_revision = (int)sv_db_get_ll(db, row, 8);
	if ((payload = sv_submission_msg_build(&msg)) != NULL) {
		queued = solveit_kafka_send_submission(ctx->r, msg.submission_id, payload, strlen(payload), 0);
		free(payload);
	} else {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, "solveit: out of memory building the message of %lld",
			      msg.submission_id);
	}
	/* Marked unsent (kafka_sent_at NULL): the sweeper sends it. */
	if (queued < 0)
		sv_admin_select(ctx, SV_ADM_REJUDGE_UNSENT, &res, sv_db_get(db, row, 0), sv_db_get(db, row, 7));
	return queued >= 0;
}

int sv_admin_rejudge(sv_ctx *ctx)
{
	static const sv_admin_field fields[] = {
	    {"submission_ids", 'a', 0, 0, 0, NULL},
	    {"task_id", 'i', 1, 999999999999999.0, 0, NULL},
	    {NULL, 0, 0, 0, 0, NULL},
	};
	request_rec *r = ctx->r;
	cJSON *body = sv_admin_json_body(ctx, SV_ADMIN_FORM_LIMIT, fields, NULL), *answer, *queued;
	const cJSON *ids, *task;
	const char *list = NULL;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;

	if (!body)
		return OK;
	ids = cJSON_GetObjectItemCaseSensitive(body, "submission_ids");
	task = cJSON_GetObjectItemCaseSensitive(body, "task_id");
	if (!ids == !task)
		return sv_send_error(r, HTTP_BAD_REQUEST, "give submission_ids (a list) or task_id, one of the two");
	if (ids && !(list = id_list(ctx, ids)))
		return OK;
	if (sv_admin_select(ctx, SV_ADM_REJUDGE, &res, sv_admin_actor(ctx), sv_admin_action(ctx), list,
			    task ? sv_admin_id_text(ctx, (apr_int64_t)task->valuedouble) : NULL) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	row = sv_db_row(&ctx->db, res, 1);
	if (row && sv_db_get_ll(&ctx->db, row, 0) == 0)
		return sv_send_error(r, HTTP_NOT_FOUND, "task %.0f not found", task->valuedouble);
	if (row && sv_db_get_ll(&ctx->db, row, 0) < 0) {
		const char *missing = NULL;

		/* sql/023 answers the ids that do not exist as negative ones, and queues nothing. */
		for (int i = 1; (row = sv_db_row(&ctx->db, res, i)) != NULL; i++)
			missing = apr_psprintf(r->pool, "%s%s%" APR_INT64_T_FMT, missing ? missing : "",
					       missing ? ", " : "", -sv_db_get_ll(&ctx->db, row, 0));
		return sv_send_error(r, HTTP_NOT_FOUND, "no such submissions: %s; nothing was queued", missing);
	}
	answer = cJSON_CreateObject();
	queued = cJSON_AddArrayToObject(answer, "queued");
	for (int i = 1; (row = sv_db_row(&ctx->db, res, i)) != NULL; i++) {
		cJSON *q = cJSON_CreateObject();

		cJSON_AddNumberToObject(q, "submission_id", (double)sv_db_get_ll(&ctx->db, row, 0));
		cJSON_AddNumberToObject(q, "attempt", (double)sv_db_get_ll(&ctx->db, row, 7));
		cJSON_AddItemToArray(queued, q);
		sv_admin_send_submission(ctx, row);
	}
	cJSON_AddNumberToObject(answer, "count", cJSON_GetArraySize(queued));
	return sv_send_json(r, HTTP_OK, answer);
}

int sv_admin_audit_list(sv_ctx *ctx)
{
	static const char *const types[] = {"task", "test", "tests", "submissions", "user", "users", "team", NULL};
	const char *type = sv_admin_arg(ctx, "object_type");
	const char *page, *per_page;
	apr_int64_t id;

	if (list_args(ctx, "object_id", &id, &page, &per_page) < 0)
		return OK;
	if (type && !sv_word_in(type, types))
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST,
				     "object_type must be one of task, test, tests, submissions, user, users, team");
	return sv_admin_send_row(ctx, "no audit", SV_ADM_AUDIT_LIST, type, id ? sv_admin_id_text(ctx, id) : NULL, page,
				 per_page);
}

/* Issue 12's grades, or with ?assignment_id= one assignment's (sql/030: its deadline and penalty). */
int sv_admin_grades_csv(sv_ctx *ctx)
{
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *csv;
	apr_int64_t assignment = sv_admin_int_arg(ctx, "assignment_id", 0, APR_INT64_C(999999999999999));
	int rc;

	if (assignment < 0)
		return OK;
	rc = assignment ? sv_admin_select(ctx, SV_ADM_GRADES_ASSIGNMENT_CSV, &res, sv_admin_id_text(ctx, assignment))
			: sv_admin_select(ctx, SV_ADM_GRADES_CSV, &res);
	if (rc < 0 || !(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(ctx->r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!(csv = sv_db_get(&ctx->db, row, 0)))
		return sv_send_error(ctx->r, HTTP_NOT_FOUND, "Assignment %" APR_INT64_T_FMT " does not exist.",
				     assignment);
	return sv_admin_send_file(
	    ctx, "text/csv; charset=utf-8",
	    assignment ? apr_psprintf(ctx->r->pool, "grades-assignment-%" APR_INT64_T_FMT ".csv", assignment)
		       : "grades.csv",
	    csv, strlen(csv));
}
