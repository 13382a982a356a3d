#include "solveit_http.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_filter.h"

#include "solveit_text.h"
#include "sv_parse.h"

APLOG_USE_MODULE(solveit);

static apr_status_t json_cleanup(void *tree)
{
	cJSON_Delete(tree);
	return APR_SUCCESS;
}

cJSON *sv_json_own(request_rec *r, cJSON *body)
{
	if (body)
		apr_pool_cleanup_register(r->pool, body, json_cleanup, apr_pool_cleanup_null);
	return body;
}

static void common_headers(request_rec *r)
{
	apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
	apr_table_setn(r->headers_out, "Cache-Control", "no-store");
}

int sv_send_json(request_rec *r, int status, cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);

	cJSON_Delete(body);
	if (!text)
		return HTTP_INTERNAL_SERVER_ERROR;
	r->status = status;
	common_headers(r);
	ap_set_content_type(r, "application/json; charset=utf-8");
	ap_set_content_length(r, (apr_off_t)strlen(text));
	if (!r->header_only)
		ap_rwrite(text, (int)strlen(text), r);
	free(text);
	return OK;
}

int sv_send_error(request_rec *r, int status, const char *fmt, ...)
{
	cJSON *body = cJSON_CreateObject();
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = apr_pvsprintf(r->pool, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(body, "error", msg);
	/* Clients' mistakes are worth a debug line; the server's own are logged where they happen. */
	ap_log_rerror(APLOG_MARK, status >= 500 ? APLOG_ERR : APLOG_DEBUG, 0, r, "solveit: %d %s", status, msg);
	return sv_send_json(r, status, body);
}

int sv_redirect(request_rec *r, const char *location)
{
	apr_table_setn(r->headers_out, "Location", location);
	common_headers(r);
	r->status = HTTP_SEE_OTHER;
	ap_set_content_type(r, "text/plain; charset=utf-8");
	ap_rputs("See Other\n", r);
	return OK;
}

static int read_body(request_rec *r, apr_size_t limit, char **body, apr_size_t *len, const char **err)
{
	long long announced = 0;
	apr_size_t cap = 8192, used = 0;
	char *buf;
	int rc;

	/* httpd has checked the header already; what is not a number announces nothing. */
	if (sv_parse_ll(apr_table_get(r->headers_in, "Content-Length"), 0, LLONG_MAX, &announced) < 0)
		announced = 0;
	if (announced > (long long)limit) {
		*err = apr_psprintf(r->pool, "request body is larger than %" APR_SIZE_T_FMT " bytes", limit);
		return HTTP_REQUEST_ENTITY_TOO_LARGE;
	}
	if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
		*err = "cannot read the request body";
		return rc;
	}
	if (announced > 0)
		cap = (apr_size_t)announced + 1;
	buf = apr_palloc(r->pool, cap);
	if (ap_should_client_block(r)) {
		long n;

		for (;;) {
			if (used + 1 >= cap) {
				char *grown = apr_palloc(r->pool, cap * 2);

				memcpy(grown, buf, used);
				buf = grown;
				cap *= 2;
			}
			n = ap_get_client_block(r, buf + used, cap - used - 1);
			if (n == 0)
				break;
			if (n < 0) {
				*err = "cannot read the request body";
				return HTTP_BAD_REQUEST;
			}
			used += (apr_size_t)n;
			if (used > limit) {
				*err = apr_psprintf(r->pool, "request body is larger than %" APR_SIZE_T_FMT " bytes",
						    limit);
				return HTTP_REQUEST_ENTITY_TOO_LARGE;
			}
		}
	}
	buf[used] = '\0';
	*body = buf;
	*len = used;
	return 0;
}

/* Whether a JSON text holds a NUL in a string, raw or as \u0000: cJSON would keep it and cut the
 * value there, so that "print(1)\u0000tail" reached the database as "print(1)". A backslash can
 * only stand in a string, so the escapes are found without following the grammar. */
static int json_has_nul(const char *body, apr_size_t len)
{
	if (memchr(body, '\0', len))
		return 1;
	for (const char *s = body, *end = body + len; (s = memchr(s, '\\', (apr_size_t)(end - s))) != NULL; s += 2) {
		if (end - s >= 6 && !memcmp(s + 1, "u0000", 5))
			return 1;
		if (end - s < 2)
			break;
	}
	return 0;
}

int sv_input_read(request_rec *r, apr_size_t limit, sv_input *in, const char **err)
{
	const char *ct = apr_table_get(r->headers_in, "Content-Type");
	char *body;
	apr_size_t len;
	int rc;

	memset(in, 0, sizeof(*in));
	if ((rc = read_body(r, limit, &body, &len, err)) != 0)
		return rc;
	if (!ct)
		ct = "";
	if (!strncasecmp(ct, "application/json", 16) || (!*ct && len > 0 && body[0] == '{')) {
		if (json_has_nul(body, len)) {
			*err =
			    "request body holds a NUL character (\\u0000) in a JSON string; no field may contain one";
			return HTTP_BAD_REQUEST;
		}
		in->json = sv_json_own(r, cJSON_ParseWithLength(body, len));
		if (!in->json || !cJSON_IsObject(in->json)) {
			*err = "request body is not a JSON object";
			return HTTP_BAD_REQUEST;
		}
		return 0;
	}
	if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
		in->fields = sv_urlencoded_parse(r->pool, body, len, err);
		in->is_form = 1;
		return in->fields ? 0 : HTTP_BAD_REQUEST;
	}
	if (!strncasecmp(ct, "multipart/form-data", 19)) {
		in->fields = sv_multipart_parse(r->pool, ct, body, len, err);
		in->is_form = 1;
		return in->fields ? 0 : HTTP_BAD_REQUEST;
	}
	if (len == 0) {
		in->fields = apr_array_make(r->pool, 1, sizeof(sv_field));
		return 0;
	}
	*err = "unsupported Content-Type: send application/json, application/x-www-form-urlencoded or "
	       "multipart/form-data";
	return HTTP_UNSUPPORTED_MEDIA_TYPE;
}

/* A JSON number as the text a form would carry: whole numbers (exactly representable ones) in
 * decimal, anything else with every digit it has, so that 50.0000001 never reads as 50. */
static const char *number_text(apr_pool_t *p, double v)
{
	if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(apr_int64_t)v) /* |v| < 2^53 */
		return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)v);
	return apr_psprintf(p, "%.17g", v);
}

const char *sv_input_get(request_rec *r, const sv_input *in, const char *name, apr_size_t *len, const char **filename)
{
	const char *v = NULL;

	if (filename)
		*filename = NULL;
	if (in->json) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(in->json, name);

		if (cJSON_IsString(item))
			v = item->valuestring;
		else if (cJSON_IsNumber(item))
			v = number_text(r->pool, item->valuedouble);
		else if (cJSON_IsBool(item))
			v = cJSON_IsTrue(item) ? "true" : "false";
		if (v && len)
			*len = strlen(v);
		return v;
	}
	if (in->fields) {
		const sv_field *f = sv_fields_get(in->fields, name);

		if (!f)
			return NULL;
		if (len)
			*len = f->len;
		if (filename)
			*filename = f->filename;
		return f->value;
	}
	return NULL;
}

int sv_is_tls(request_rec *r)
{
	return strcmp(ap_http_scheme(r), "https") == 0;
}

apr_int64_t sv_parse_id(const char *s)
{
	long long v;

	/* 15 digits at most, as PostgreSQL's bigserial ids will not reach more for a long while. */
	return s && strlen(s) <= 15 && sv_parse_ll(s, 1, LLONG_MAX, &v) == 0 ? v : 0;
}

int sv_form_redirect(request_rec *r, const sv_input *in)
{
	const char *accept = apr_table_get(r->headers_in, "Accept");

	return in->is_form && !(accept && strstr(accept, "application/json"));
}

int sv_send_json_tagged(request_rec *r, const char *etag, const char *match, const char *json, apr_size_t len)
{
	const char *inm = apr_table_get(r->headers_in, "If-None-Match");

	apr_table_setn(r->headers_out, "ETag", etag);
	apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
	apr_table_setn(r->headers_out, "Vary", "Cookie");
	apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
	if (inm && (strstr(inm, match) || !strcmp(inm, "*"))) {
		r->status = HTTP_NOT_MODIFIED;
		return OK;
	}
	r->status = HTTP_OK;
	ap_set_content_type(r, "application/json; charset=utf-8");
	ap_set_content_length(r, (apr_off_t)len);
	if (!r->header_only)
		ap_rwrite(json, (int)len, r);
	return OK;
}

apr_status_t sv_json_error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
	request_rec *r = f->r;
	apr_bucket *b, *next;

	if (!f->ctx) {
		const char *line = ap_get_status_line(r->status);
		cJSON *body = cJSON_CreateObject();
		char *text, *reason;

		/* "404 Not Found" -> "not found": the status says the rest. */
		reason = apr_pstrdup(r->pool, strlen(line) > 4 ? line + 4 : "error");
		for (char *c = reason; *c; c++)
			*c = (char)apr_tolower(*c);
		cJSON_AddStringToObject(body, "error", reason);
		text = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
		f->ctx = text ? apr_pstrdup(r->pool, text) : "{\"error\":\"error\"}";
		free(text);
		ap_set_content_type(r, "application/json; charset=utf-8");
		apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
	}
	for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = next) {
		next = APR_BUCKET_NEXT(b);
		if (APR_BUCKET_IS_EOS(b)) {
			const char *json = f->ctx;

			APR_BUCKET_INSERT_BEFORE(b, apr_bucket_immortal_create(json, strlen(json), bb->bucket_alloc));
			ap_remove_output_filter(f);
			break;
		}
		if (!APR_BUCKET_IS_METADATA(b))
			apr_bucket_delete(b);
	}
	return ap_pass_brigade(f->next, bb);
}
