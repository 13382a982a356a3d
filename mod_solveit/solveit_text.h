#ifndef SOLVEIT_TEXT_H
#define SOLVEIT_TEXT_H

/* Pure text helpers (APR only, no httpd): unit-tested in tests/unit/check_module.c. */

#include "apr_pools.h"
#include "apr_tables.h"

/* One field of a form body (urlencoded or multipart). value is NUL-terminated but may hold NUL
 * bytes before len; filename is NULL unless the part was an uploaded file. */
typedef struct {
	const char *name;
	const char *value;
	apr_size_t len;
	const char *filename;
} sv_field;

/* Escapes & < > " ' for HTML text and attribute values; ' becomes &#39; (ap_escape_html2 leaves
 * it alone). */
char *sv_html_escape(apr_pool_t *p, const char *s);

/* True when [s, s+len) is well-formed UTF-8: no overlong forms, surrogates or code points above
 * U+10FFFF. */
int sv_utf8_valid(const char *s, apr_size_t len);

/* The length of [s, s+len) without a UTF-8 sequence cut short at its end: text cut at a byte
 * count stays valid UTF-8 when it was before the cut. */
apr_size_t sv_utf8_whole(const char *s, apr_size_t len);

/* Lower-case hexadecimal of len bytes. */
char *sv_hex(apr_pool_t *p, const unsigned char *bytes, apr_size_t len);

/* Decodes hexadecimal digits (either case) into a new NUL-terminated buffer of *len bytes; NULL
 * when hex is NULL or not an even number of hex digits. */
char *sv_hex_decode(apr_pool_t *p, const char *hex, apr_size_t *len);

/* Parses an application/x-www-form-urlencoded body into an array of sv_field. Returns NULL with
 * a reason in *err on a malformed escape. */
apr_array_header_t *sv_urlencoded_parse(apr_pool_t *p, const char *body, apr_size_t len, const char **err);

/* Parses a multipart/form-data body given the request's Content-Type, in place: the values point
 * into body, which is changed (each value is NUL-terminated over its delimiter) and must live as
 * long as they do. Returns an array of sv_field, or NULL with a reason in *err. */
apr_array_header_t *sv_multipart_parse(apr_pool_t *p, const char *content_type, char *body, apr_size_t len,
				       const char **err);

/* The first field called name, or NULL. */
const sv_field *sv_fields_get(const apr_array_header_t *fields, const char *name);

/* Whether s is one of the NULL-terminated words[] (exactly, case and all). */
int sv_word_in(const char *s, const char *const *words);

/* Whether s is a decimal integer as PostgreSQL prints one (an optional '-', then digits only), so
 * that it can go into JSON as it is. */
int sv_integer_text(const char *s);

/* Constant-time comparison of two NUL-terminated strings (length leaks, content does not). */
int sv_secure_equal(const char *a, const char *b);

#endif
