/* mod_solveit's application/x-www-form-urlencoded parser (sv_urlencoded_parse, solveit_text.c):
 * request bodies and query strings, as the module reads them. */

#include "fuzz_form.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	apr_pool_t *p = fuzz_pool();
	const char *err = NULL;
	char *body = fuzz_copy(data, size);

	fuzz_check_fields(sv_urlencoded_parse(p, body, size, &err), err, NULL, 0);
	apr_pool_destroy(p);
	free(body);
	return 0;
}
