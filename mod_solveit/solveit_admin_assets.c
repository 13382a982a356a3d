/* The staff task pages' routes (solveit_admin.h): the statement's live preview and a task's
 * statement images, and the route that serves those images to the task page. */
#include "solveit_admin.h"

#include <string.h>

#include "apr_strings.h"
#include "http_protocol.h"

#include "solveit_statement.h"
#include "solveit_text.h"

#define ASSET_NAME_MAX  200               /* task_assets.name */
#define ASSET_MAX_BYTES (5 * 1024 * 1024) /* an image of a statement, not a data set */
#define PREVIEW_LIMIT   (4 * 1024 * 1024)

/* The image types a statement may show, by the file name's extension, with the bytes each starts
 * with: the type is the file's, whatever the browser called it. */
static const struct {
	const char *ext, *type, *label;
} image_types[] = {
    {"png", "image/png", "PNG"}, {"jpg", "image/jpeg", "JPEG"},  {"jpeg", "image/jpeg", "JPEG"},
    {"gif", "image/gif", "GIF"}, {"webp", "image/webp", "WebP"},
};
#define IMAGE_TYPES (sizeof(image_types) / sizeof(image_types[0]))

static int image_bytes_are(const char *type, const unsigned char *b, apr_size_t n)
{
	if (!strcmp(type, "image/png"))
		return n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8);
	if (!strcmp(type, "image/jpeg"))
		return n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff;
	if (!strcmp(type, "image/gif"))
		return n >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6));
	return n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4);
}

static int image_type(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (apr_size_t i = 0; dot && i < IMAGE_TYPES; i++)
		if (!strcasecmp(dot + 1, image_types[i].ext))
			return (int)i;
	return -1;
}

/* The {name} segment of the route: the last one of the path. */
static const char *path_name(sv_ctx *ctx)
{
	const char *slash = strrchr(ctx->path, '/');

	return slash ? slash + 1 : ctx->path;
}

int sv_admin_preview(sv_ctx *ctx)
{
	// clang-format off
	static const sv_admin_field fields[] = {
	    {"markdown", 's', 0, 0,    0, NULL},
	    {"task_id",  'i', 1, 1e15, 1, NULL},
	    {NULL, 0, 0, 0, 0, NULL},
	};
	// clang-format on
	static const char *const required[] = {"markdown", NULL};
	cJSON *body = sv_admin_json_body(ctx, PREVIEW_LIMIT, fields, required), *answer, *task;
	apr_int64_t task_id = 0;

	if (!body)
		return OK;
	task = cJSON_GetObjectItemCaseSensitive(body, "task_id");
	if (cJSON_IsNumber(task))
		task_id = (apr_int64_t)task->valuedouble;
	answer = cJSON_CreateObject();
	cJSON_AddStringToObject(answer, "html",
				sv_statement_html(ctx->r->pool, sv_cfg_base_path(ctx->cfg), task_id,
						  cJSON_GetObjectItemCaseSensitive(body, "markdown")->valuestring));
	return sv_send_json(ctx->r, HTTP_OK, answer);
}

int sv_admin_assets_list(sv_ctx *ctx)
{
	const char *id = sv_admin_id_text(ctx, ctx->id);

	return sv_admin_send_row(ctx, apr_psprintf(ctx->r->pool, "task %s not found", id), SV_ADM_ASSETS_LIST, id);
}

/* Why name cannot be an image's name, or NULL. */
static const char *name_problem(apr_pool_t *p, const char *name)
{
	if (strchr(name, '/') || strchr(name, '\\') || sv_admin_path_unsafe(name))
		return apr_psprintf(p, "the image's name must be a file name without folders, not \"%s\"", name);
	if (!sv_admin_name_valid(name, ASSET_NAME_MAX, 0))
		return apr_psprintf(p,
				    "the image's name must be 1-200 of letters, digits and _ . -, starting with a "
				    "letter, digit or _, not \"%s\"",
				    name);
	return NULL;
}

int sv_admin_asset_upload(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const char *err, *bytes, *filename = NULL, *name, *problem;
	apr_size_t len = 0;
	int rc, t;

	if ((rc = sv_input_read(r, ASSET_MAX_BYTES + 65536, &ctx->in, &err)) != 0) {
		if (rc == HTTP_REQUEST_ENTITY_TOO_LARGE)
			return sv_send_error(r, rc, "the image is larger than %d bytes (5 MB)", ASSET_MAX_BYTES);
		return sv_send_error(r, rc, "%s", err);
	}
	bytes = sv_input_get(r, &ctx->in, "file", &len, &filename);
	if (!bytes || !filename)
		return sv_send_error(r, HTTP_BAD_REQUEST,
				     "send the image as a file in the multipart/form-data field \"file\"");
	name = sv_input_get(r, &ctx->in, "name", NULL, NULL);
	if (!name || !*name)
		name = filename;
	if ((problem = name_problem(r->pool, name)) != NULL)
		return sv_send_error(r, HTTP_BAD_REQUEST, "%s", problem);
	if ((t = image_type(name)) < 0)
		return sv_send_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
				     "only PNG, JPEG, GIF and WebP images (.png, .jpg, .jpeg, .gif, .webp) can be "
				     "uploaded, not \"%s\"",
				     name);
	if (len == 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "the image \"%s\" is empty (0 bytes)", name);
	if (len > ASSET_MAX_BYTES)
		return sv_send_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "the image is larger than %d bytes (5 MB)",
				     ASSET_MAX_BYTES);
	if (!image_bytes_are(image_types[t].type, (const unsigned char *)bytes, len))
		return sv_send_error(r, HTTP_BAD_REQUEST, "\"%s\" is not a %s image: its bytes are not one", name,
				     image_types[t].label);
	return sv_admin_send_call(ctx, SV_ADM_ASSET_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id), name, image_types[t].type,
				  sv_hex(r->pool, (const unsigned char *)bytes, len));
}

int sv_admin_asset_delete(sv_ctx *ctx)
{
	const char *name = path_name(ctx), *problem = name_problem(ctx->r->pool, name);

	if (problem)
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "%s", problem);
	return sv_admin_send_call(ctx, SV_ADM_ASSET_DELETE, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id), name);
}

/* The hash an If-None-Match names ("<sha256>", or W/"<sha256>"), or NULL. */
static const char *client_hash(request_rec *r)
{
	const char *inm = apr_table_get(r->headers_in, "If-None-Match");
	const char *q = inm ? strchr(inm, '"') : NULL;

	if (!q || strlen(q) < 66 || q[65] != '"' || strspn(q + 1, "0123456789abcdef") != 64)
		return NULL;
	return apr_pstrndup(r->pool, q + 1, 64);
}

int sv_api_task_asset(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	sv_session *sess = sv_ctx_user_db(ctx);
	const char *name = path_name(ctx), *hex, *type;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	apr_size_t len = 0;
	char *bytes;

	if (!sess)
		return sv_ctx_fail(ctx);
	if (!sv_admin_name_valid(name, ASSET_NAME_MAX, 0))
		return sv_send_error(r, HTTP_BAD_REQUEST, "\"%s\" is not the name of a task's image", name);
	if (sv_admin_select(ctx, SV_ADM_ASSET_GET, &res, sv_admin_id_text(ctx, sess->user_id), client_hash(r),
			    sv_admin_id_text(ctx, ctx->id), name) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	row = sv_db_row(&ctx->db, res, 1);
	/* A task's images are as invisible to students as the task (closed, or its assignment unseen). */
	if (!row || (!sv_db_get_bool(&ctx->db, row, 2) && !sess->staff))
		return sv_send_error(r, HTTP_NOT_FOUND, "asset not found");
	type = apr_pstrdup(r->pool, sv_db_get(&ctx->db, row, 0));
	apr_table_setn(r->headers_out, "ETag", apr_pstrcat(r->pool, "\"", sv_db_get(&ctx->db, row, 1), "\"", NULL));
	/* Per session (a task may close): the browser keeps it and asks again with the hash. */
	apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
	apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
	apr_table_setn(r->headers_out, "Content-Security-Policy", "default-src 'none'; sandbox");
	if (strncmp(type, "image/", 6) != 0)
		apr_table_setn(r->headers_out, "Content-Disposition",
			       apr_psprintf(r->pool, "attachment; filename=\"%s\"", name));
	if (!(hex = sv_db_get(&ctx->db, row, 3))) {
		r->status = HTTP_NOT_MODIFIED;
		return OK;
	}
	bytes = sv_hex_decode(r->pool, hex, &len);
	if (!bytes)
		return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "the stored image could not be read");
	ap_set_content_type(r, type);
	ap_set_content_length(r, (apr_off_t)len);
	if (!r->header_only && len > 0)
		ap_rwrite(bytes, (int)len, r);
	return OK;
}
