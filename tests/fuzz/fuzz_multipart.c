/* mod_solveit's multipart/form-data parser (sv_multipart_parse, solveit_text.c): submissions'
 * uploaded files and the staff's package and archive uploads. The input's first line is the
 * request's Content-Type header, the rest is the body. */

#include "fuzz_common.h"

#include "apr_general.h"
#include "apr_strings.h"
#include "solveit_text.h"

static apr_pool_t *root;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	size_t body_len = nl ? size - ct_len - 1 : 0;
	apr_pool_t *p;
	const char *err = NULL;
	char *content_type, *body;
	apr_array_header_t *fields;

	if (!root) {
		apr_initialize();
		apr_pool_create(&root, NULL);
	}
	apr_pool_create(&p, root);
	/* A header value never holds a NUL (httpd ends it there). */
	content_type = apr_pstrmemdup(p, (const char *)data, ct_len);
	body = fuzz_copy(nl ? nl + 1 : data + size, body_len);
	fields = sv_multipart_parse(p, content_type, body, body_len, &err);
	if (!fields) {
		FUZZ_ASSERT(err && *err);
	} else {
		for (int i = 0; i < fields->nelts; i++) {
			const sv_field *f = &APR_ARRAY_IDX(fields, i, sv_field);

			FUZZ_ASSERT(f->name && f->value);
			/* Values point into the body, NUL-terminated over their delimiter. */
			FUZZ_ASSERT(f->value >= body && f->value + f->len <= body + body_len);
			FUZZ_ASSERT(f->value[f->len] == '\0');
			fuzz_touch_str(f->name);
			fuzz_touch_str(f->filename);
			fuzz_touch(f->value, f->len);
		}
	}
	apr_pool_destroy(p);
	free(body);
	return 0;
}
