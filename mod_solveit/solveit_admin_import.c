#include "solveit_admin.h"

#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_text.h"
#include "sv_package.h"

APLOG_USE_MODULE(solveit);

#define PACKAGE_FIELD "package"

static apr_status_t package_cleanup(void *pkg)
{
	sv_package_free(pkg);
	return APR_SUCCESS;
}

/* The uploaded file's base name without ".zip", for the slug when the package names none; NULL
 * when there is nothing left. */
static const char *name_hint(apr_pool_t *p, const char *filename)
{
	const char *base;
	apr_size_t n;

	if (!filename)
		return NULL;
	base = strrchr(filename, '/');
	base = base ? base + 1 : filename;
	if (strrchr(base, '\\'))
		base = strrchr(base, '\\') + 1; /* a path from a Windows browser */
	n = strlen(base);
	if (n > 4 && !strcasecmp(base + n - 4, ".zip"))
		n -= 4;
	return n ? apr_pstrmemdup(p, base, n) : NULL;
}

/* A zip starts with a local file header, or is an empty archive's end record. */
static int looks_like_zip(const char *data, apr_size_t len)
{
	return len >= 4 && (!memcmp(data, "PK\3\4", 4) || !memcmp(data, "PK\5\6", 4));
}

static cJSON *import_answer(const sv_import_result *res, const sv_package *pkg)
{
	cJSON *body = cJSON_CreateObject(), *warnings;

	cJSON_AddNumberToObject(body, "task_id", (double)res->task_id);
	cJSON_AddStringToObject(body, "slug", res->slug);
	cJSON_AddNumberToObject(body, "revision", res->revision);
	cJSON_AddBoolToObject(body, "created", res->created);
	cJSON_AddNumberToObject(body, "tests", (double)res->tests);
	cJSON_AddNumberToObject(body, "submissions", (double)res->submissions);
	warnings = cJSON_AddArrayToObject(body, "warnings");
	for (size_t i = 0; i < sv_package_warning_count(pkg); i++)
		cJSON_AddItemToArray(warnings, cJSON_CreateString(sv_package_warning(pkg, i)));
	return body;
}

int sv_admin_import(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *ct = apr_table_get(r->headers_in, "Content-Type");
	const sv_field *field, *slug;
	sv_package_options opts;
	sv_package *pkg = NULL;
	sv_import_result res;
	sv_session *who;
	sv_actor actor;
	sv_sql sql;
	char err[1024];

	if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0 || !ctx->in.fields)
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "send the problem package as a multipart/form-data file field \"" PACKAGE_FIELD
				     "\"");
	field = sv_fields_get(ctx->in.fields, PACKAGE_FIELD);
	if (!field)
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "no \"" PACKAGE_FIELD "\" field: send the problem package (a zip) in it");
	if (field->len == 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "the package is empty (0 bytes)");
	if (!looks_like_zip(field->value, field->len))
		return sv_send_error(r, HTTP_BAD_REQUEST, "the package is not a zip file");
	memset(&opts, 0, sizeof(opts));
	slug = sv_fields_get(ctx->in.fields, "slug");
	opts.slug = slug && slug->len ? slug->value : NULL;
	opts.name_hint = name_hint(r->pool, field->filename);
	if (sv_package_read_zip(field->value, field->len, &opts, &pkg, err, sizeof(err)) < 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "cannot import the package: %s", err);
	apr_pool_cleanup_register(r->pool, pkg, package_cleanup, apr_pool_cleanup_null);
	/* The body is read and the package checked before a pooled connection is taken. */
	if (!sv_ctx_db(ctx))
		return sv_ctx_fail(ctx);
	if (sv_db_package_sql(&ctx->db, &sql) < 0)
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR,
				     "importing packages needs mod_dbd's pgsql driver (DBDriver pgsql)");
	memset(&res, 0, sizeof(res));
	who = sv_ctx_user(ctx); /* the router checked it: a staff session */
	actor.user_id = who ? (long long)who->user_id : 0;
	actor.name = who ? who->username : "?";
	if (sv_package_store(pkg, &sql, &actor, &res, err, sizeof(err)) < 0) {
		if (sv_db_package_lost(&sql)) {
			ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "solveit: package import: %s", err);
			return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
		}
		return sv_send_error(r, HTTP_BAD_REQUEST, "cannot store the package: %s", err);
	}
	ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
		      "solveit: %s imported a package as task %" APR_INT64_T_FMT " (%s, revision %d%s)",
		      ctx->sess->username, (apr_int64_t)res.task_id, res.slug, res.revision,
		      res.created ? ", new" : "");
	return sv_send_json(r, res.created ? HTTP_CREATED : HTTP_OK, import_answer(&res, pkg));
}
