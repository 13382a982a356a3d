#ifndef SOLVEIT_HTTP_H
#define SOLVEIT_HTTP_H

#include "httpd.h"

#include <cjson/cJSON.h>

#include "apr_tables.h"
#include "util_filter.h"

/* A request body parsed by its Content-Type: JSON, urlencoded or multipart/form-data. */
typedef struct {
	cJSON *json;                /* JSON object bodies */
	apr_array_header_t *fields; /* form bodies: sv_field */
	int is_form;                /* a browser form post: answer with a redirect where it makes sense */
} sv_input;

/* Takes ownership of body (deleted with r->pool's cleanup). */
cJSON *sv_json_own(request_rec *r, cJSON *body);

/* Sends body (owned, freed here) as JSON with status; returns OK for the handler to return. */
int sv_send_json(request_rec *r, int status, cJSON *body);

/* Sends {"error": message} with status. */
/* Sends a JSON text with its ETag ("..."), private and revalidated every time; answers 304 when
 * If-None-Match holds match (the tag's unique part: mod_deflate hands back "<tag>-gzip"). */
int sv_send_json_tagged(request_rec *r, const char *etag, const char *match, const char *json, apr_size_t len);

int sv_send_error(request_rec *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 303 to base-relative location (for HTML forms). */
int sv_redirect(request_rec *r, const char *location);

/* Whether to answer a form post with a 303 to a page: a browser form (not asking for JSON). */
int sv_form_redirect(request_rec *r, const sv_input *in);

/* Reads and parses the body, at most limit bytes. Returns 0, or an HTTP status with a message
 * for the client in *err. */
int sv_input_read(request_rec *r, apr_size_t limit, sv_input *in, const char **err);

/* A field as text (JSON strings, numbers and booleans; form fields and files). NULL when
 * absent. len and filename may be NULL. */
const char *sv_input_get(request_rec *r, const sv_input *in, const char *name, apr_size_t *len, const char **filename);

/* Whether the connection is TLS (mod_ssl's http_scheme hook). */
int sv_is_tls(request_rec *r);

#define SV_JSON_ERROR_FILTER "SOLVEIT_JSON_ERROR"

/* Output filter for the error pages httpd itself makes (ap_send_error_response) under
 * <base>/api/: the HTML is dropped and {"error": "<reason phrase>"} sent instead, so that every
 * answer there is JSON, the module's own errors and httpd's alike. */
apr_status_t sv_json_error_filter(ap_filter_t *f, apr_bucket_brigade *bb);

/* Parses a whole positive decimal id; 0 when it is not one. */
apr_int64_t sv_parse_id(const char *s);

#endif
