#include "solveit_admin.h"

#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "apr_base64.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include "solveit_text.h"
#include "sv_parse.h"

/* What an archive may hold: its entries and their bytes, uncompressed (a zip bomb stops here). */
#define ARCHIVE_MAX_ENTRIES 10000
#define ARCHIVE_MAX_BYTES   ((zip_uint64_t)256 * 1024 * 1024)

// clang-format off
static const sv_admin_field test_fields[] = {
    {"order",         'i', 0, 2147483647.0, 0, NULL},
    {"name",          's', 0, 255,          0, NULL},
    {"weight",        'd', 0, 999999999.0,  0, NULL},
    {"is_sample",     'b', 0, 0,            0, NULL},
    {"group",         's', 0, 200,          1, NULL},
    {"input",         's', 0, 0,            0, NULL},
    {"answer",        's', 0, 0,            0, NULL},
    {"input_base64",  's', 0, 0,            0, NULL},
    {"answer_base64", 's', 0, 0,            0, NULL},
    {NULL, 0, 0, 0, 0, NULL},
};
// clang-format on

int sv_admin_tests_list(sv_ctx *ctx)
{
	const char *id = sv_admin_id_text(ctx, ctx->id);

	return sv_admin_send_row(ctx, apr_psprintf(ctx->r->pool, "task %s not found", id), SV_ADM_TESTS_LIST, id, id,
				 id);
}

static int save(sv_ctx *ctx, const char *task, const char *test)
{
	cJSON *body = sv_admin_json_body(ctx, SV_ADMIN_JSON_LIMIT, test_fields, NULL);
	const cJSON *group;

	if (!body)
		return OK;
	if ((group = cJSON_GetObjectItemCaseSensitive(body, "group")) && cJSON_IsString(group) &&
	    !sv_admin_name_valid(group->valuestring, 200, 1))
		return sv_send_error(
		    ctx->r, HTTP_BAD_REQUEST,
		    "group must be 1-200 of letters, digits and _ . / -, starting with a letter, digit "
		    "or _");
	if (cJSON_HasObjectItem(body, "input") && cJSON_HasObjectItem(body, "input_base64"))
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "give input or input_base64, not both");
	if (cJSON_HasObjectItem(body, "answer") && cJSON_HasObjectItem(body, "answer_base64"))
		return sv_send_error(ctx->r, HTTP_BAD_REQUEST, "give answer or answer_base64, not both");
	return sv_admin_send_call(ctx, SV_ADM_TEST_SAVE, sv_admin_actor(ctx), sv_admin_action(ctx), task, test,
				  sv_admin_json_text(ctx->r, body));
}

int sv_admin_test_create(sv_ctx *ctx)
{
	return save(ctx, sv_admin_id_text(ctx, ctx->id), NULL);
}

int sv_admin_test_update(sv_ctx *ctx)
{
	return save(ctx, NULL, sv_admin_id_text(ctx, ctx->id));
}

int sv_admin_test_delete(sv_ctx *ctx)
{
	return sv_admin_send_call(ctx, SV_ADM_TEST_DELETE, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id));
}

/* The bytes of a test's input or answer, as a download named after its order. */
static int send_data(sv_ctx *ctx, const char *what, const char *ext)
{
	request_rec *r = ctx->r;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *hex;
	apr_size_t n;
	char *bytes;

	if (sv_admin_select(ctx, SV_ADM_TEST_DATA, &res, what, sv_admin_id_text(ctx, ctx->id)) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	if (!(row = sv_db_row(&ctx->db, res, 1)))
		return sv_send_error(r, HTTP_NOT_FOUND, "test %" APR_INT64_T_FMT " not found", ctx->id);
	hex = sv_db_get(&ctx->db, row, 0);
	n = strlen(hex) / 2;
	bytes = apr_palloc(r->pool, n + 1);
	for (apr_size_t i = 0; i < n; i++)
		bytes[i] = (char)(sv_hex_digit(hex[2 * i]) << 4 | sv_hex_digit(hex[2 * i + 1]));
	return sv_admin_send_file(ctx, "application/octet-stream",
				  apr_psprintf(r->pool, "%s.%s", sv_db_get(&ctx->db, row, 1), ext), bytes, n);
}

int sv_admin_test_input(sv_ctx *ctx)
{
	return send_data(ctx, "input", "in");
}

int sv_admin_test_answer(sv_ctx *ctx)
{
	return send_data(ctx, "answer", "ans");
}

/* ---- Archives ---------------------------------------------------------------------------------- */

/* One test of an archive: its name (the path without .in/.ans) and the bytes of each half. */
typedef struct {
	const char *name;
	const char *input, *answer;
	apr_size_t input_len, answer_len;
	int has_input, has_answer;
} archive_pair;

static int pair_cmp(const void *a, const void *b)
{
	return sv_admin_natural_cmp(((const archive_pair *)a)->name, ((const archive_pair *)b)->name);
}

static archive_pair *pair_of(apr_array_header_t *pairs, apr_pool_t *p, const char *name, apr_size_t len)
{
	archive_pair *pair;

	for (int i = 0; i < pairs->nelts; i++) {
		pair = &APR_ARRAY_IDX(pairs, i, archive_pair);
		if (strlen(pair->name) == len && !strncmp(pair->name, name, len))
			return pair;
	}
	pair = apr_array_push(pairs);
	memset(pair, 0, sizeof(*pair));
	pair->name = apr_pstrmemdup(p, name, len);
	return pair;
}

/* Reads the zip's .in/.ans pairs into pairs (sorted); NULL, or the client's message. Other files
 * (a README, directories) are left out. */
static const char *read_archive(apr_pool_t *p, const char *data, apr_size_t len, apr_array_header_t *pairs)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *zip;
	zip_int64_t n;
	zip_uint64_t total = 0;
	const char *problem = NULL;

	zip_error_init(&zerr);
	if (!(src = zip_source_buffer_create(data, len, 0, &zerr)))
		return "cannot read the archive";
	if (!(zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr))) {
		zip_source_free(src);
		problem = zip_error_code_zip(&zerr) == ZIP_ER_NOZIP
			      ? "archive is not a zip file"
			      : apr_psprintf(p, "archive cannot be read as a zip file (%s)", zip_error_strerror(&zerr));
		zip_error_fini(&zerr);
		return problem;
	}
	n = zip_get_num_entries(zip, 0);
	if (n > ARCHIVE_MAX_ENTRIES)
		problem =
		    apr_psprintf(p, "archive has %lld entries; at most %d are read", (long long)n, ARCHIVE_MAX_ENTRIES);
	for (zip_int64_t i = 0; !problem && i < n; i++) {
		zip_stat_t st;
		const char *name, *ext;
		archive_pair *pair;
		zip_file_t *f;
		char *bytes;
		apr_size_t nlen;

		if (zip_stat_index(zip, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) ||
		    !(st.valid & ZIP_STAT_SIZE)) {
			problem = "archive is damaged (an entry cannot be read)";
			break;
		}
		name = st.name;
		if (sv_admin_path_unsafe(name)) {
			problem = apr_psprintf(
			    p, "archive entry \"%s\" is not a plain relative path (no .., no leading /)", name);
			break;
		}
		nlen = strlen(name);
		if (name[nlen - 1] == '/')
			continue;
		if (nlen > 3 && !strcmp(name + nlen - 3, ".in"))
			ext = name + nlen - 3;
		else if (nlen > 4 && !strcmp(name + nlen - 4, ".ans"))
			ext = name + nlen - 4;
		else
			continue;
		if ((total += st.size) > ARCHIVE_MAX_BYTES) {
			problem = "archive holds more than 256 MiB of tests";
			break;
		}
		pair = pair_of(pairs, p, name, (apr_size_t)(ext - name));
		if ((ext[1] == 'i' ? pair->has_input : pair->has_answer)) {
			problem = apr_psprintf(p, "archive holds %s twice", name);
			break;
		}
		bytes = apr_palloc(p, (apr_size_t)st.size + 1);
		if (!(f = zip_fopen_index(zip, (zip_uint64_t)i, 0)) ||
		    zip_fread(f, bytes, st.size) != (zip_int64_t)st.size) {
			problem = apr_psprintf(p, "archive entry %s cannot be read (damaged or encrypted)", name);
			if (f)
				zip_fclose(f);
			break;
		}
		zip_fclose(f);
		if (ext[1] == 'i') {
			pair->input = bytes;
			pair->input_len = (apr_size_t)st.size;
			pair->has_input = 1;
		} else {
			pair->answer = bytes;
			pair->answer_len = (apr_size_t)st.size;
			pair->has_answer = 1;
		}
	}
	zip_discard(zip);
	for (int i = 0; !problem && i < pairs->nelts; i++) {
		archive_pair *pair = &APR_ARRAY_IDX(pairs, i, archive_pair);

		if (!pair->has_answer)
			problem = apr_psprintf(p, "archive holds %s.in without %s.ans", pair->name, pair->name);
		else if (!pair->has_input)
			problem = apr_psprintf(p, "archive holds %s.ans without %s.in", pair->name, pair->name);
	}
	if (!problem && pairs->nelts == 0)
		problem = "archive holds no tests (name.in and name.ans pairs)";
	if (!problem)
		qsort(pairs->elts, (size_t)pairs->nelts, sizeof(archive_pair), pair_cmp);
	return problem;
}

static const char *base64(apr_pool_t *p, const char *bytes, apr_size_t len)
{
	char *out = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)len));

	apr_base64_encode_binary(out, (const unsigned char *)bytes, (int)len);
	return out;
}

/* The last path segment of a pair's name: "secret/01" is test "01". */
static const char *test_name(const char *name)
{
	const char *slash = strrchr(name, '/');

	return slash ? slash + 1 : name;
}

int sv_admin_tests_archive(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	apr_array_header_t *pairs = apr_array_make(r->pool, 16, sizeof(archive_pair));
	const char *data, *problem;
	apr_size_t len = 0;
	cJSON *list;

	if (sv_admin_read_body(ctx, SV_ADMIN_UPLOAD_LIMIT) != 0)
		return OK;
	data = ctx->in.fields ? sv_input_get(r, &ctx->in, "archive", &len, NULL) : NULL;
	if (!data)
		return sv_send_error(r, HTTP_BAD_REQUEST, "send the zip as the multipart/form-data field \"archive\"");
	if (len == 0)
		return sv_send_error(r, HTTP_BAD_REQUEST, "archive is empty (0 bytes)");
	if ((problem = read_archive(r->pool, data, len, pairs)) != NULL)
		return sv_send_error(r, HTTP_BAD_REQUEST, "%s", problem);
	list = sv_json_own(r, cJSON_CreateArray());
	for (int i = 0; i < pairs->nelts; i++) {
		const archive_pair *pair = &APR_ARRAY_IDX(pairs, i, archive_pair);
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "name", test_name(pair->name));
		cJSON_AddStringToObject(t, "input_base64", base64(r->pool, pair->input, pair->input_len));
		cJSON_AddStringToObject(t, "answer_base64", base64(r->pool, pair->answer, pair->answer_len));
		cJSON_AddItemToArray(list, t);
	}
	return sv_admin_send_call(ctx, SV_ADM_TESTS_ADD, sv_admin_actor(ctx), sv_admin_action(ctx),
				  sv_admin_id_text(ctx, ctx->id), sv_admin_json_text(r, list));
}
