#include "solveit_api.h"

#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "apr_hash.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_catalog.h"
#include "solveit_kafka.h"
#include "solveit_statement.h"
#include "solveit_text.h"
#include "sv_parse.h"
#include "sv_version.h"

APLOG_USE_MODULE(solveit);

#define PAGE_SIZE       20
#define HEALTH_KAFKA_MS 1000

int sv_api_health(sv_ctx *ctx)
{
	cJSON *body = cJSON_CreateObject();
	apr_dbd_results_t *res;
	char err[256];
	int db_ok = 0, kafka_ok;

	if (sv_ctx_db(ctx) && sv_db_select(&ctx->db, SV_SQL_HEALTH, &res) == 0 && sv_db_row(&ctx->db, res, 1))
		db_ok = 1;
	kafka_ok = solveit_kafka_reachable(HEALTH_KAFKA_MS, err, sizeof(err));
	if (!kafka_ok)
		ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, ctx->r, "solveit: health: Kafka unreachable: %s", err);
	cJSON_AddStringToObject(body, "status", db_ok && kafka_ok ? "ok" : "degraded");
	cJSON_AddStringToObject(body, "database", db_ok ? "ok" : "down");
	cJSON_AddStringToObject(body, "kafka", kafka_ok ? "ok" : "down");
	cJSON_AddStringToObject(body, "version", SV_VERSION);
	return sv_send_json(ctx->r, db_ok && kafka_ok ? HTTP_OK : HTTP_SERVICE_UNAVAILABLE, body);
}

cJSON *sv_api_languages_array(sv_ctx *ctx)
{
	cJSON *list = cJSON_CreateArray();
	int n;
	const int *ids = sv_cfg_languages(ctx->cfg, &n);

	for (int i = 0; i < n; i++) {
		cJSON *lang = cJSON_CreateObject();

		cJSON_AddNumberToObject(lang, "id", ids[i]);
		cJSON_AddStringToObject(lang, "name", sv_cfg_language_name(ctx->cfg, ids[i]));
		cJSON_AddItemToArray(list, lang);
	}
	return list;
}

int sv_api_languages(sv_ctx *ctx)
{
	return sv_send_json(ctx->r, HTTP_OK, sv_api_languages_array(ctx));
}

static void add_nullable_number(cJSON *obj, const char *name, const char *value)
{
	double v;

	if (sv_parse_double(value, -DBL_MAX, DBL_MAX, &v) == 0)
		cJSON_AddNumberToObject(obj, name, v);
	else
		cJSON_AddNullToObject(obj, name);
}

static void add_nullable_string(cJSON *obj, const char *name, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, name, value);
	else
		cJSON_AddNullToObject(obj, name);
}

/* An integer column as a JSON number copied from PostgreSQL's text, without a round trip through
 * a double, printf and sscanf (the task list is the hot path); null for SQL NULL. */
static void add_integer_column(cJSON *obj, const char *name, const char *text)
{
	if (sv_integer_text(text))
		cJSON_AddRawToObject(obj, name, text);
	else
		cJSON_AddNullToObject(obj, name);
}

/* The caller's best final score and verdict of one task (SV_SQL_TASK_BEST's columns 4 and 5). */
typedef struct {
	const char *score, *verdict;
} task_best;

/* The task list: the catalog (solveit_catalog.h) with the caller's best scores. */
cJSON *sv_api_tasks_body(sv_ctx *ctx)
{
	sv_session *sess = sv_ctx_user_db(ctx);
	request_rec *r = ctx->r;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	sv_catalog_viewer viewer;
	sv_catalog_hold hold;
	apr_hash_t *best;
	apr_int64_t version;
	cJSON *body, *list;
	sv_db *db = &ctx->db;

	if (!sess)
		return NULL;
	if (sv_db_select(db, SV_SQL_TASK_BEST, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sess->user_id)) < 0 ||
	    !(row = sv_db_row(db, res, 1)))
		return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	version = sv_db_get_ll(db, row, 0);
	viewer.staff = sess->staff;
	viewer.team_id = sv_db_get_ll(db, row, 1);
	viewer.now = sv_db_get_ll(db, row, 2);
	best = apr_hash_make(r->pool);
	for (int i = 2; row; row = sv_db_row(db, res, i++)) {
		const char *task = sv_db_get(db, row, 3);
		task_best *b;

		if (!task)
			continue;
		b = apr_palloc(r->pool, sizeof(*b));
		b->score = sv_db_get(db, row, 4);
		b->verdict = sv_db_get(db, row, 5);
		apr_hash_set(best, task, APR_HASH_KEY_STRING, b);
	}
	if (sv_catalog_acquire(r, db, version, &hold) < 0)
		return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "tasks");
	for (int i = 0; i < hold.catalog->ntasks; i++) {
		const sv_catalog_task *k = &hold.catalog->tasks[i];
		const task_best *b;
		cJSON *t;

		if (!sv_catalog_visible(k, &viewer))
			continue;
		b = apr_hash_get(best, k->id, APR_HASH_KEY_STRING);
		t = cJSON_CreateObject();
		add_integer_column(t, "id", k->id);
		cJSON_AddStringToObject(t, "slug", k->slug);
		cJSON_AddStringToObject(t, "title", k->title);
		add_integer_column(t, "time_limit_ms", k->time_limit_ms);
		add_integer_column(t, "memory_limit_kb", k->memory_limit_kb);
		cJSON_AddBoolToObject(t, "open", k->open);
		add_integer_column(t, "test_count", k->test_count);
		add_integer_column(t, "best_score", b ? b->score : NULL);
		add_nullable_string(t, "best_verdict", b ? b->verdict : NULL);
		add_integer_column(t, "assignment_id", k->assignment_id);
		cJSON_AddItemToArray(list, t);
	}
	sv_catalog_release(&hold);
	return body;
}

int sv_api_tasks(sv_ctx *ctx)
{
	cJSON *body = sv_api_tasks_body(ctx);

	return body ? sv_send_json(ctx->r, HTTP_OK, body) : sv_ctx_fail(ctx);
}

/* How much of a sample's input or output a task shows; the page says when one is cut. */
#define SAMPLE_SHOWN_MAX (64 * 1024)

/* One side of a sample from its size and the hex of its first bytes: the text, or "(binary data,
 * N bytes)" when the bytes are not UTF-8 text (a JSON string holds neither a NUL nor an invalid
 * sequence). <name>_size is the whole size; <name>_truncated / <name>_binary say what was done. */
static void add_sample_data(request_rec *r, cJSON *s, const char *name, const char *size_text, const char *hex)
{
	apr_size_t len = 0;
	char *bytes = sv_hex_decode(r->pool, hex, &len);
	long long size = 0;
	int cut;

	if (!bytes)
		bytes = apr_pstrdup(r->pool, ""), len = 0;
	if (sv_parse_ll(size_text, 0, LLONG_MAX, &size) < 0 || size < (long long)len)
		size = (long long)len;
	cut = (long long)len < size;
	if (cut) {
		len = sv_utf8_whole(bytes, len);
		bytes[len] = '\0';
	}
	if (memchr(bytes, '\0', len) || !sv_utf8_valid(bytes, len)) {
		cJSON_AddStringToObject(
		    s, name, apr_psprintf(r->pool, "(binary data, %" APR_INT64_T_FMT " bytes)", (apr_int64_t)size));
		cJSON_AddBoolToObject(s, apr_pstrcat(r->pool, name, "_binary", NULL), 1);
	} else {
		cJSON_AddStringToObject(s, name, bytes);
		if (cut)
			cJSON_AddBoolToObject(s, apr_pstrcat(r->pool, name, "_truncated", NULL), 1);
	}
	cJSON_AddNumberToObject(s, apr_pstrcat(r->pool, name, "_size", NULL), (double)size);
}

/* The caller's standing on a task and its assignment (SV_SQL_TASK_GET's columns from 10). */
static void add_task_progress(sv_db *db, apr_dbd_row_t *row, cJSON *t)
{
	const char *assignment = sv_db_get(db, row, 14);
	cJSON *a = assignment ? cJSON_Parse(assignment) : NULL;

	add_nullable_string(t, "now", sv_db_get(db, row, 10));
	add_integer_column(t, "best_score", sv_db_get(db, row, 11));
	add_nullable_string(t, "best_verdict", sv_db_get(db, row, 12));
	add_nullable_string(t, "progress", sv_db_get(db, row, 13));
	cJSON_AddItemToObject(t, "assignment", cJSON_IsObject(a) ? a : (cJSON_Delete(a), cJSON_CreateNull()));
}

cJSON *sv_api_task_body(sv_ctx *ctx, apr_int64_t id)
{
	sv_session *sess = sv_ctx_user_db(ctx);
	request_rec *r = ctx->r;
	sv_db *db = &ctx->db;
	const char *ids = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, id),
		   *sample_max = apr_itoa(r->pool, SAMPLE_SHOWN_MAX);
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	cJSON *t, *samples;

	if (!sess)
		return NULL;
	if (sv_db_select(db, SV_SQL_TASK_GET, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sess->user_id), ids) < 0)
		goto db_fail;
	row = sv_db_row(db, res, 1);
	/* A closed task, or one of an assignment the student does not see (yet), is invisible. */
	if (!row || (!sv_db_get_bool(db, row, 9) && !sess->staff))
		return sv_ctx_failed(ctx, HTTP_NOT_FOUND, "task not found");
	t = cJSON_CreateObject();
	cJSON_AddNumberToObject(t, "id", (double)id);
	cJSON_AddStringToObject(t, "slug", sv_db_get(db, row, 1));
	cJSON_AddStringToObject(t, "title", sv_db_get(db, row, 2));
	cJSON_AddStringToObject(t, "statement_html",
				sv_statement_html(r->pool, sv_cfg_base_path(ctx->cfg), id, sv_db_get(db, row, 3)));
	cJSON_AddNumberToObject(t, "time_limit_ms", (double)sv_db_get_ll(db, row, 4));
	cJSON_AddNumberToObject(t, "memory_limit_kb", (double)sv_db_get_ll(db, row, 5));
	cJSON_AddBoolToObject(t, "open", sv_db_get_bool(db, row, 6));
	cJSON_AddNumberToObject(t, "test_count", (double)sv_db_get_ll(db, row, 7));
	add_nullable_string(t, "type", sv_db_get(db, row, 8));
	add_task_progress(db, row, t);
	samples = cJSON_AddArrayToObject(t, "samples");
	if (sv_db_select(db, SV_SQL_TASK_SAMPLES, &res, sample_max, sample_max, ids) < 0) {
		cJSON_Delete(t);
		goto db_fail;
	}
	for (int i = 1; (row = sv_db_row(db, res, i)) != NULL; i++) {
		cJSON *s = cJSON_CreateObject();
		const char *name = sv_db_get(db, row, 1);

		cJSON_AddNumberToObject(s, "order", (double)sv_db_get_ll(db, row, 0));
		if (name && *name)
			cJSON_AddStringToObject(s, "name", name);
		add_sample_data(r, s, "input", sv_db_get(db, row, 2), sv_db_get(db, row, 3));
		add_sample_data(r, s, "output", sv_db_get(db, row, 4), sv_db_get(db, row, 5));
		cJSON_AddItemToArray(samples, s);
	}
	cJSON_AddItemToObject(t, "languages", sv_api_languages_array(ctx));
	return t;
db_fail:
	return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
}

int sv_api_task(sv_ctx *ctx)
{
	cJSON *body = sv_api_task_body(ctx, ctx->id);

	return body ? sv_send_json(ctx->r, HTTP_OK, body) : sv_ctx_fail(ctx);
}

/* A query argument's value, decoded, or NULL. */
static const char *query_arg(request_rec *r, const char *name)
{
	const char *err;
	apr_array_header_t *args;
	const sv_field *f;

	if (!r->args)
		return NULL;
	args = sv_urlencoded_parse(r->pool, r->args, strlen(r->args), &err);
	f = args ? sv_fields_get(args, name) : NULL;
	return f ? f->value : NULL;
}

/* A filter argument: NULL when absent or empty (no filter), else its value, with *invalid set
 * when it is not one of allowed[]. */
static const char *enum_arg(request_rec *r, const char *name, const char *const *allowed, int *invalid)
{
	const char *v = query_arg(r, name);

	*invalid = 0;
	if (!v || !*v)
		return NULL;
	*invalid = !sv_word_in(v, allowed);
	return v;
}

/* The plain columns of SV_SQL_SUBMISSIONS_LIST and SV_SQL_SUBMISSION_GET in SELECT order
 * (solveit_db.c): a summary that both start with, then what the full view adds. Each becomes a
 * member of the same name, a number ('n'), a string ('s') or a boolean ('b'), null for SQL NULL. */
static const struct {
	const char *name;
	char kind;
} submission_columns[] = {
    {"id", 'n'},
    {"task_id", 'n'},
    {"language_id", 'n'},
    {"status", 's'},
    {"verdict", 's'},
    {"score", 'n'},
    {"submitted_at", 's'},
    {"passed_tests", 'n'},
    {"total_tests", 'n'},
    {"points", 'n'},
    {"max_points", 'n'},
    {"late", 'b'},
    {"final_score", 'n'},
    /* the full view */
    {"attempt", 'n'},
    {"kafka_sent_at", 's'},
    {"processing_started_at", 's'},
    {"processing_completed_at", 's'},
    {"execution_time", 'n'},
    {"memory_used", 'n'},
    {"tests_done", 'n'},
    {"compiler_output", 's'},
    {"error_message", 's'},
    {"code", 's'},
};
#define SUMMARY_COLUMNS 13
#define PLAIN_COLUMNS   ((int)(sizeof(submission_columns) / sizeof(submission_columns[0])))

static cJSON *submission_object(sv_db *db, apr_dbd_row_t *row, int columns)
{
	cJSON *s = cJSON_CreateObject();

	for (int i = 0; i < columns; i++)
		if (submission_columns[i].kind == 'b')
			cJSON_AddBoolToObject(s, submission_columns[i].name, sv_db_get_bool(db, row, i));
		else
			(submission_columns[i].kind == 'n' ? add_nullable_number : add_nullable_string)(
			    s, submission_columns[i].name, sv_db_get(db, row, i));
	return s;
}

int sv_api_submissions(sv_ctx *ctx)
{
	static const char *const verdicts[] = {"AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "PA", NULL};
	static const char *const statuses[] = {"pending", "processing", "completed", "failed", NULL};
	request_rec *r = ctx->r;
	sv_session *sess = sv_ctx_user_db(ctx);
	const char *task_arg = query_arg(r, "task_id"), *page_arg = query_arg(r, "page"), *verdict, *status;
	apr_int64_t task_id = 0, page = 1;
	int invalid;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	cJSON *body, *list;
	sv_db *db = &ctx->db;
	int n = 0;

	if (!sess)
		return sv_ctx_fail(ctx);
	if (task_arg && *task_arg && (task_id = sv_parse_id(task_arg)) <= 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "task_id must be a positive integer");
	if (page_arg && *page_arg && ((page = sv_parse_id(page_arg)) <= 0 || page > 100000))
		return sv_send_error(r, HTTP_BAD_REQUEST, "page must be a positive integer");
	verdict = enum_arg(r, "verdict", verdicts, &invalid);
	if (invalid)
		return sv_send_error(r, HTTP_BAD_REQUEST, "verdict must be one of AC, WA, TLE, MLE, RE, OLE, CE, PA");
	status = enum_arg(r, "status", statuses, &invalid);
	if (invalid)
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "status must be one of pending, processing, completed, failed");
	/* One row more than a page tells whether another page follows. */
	if (sv_db_select(db, SV_SQL_SUBMISSIONS_LIST, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, sess->user_id),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, task_id),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, task_id), verdict, verdict, status, status,
			 apr_itoa(r->pool, PAGE_SIZE + 1),
			 apr_psprintf(r->pool, "%" APR_INT64_T_FMT, (page - 1) * PAGE_SIZE)) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	body = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(body, "submissions");
	for (int i = 1; (row = sv_db_row(db, res, i)) != NULL; i++) {
		cJSON *s;

		if (++n > PAGE_SIZE)
			continue; /* drain: never leave rows behind on a pooled connection */
		s = submission_object(db, row, SUMMARY_COLUMNS);
		cJSON_AddStringToObject(s, "task_slug", sv_db_get(db, row, SUMMARY_COLUMNS));
		cJSON_AddItemToArray(list, s);
	}
	cJSON_AddNumberToObject(body, "page", (double)page);
	cJSON_AddNumberToObject(body, "page_size", PAGE_SIZE);
	cJSON_AddBoolToObject(body, "has_more", n > PAGE_SIZE);
	return sv_send_json(r, HTTP_OK, body);
}

/* What a student sees of a hidden test: its verdict, time, group and score, and the message a
 * validator wrote for the team (teammessage.txt, which the package's author meant to be shown);
 * nothing the program could steer to spell out the test's data (a message quoting an exit status
 * or a signal, the exact memory). An allow-list, so that a field the judge adds later stays
 * hidden until someone decides otherwise. "test" is the number older results carry instead of
 * "order". */
static int hidden_field_shown(const char *name)
{
	/* "limit": which limit a TLE ran out of (cpu or wall), the verdict's detail, no data. */
	static const char *const shown[] = {"test_id", "test",  "order",        "verdict", "time", "is_sample",
					    "group",   "score", "team_message", "limit",   NULL};

	return sv_word_in(name, shown);
}

/* What a student sees of a sample test (and of a group): everything but what a validator tells the
 * judges (judgemessage.txt). A sample's data is the statement's, so its error output and exit
 * status reveal nothing hidden, and they are how a failed sample explains itself (a Python
 * traceback, an assertion's message). */
static int sample_field_shown(const char *name)
{
	static const char *const judges_only[] = {"judge_message", NULL};

	return !sv_word_in(name, judges_only);
}

/* Deletes the members of obj that shown() refuses. */
static void keep_fields(cJSON *obj, int (*shown)(const char *name))
{
	cJSON *field = obj->child;

	while (field) {
		cJSON *next = field->next;

		if (!field->string || !shown(field->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(obj, field));
		field = next;
	}
}

/* Strips results (or group results) for a student; returns whether there was a hidden test. */
static int hide_for_student(cJSON *results)
{
	cJSON *test;
	int hidden = 0;

	cJSON_ArrayForEach(test, results)
	{
		int sample = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(test, "is_sample"));

		if (!cJSON_IsObject(test))
			continue;
		hidden |= !sample;
		keep_fields(test, sample ? sample_field_shown : hidden_field_shown);
	}
	return hidden;
}

/* The submission's peak memory is the maximum over every test, so a hidden test could set it: a
 * student sees the maximum over the sample tests instead (null without one). */
static void visible_memory(cJSON *s, const cJSON *results)
{
	const cJSON *test;
	double peak = -1;

	cJSON_ArrayForEach(test, results)
	{
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(test, "memory");

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(test, "is_sample")) && cJSON_IsNumber(m) &&
		    m->valuedouble > peak)
			peak = m->valuedouble;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(s, "memory_used",
					       peak >= 0 ? cJSON_CreateNumber(peak) : cJSON_CreateNull());
}

/* A jsonb array column; an empty array for NULL or what is not an array. */
static cJSON *json_array_column(sv_db *db, apr_dbd_row_t *row, int col)
{
	const char *text = sv_db_get(db, row, col);
	cJSON *list = text ? cJSON_Parse(text) : NULL;

	if (cJSON_IsArray(list))
		return list;
	cJSON_Delete(list);
	return cJSON_CreateArray();
}

cJSON *sv_api_submission_body(sv_ctx *ctx, apr_int64_t id)
{
	request_rec *r = ctx->r;
	sv_session *sess = sv_ctx_user_db(ctx);
	sv_db *db = &ctx->db;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	cJSON *s, *results, *groups, *user, *task;

	if (!sess)
		return NULL;
	if (sv_db_select(db, SV_SQL_SUBMISSION_GET, &res, apr_psprintf(r->pool, "%" APR_INT64_T_FMT, id)) < 0)
		return sv_ctx_failed(ctx, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	row = sv_db_row(db, res, 1);
	/* Someone else's submission is indistinguishable from a missing one. */
	if (!row || (sv_db_get_ll(db, row, PLAIN_COLUMNS) != sess->user_id && !sess->staff))
		return sv_ctx_failed(ctx, HTTP_NOT_FOUND, "submission not found");
	s = submission_object(db, row, PLAIN_COLUMNS);
	cJSON_AddNumberToObject(s, "submission_id", (double)id);
	user = cJSON_AddObjectToObject(s, "user");
	cJSON_AddNumberToObject(user, "id", (double)sv_db_get_ll(db, row, PLAIN_COLUMNS));
	cJSON_AddStringToObject(user, "username", sv_db_get(db, row, PLAIN_COLUMNS + 1));
	task = cJSON_AddObjectToObject(s, "task");
	cJSON_AddNumberToObject(task, "id", (double)sv_db_get_ll(db, row, 1));
	cJSON_AddStringToObject(task, "slug", sv_db_get(db, row, PLAIN_COLUMNS + 2));
	cJSON_AddStringToObject(task, "title", sv_db_get(db, row, PLAIN_COLUMNS + 3));
	add_nullable_string(s, "language", sv_cfg_language_name(ctx->cfg, (int)sv_db_get_ll(db, row, 2)));
	results = json_array_column(db, row, PLAIN_COLUMNS + 4);
	groups = json_array_column(db, row, PLAIN_COLUMNS + 5);
	/* Staff see every field: diagnosing a submission needs them. */
	if (!sess->staff) {
		cJSON *g;

		if (hide_for_student(results))
			visible_memory(s, results);
		cJSON_ArrayForEach(g, groups)
		{
			if (cJSON_IsObject(g))
				keep_fields(g, sample_field_shown);
		}
	}
	cJSON_AddItemToObject(s, "test_results", results);
	cJSON_AddItemToObject(s, "group_results", groups);
	return s;
}

/* The ETag is a digest of the body: it changes exactly when what the client sees changes. */
int sv_api_submission(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	cJSON *body = sv_api_submission_body(ctx, ctx->id);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *etag, *digest;
	char *text;
	apr_size_t len;
	int rc;

	if (!body)
		return sv_ctx_fail(ctx);
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (!text)
		return HTTP_INTERNAL_SERVER_ERROR;
	len = strlen(text);
	EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL);
	digest = sv_hex(r->pool, md, 16);
	etag = apr_pstrcat(r->pool, "\"", digest, "\"", NULL);
	/* Private data that changes while judging: the page polls with If-None-Match. */
	rc = sv_send_json_tagged(r, etag, digest, text, len);
	free(text);
	return rc;
}
