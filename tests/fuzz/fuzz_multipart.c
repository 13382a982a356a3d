/* mod_solveit's multipart/form-data parser (sv_multipart_parse, solveit_text.c): submissions'
 * uploaded files and the staff's package and archive uploads. The input's first line is the
 * request's Content-Type header, the rest is the body. */

#include "fuzz_form.h"

#include "apr_strings.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const unsigned char *nl = memchr(data, '\n', size);
	size_t ct_len = nl ? (size_t)(nl - data) : size;
	size_t body_len = nl ? size - ct_len - 1 : 0;
	apr_pool_t *p = fuzz_pool();
	const char *err = NULL;
	/* A header value never holds a NUL (httpd ends it there). */
	const char *content_type = apr_pstrmemdup(p, (const char *)data, ct_len);
	char *body = fuzz_copy(nl ? nl + 1 : data + size, body_len);

	/* Values point into the body, NUL-terminated over their delimiter. */
	fuzz_check_fields(sv_multipart_parse(p, content_type, body, body_len, &err), err, body, body_len);
	apr_pool_destroy(p);
	free(body);
	return 0;
}
