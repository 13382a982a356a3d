/* mod_solveit's application/x-www-form-urlencoded parser (sv_urlencoded_parse, solveit_text.c):
 * request bodies and query strings, as the module reads them. */

#include "fuzz_common.h"

#include "apr_general.h"
#include "solveit_text.h"

static apr_pool_t *root;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	apr_pool_t *p;
	const char *err = NULL;
	char *body = fuzz_copy(data, size);
	apr_array_header_t *fields;

	if (!root) {
		apr_initialize();
		apr_pool_create(&root, NULL);
	}
	apr_pool_create(&p, root);
	fields = sv_urlencoded_parse(p, body, size, &err);
	if (!fields) {
		FUZZ_ASSERT(err && *err);
	} else {
		for (int i = 0; i < fields->nelts; i++) {
			const sv_field *f = &APR_ARRAY_IDX(fields, i, sv_field);

			FUZZ_ASSERT(f->name && f->value);
			/* A value is NUL-terminated after len (the callers rely on it). */
			FUZZ_ASSERT(f->value[f->len] == '\0');
			fuzz_touch_str(f->name);
			fuzz_touch(f->value, f->len);
			FUZZ_ASSERT(sv_fields_get(fields, f->name) != NULL);
		}
	}
	apr_pool_destroy(p);
	free(body);
	return 0;
}
