#include "solveit_admin.h"

#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "solveit_auth.h"
#include "solveit_session.h"
#include "solveit_text.h"
#include "sv_csv.h"

#define IMPORT_ROWS_MAX 5000

// clang-format off
static const sv_admin_field user_fields[] = {
    {"username",     's', 0, 64,  0, NULL},
    {"password",     's', 0, 0,   0, NULL},
    {"display_name", 's', 0, 200, 0, NULL},
    {"is_staff",     'b', 0, 0,   0, NULL},
    {"is_active",    'b', 0, 0,   0, NULL},
    {"team_id",      'i', 1, 999999999999999.0, 1, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
static const sv_admin_field team_fields[] = {
    {"name", 's', 0, SV_ADMIN_TEAM_NAME_MAX, 0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
// clang-format on

int sv_admin_users_list(sv_ctx *ctx)
{
	return sv_admin_send_row(ctx, "no users", SV_ADM_USERS_LIST);
}

/* The password (when given) leaves the body for its bcrypt hash: the audit never sees it. */
static int save_user(sv_ctx *ctx, const char *id, const char *const *required)
{
	request_rec *r = ctx->r;
	cJSON *body = sv_admin_json_body(ctx, SV_ADMIN_FORM_LIMIT, user_fields, required);
	const cJSON *username, *password;
	const char *problem = NULL, *hash = NULL;
	int rc;

	if (!body)
		return OK;
	username = cJSON_GetObjectItemCaseSensitive(body, "username");
	password = cJSON_GetObjectItemCaseSensitive(body, "password");
	if (id && username)
		problem = "username cannot be changed";
	else if (username)
		problem = sv_account_username_problem(username->valuestring);
	if (!problem && password)
		problem = sv_account_password_problem(password->valuestring);
	if (problem)
		return sv_send_error(r, HTTP_BAD_REQUEST, "%s", problem);
	if (password && !(hash = sv_auth_bcrypt(r, password->valuestring)))
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "cannot hash the password");
	cJSON_DeleteItemFromObjectCaseSensitive(body, "password");
	rc = sv_admin_send_call(ctx, SV_ADM_USER_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx), id,
				sv_admin_json_text(r, body), hash);
	/* Cached sessions hold the staff flag and the team: every child reads them again. */
	if (id)
		sv_session_forget_all();
	return rc;
}

int sv_admin_user_create(sv_ctx *ctx)
{
	static const char *const required[] = {"username", "password", NULL};

	return save_user(ctx, NULL, required);
}

int sv_admin_user_update(sv_ctx *ctx)
{
	return save_user(ctx, sv_admin_id_text(ctx, ctx->id), NULL);
}

/* ---- CSV import -------------------------------------------------------------------------------- */

static int line_cmp(const void *a, const void *b)
{
	double x = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)a, "line"));
	double y = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)b, "line"));

	return x < y ? -1 : x > y;
}

static void sort_by_line(apr_pool_t *p, cJSON *list)
{
	int n = cJSON_GetArraySize(list);
	cJSON **items = apr_palloc(p, sizeof(cJSON *) * (apr_size_t)(n + 1));

	for (int i = 0; i < n; i++)
		items[i] = cJSON_DetachItemFromArray(list, 0);
	qsort(items, (size_t)n, sizeof(cJSON *), line_cmp);
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(list, items[i]);
}

/* The usernames of rows that the database refuses (taken, repeated in the file), merged into
 * errors in line order: every row's problem is reported at once. Returns -1 when the database
 * could not tell. */
static int add_database_problems(sv_ctx *ctx, const cJSON *rows, cJSON *errors)
{
	cJSON *names = sv_json_own(ctx->r, cJSON_CreateArray()), *answer, *problem;
	const cJSON *row;
	apr_dbd_results_t *res;
	apr_dbd_row_t *dbrow;
	const char *text;

	cJSON_ArrayForEach(row, rows)
	{
		cJSON *n = cJSON_CreateObject();

		cJSON_AddItemToObject(n, "line", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(row, "line"), 1));
		cJSON_AddItemToObject(n, "username",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(row, "username"), 1));
		cJSON_AddItemToArray(names, n);
	}
	if (sv_admin_select(ctx, SV_ADM_USERS_IMPORT, &res, sv_admin_actor(ctx), sv_admin_action(ctx),
			    sv_admin_json_text(ctx->r, names), "true") < 0 ||
	    !(dbrow = sv_db_row(&ctx->db, res, 1)) || !(text = sv_db_get(&ctx->db, dbrow, 1)) ||
	    !(answer = sv_json_own(ctx->r, cJSON_Parse(text))))
		return -1;
	cJSON_ArrayForEach(problem, cJSON_GetObjectItemCaseSensitive(answer, "rows"))
	{
		cJSON *e = cJSON_CreateObject();

		cJSON_AddItemToObject(e, "line", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(problem, "line"), 1));
		cJSON_AddItemToObject(e, "error",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(problem, "error"), 1));
		cJSON_AddItemToArray(errors, e);
	}
	sort_by_line(ctx->r->pool, errors);
	return 0;
}

/* 400 with every row's problem: those of the file's format and those of the database. */
static int refuse_rows(sv_ctx *ctx, const cJSON *rows, cJSON *errors)
{
	request_rec *r = ctx->r;
	int total = cJSON_GetArraySize(rows) + cJSON_GetArraySize(errors);
	cJSON *body;

	if (cJSON_GetArraySize(rows) > 0 && add_database_problems(ctx, rows, errors) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "error",
				apr_psprintf(r->pool, "%d of %d rows cannot be imported; nothing was written",
					     cJSON_GetArraySize(errors), total));
	cJSON_AddItemToObject(body, "rows", cJSON_Duplicate(errors, 1));
	return sv_send_json(r, HTTP_BAD_REQUEST, body);
}

/* POST /api/admin/users/import: the CSV as the multipart field "csv" (or a JSON {"csv": "..."});
 * ?dry_run=1 checks only. Any bad row fails the whole import with every row's error. */
int sv_admin_users_import(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *dry = sv_admin_arg(ctx, "dry_run"), *text;
	cJSON *rows, *errors, *row;
	apr_size_t len = 0;
	int dry_run;

	if (dry && strcmp(dry, "0") && strcmp(dry, "1"))
		return sv_send_error(r, HTTP_BAD_REQUEST, "dry_run must be 0 or 1");
	dry_run = dry && !strcmp(dry, "1");
	if (sv_admin_read_body(ctx, SV_ADMIN_UPLOAD_LIMIT) != 0)
		return OK;
	if (!(text = sv_input_get(r, &ctx->in, "csv", &len, NULL)))
		return sv_send_error(r, HTTP_BAD_REQUEST, "send the CSV as the multipart/form-data field \"csv\"");
	if (len == 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "csv is empty (0 bytes)");
	if (memchr(text, '\0', len) || !sv_utf8_valid(text, len))
		return sv_send_error(r, HTTP_BAD_REQUEST, "csv is not UTF-8 text");
	rows = sv_json_own(r, cJSON_CreateArray());
	errors = sv_json_own(r, cJSON_CreateArray());
	sv_csv_accounts(text, rows, errors);
	if (cJSON_GetArraySize(errors) > 0)
		return refuse_rows(ctx, rows, errors);
	if (cJSON_GetArraySize(rows) == 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "csv holds no accounts");
	if (cJSON_GetArraySize(rows) > IMPORT_ROWS_MAX)
		return sv_send_error(r, HTTP_BAD_REQUEST, "at most %d accounts per import", IMPORT_ROWS_MAX);
	cJSON_ArrayForEach(row, rows)
	{
		const cJSON *password = cJSON_GetObjectItemCaseSensitive(row, "password");
		const char *hash = dry_run ? NULL : sv_auth_bcrypt(r, password->valuestring);

		if (!dry_run && !hash)
			return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "cannot hash the password");
		cJSON_DeleteItemFromObjectCaseSensitive(row, "password");
		if (hash)
			cJSON_AddStringToObject(row, "hash", hash);
	}
	return sv_admin_send_call(ctx, SV_ADM_USERS_IMPORT, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_json_text(r, rows), dry_run ? "true" : "false");
}

/* ---- Teams ------------------------------------------------------------------------------------- */

int sv_admin_teams_list(sv_ctx *ctx)
{
	return sv_admin_send_row(ctx, "no teams", SV_ADM_TEAMS_LIST);
}

static int save_team(sv_ctx *ctx, const char *id)
{
	static const char *const required[] = {"name", NULL};
	cJSON *body = sv_admin_json_body(ctx, SV_ADMIN_FORM_LIMIT, team_fields, required);
	const cJSON *name;
	int rc;

	if (!body)
		return OK;
	name = cJSON_GetObjectItemCaseSensitive(body, "name");
	if (!*name->valuestring || strspn(name->valuestring, " \t") == strlen(name->valuestring))
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "name must not be empty");
	rc = sv_admin_send_call(ctx, SV_ADM_TEAM_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx), id, name->valuestring,
				"false");
	if (id)
		sv_session_forget_all(); /* cached sessions hold the team's name */
	return rc;
}

int sv_admin_team_create(sv_ctx *ctx)
{
	return save_team(ctx, NULL);
}

int sv_admin_team_update(sv_ctx *ctx)
{
	return save_team(ctx, sv_admin_id_text(ctx, ctx->id));
}

/* Members stay, without a team; their submissions keep their results (team_id becomes NULL). */
int sv_admin_team_delete(sv_ctx *ctx)
{
	int rc = sv_admin_send_call(ctx, SV_ADM_TEAM_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx),
				    sv_admin_id_text(ctx, ctx->id), NULL, "true");

	sv_session_forget_all();
	return rc;
}
