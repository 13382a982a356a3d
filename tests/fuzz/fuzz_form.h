#ifndef FUZZ_FORM_H
#define FUZZ_FORM_H

/* What the form parsers' harnesses share: an APR pool per input, and the properties of the
 * fields they hand back. */

#include "fuzz_common.h"

#include "apr_general.h"
#include "solveit_text.h"

/* A new pool for one input, under a root made on first use (destroy it when done). */
static inline apr_pool_t *fuzz_pool(void)
{
	static apr_pool_t *root;
	apr_pool_t *p;

	if (!root) {
		apr_initialize();
		apr_pool_create(&root, NULL);
	}
	apr_pool_create(&p, root);
	return p;
}

/* A refusal has a reason; every field has a name and a value NUL-terminated at its length, and,
 * when body is given, the value lies inside [body, body+len) (parsed in place). */
static inline void fuzz_check_fields(const apr_array_header_t *fields, const char *err, const char *body, size_t len)
{
	if (!fields) {
		FUZZ_ASSERT(err && *err);
		return;
	}
	for (int i = 0; i < fields->nelts; i++) {
		const sv_field *f = &APR_ARRAY_IDX(fields, i, sv_field);

		FUZZ_ASSERT(f->name && f->value);
		if (body)
			FUZZ_ASSERT(f->value >= body && f->value + f->len <= body + len);
		FUZZ_ASSERT(f->value[f->len] == '\0');
		fuzz_touch_str(f->name);
		fuzz_touch_str(f->filename);
		fuzz_touch(f->value, f->len);
		FUZZ_ASSERT(sv_fields_get(fields, f->name) != NULL);
	}
}

#endif
