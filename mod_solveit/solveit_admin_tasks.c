#include "solveit_admin.h"

#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

/* The tasks columns staff may write (sql/001 and sql/022), with the ranges of their CHECKs. The
 * rest (id, revision, test_count, created_at, updated_at, package_*) are read-only here. */
static const char *const task_types[] = {"pass-fail", "scoring", NULL};
static const char *const checkers[] = {"default", "exact", "custom", "interactive", NULL};
static const char *const time_sources[] = {"fixed", "computed", "pending", NULL};

#define INT_MAX_D 2147483647.0

// clang-format off
static const sv_admin_field task_fields[] = {
    {"slug",                    's', 0, 64,        0, NULL},
    {"title",                   's', 0, 200,       0, NULL},
    {"statement_md",            's', 0, 0,         0, NULL},
    {"time_limit_ms",           'i', 50, 60000,    0, NULL},
    {"memory_limit_kb",         'i', 4096, 4194304, 0, NULL},
    {"is_open",                 'b', 0, 0,         0, NULL},
    {"position",                'i', -INT_MAX_D, INT_MAX_D, 0, NULL},
    {"type",                    's', 0, 0,         0, task_types},
    {"judge_all",               'b', 0, 0,         0, NULL},
    {"checker",                 's', 0, 0,         0, checkers},
    {"case_sensitive",          'b', 0, 0,         0, NULL},
    {"space_change_sensitive",  'b', 0, 0,         0, NULL},
    {"float_abs_tol",           'd', 0, 1e300,     1, NULL},
    {"float_rel_tol",           'd', 0, 1e300,     1, NULL},
    {"validator_flags",         's', 0, 1000,      0, NULL},
    {"validator_language_id",   'i', 1, INT_MAX_D, 1, NULL},
    {"validator_source",        's', 0, 0,         1, NULL},
    {"validator_file_name",     's', 0, 100,       1, NULL},
    {"wall_limit_ms",           'i', 50, 300000,   1, NULL},
    {"output_limit_kb",         'i', 1, 1048576,   1, NULL},
    {"compile_time_limit_ms",   'i', 1000, 300000, 1, NULL},
    {"compile_memory_limit_kb", 'i', 65536, 8388608, 1, NULL},
    {"language_time_factors",   'o', 0, 0,         0, NULL},
    {"time_limit_source",       's', 0, 0,         0, time_sources},
    {"time_multiplier",         'd', 1, 1e9,       0, NULL},
    {"time_safety_margin",      'd', 1, 1e9,       0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
// clang-format on

/* The checks the field table cannot express: the slug's pattern (that of tasks_slug_check) and the
 * language factors' shape. NULL when fine. */
static const char *task_problem(apr_pool_t *p, const cJSON *body)
{
	const cJSON *slug = cJSON_GetObjectItemCaseSensitive(body, "slug");
	const cJSON *title = cJSON_GetObjectItemCaseSensitive(body, "title");
	const cJSON *file = cJSON_GetObjectItemCaseSensitive(body, "validator_file_name");
	const cJSON *factors = cJSON_GetObjectItemCaseSensitive(body, "language_time_factors"), *f;

	if (cJSON_IsString(slug)) {
		const char *s = slug->valuestring;

		if (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(s) || *s == '-')
			return "slug must be 1-64 of a-z, 0-9 and -, not starting with -";
	}
	if (cJSON_IsString(title) && !*title->valuestring)
		return "title must not be empty";
	if (cJSON_IsString(file) && !sv_admin_name_valid(file->valuestring, 100, 0))
		return "validator_file_name must be 1-100 of letters, digits and _ . -, starting with a letter, digit "
		       "or _";
	cJSON_ArrayForEach(f, factors)
	{
		if (sv_parse_id(f->string) <= 0)
			return apr_psprintf(p, "language_time_factors: \"%s\" is not a language id", f->string);
		if (!cJSON_IsNumber(f) || f->valuedouble <= 0 || f->valuedouble > 100)
			return apr_psprintf(
			    p, "language_time_factors: the factor of %s must be a number above 0, at most 100",
			    f->string);
	}
	return NULL;
}

int sv_admin_tasks_list(sv_ctx *ctx)
{
	return sv_admin_send_row(ctx, "no tasks", SV_ADM_TASKS_LIST);
}

int sv_admin_task_get(sv_ctx *ctx)
{
	const char *id = sv_admin_id_text(ctx, ctx->id);

	return sv_admin_send_row(ctx, apr_psprintf(ctx->r->pool, "task %s not found", id), SV_ADM_TASK_GET, id, id, id);
}

static int save(sv_ctx *ctx, const char *id, const char *const *required)
{
	cJSON *body = sv_admin_json_body(ctx, SV_ADMIN_JSON_LIMIT, task_fields, required);
	const char *problem;

	if (!body)
		return OK;
	if ((problem = task_problem(ctx->r->pool, body)) != NULL)
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "%s", problem);
	if (!id && !cJSON_GetObjectItemCaseSensitive(body, "slug"))
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "slug is required");
	return sv_admin_send_call(ctx, SV_ADM_TASK_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx), id,
				  sv_admin_json_text(ctx->r, body));
}

int sv_admin_task_create(sv_ctx *ctx)
{
	static const char *const required[] = {"slug", "title", NULL};

	return save(ctx, NULL, required);
}

int sv_admin_task_update(sv_ctx *ctx)
{
	return save(ctx, sv_admin_id_text(ctx, ctx->id), NULL);
}

/* A task with submissions is refused unless ?force=1 (which deletes them too): closing it keeps
 * the students' results. */
int sv_admin_task_delete(sv_ctx *ctx)
{
	const char *force = sv_admin_arg(ctx, "force");

	if (force && strcmp(force, "1") && strcmp(force, "0"))
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "force must be 0 or 1");
	return sv_admin_send_call(ctx, SV_ADM_TASK_DELETE, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id), force && !strcmp(force, "1") ? "true" : "false");
}
