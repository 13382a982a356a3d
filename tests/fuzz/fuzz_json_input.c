/* mod_solveit's JSON input reader (sv_input_read and sv_input_get, solveit_http.c) on the
 * Apache stub of the unit tests (tests/unit/httpd_stub.c): a request body as a client sends it.
 * The first byte picks how it is sent (application/json, or no Content-Type with a body that
 * opens with '{'), and the size of the chunks httpd hands over; the rest is the body. */

#include "fuzz_common.h"

#include "apr_general.h"
#include "httpd_stub.h"
#include "solveit_http.h"

static apr_pool_t *root;
static server_rec *server;

/* The fields the module's handlers read from a JSON body. */
static const char *const names[] = {"task_id",  "language_id", "code",    "idempotency_key", "username",
				    "password", "csrf_token",  "is_open", "time_limit_ms",   "weight"};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	request_rec *r;
	sv_input in;
	const char *err = NULL;
	char *body;
	int rc;

	if (size < 1)
		return 0;
	if (!root) {
		apr_initialize();
		apr_pool_create(&root, NULL);
		server = stub_server(root);
	}
	body = fuzz_copy(data + 1, size - 1);
	r = stub_request(root, server, "POST", "/solveit/api/submissions");
	stub_body(r, (data[0] & 1) ? NULL : "application/json; charset=utf-8", body, size - 1, (data[0] & 2) != 0);
	rc = sv_input_read(r, 1 << 20, &in, &err);
	if (rc != 0) {
		FUZZ_ASSERT(err && *err);
	} else if (in.json) {
		FUZZ_ASSERT(cJSON_IsObject(in.json));
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			apr_size_t len = 0;
			const char *filename = NULL;
			const char *v = sv_input_get(r, &in, names[i], &len, &filename);

			if (v) {
				/* The reader refuses a NUL in any string: what it hands over is whole. */
				FUZZ_ASSERT(strlen(v) == len);
				fuzz_touch(v, len);
			}
			FUZZ_ASSERT(filename == NULL);
		}
	}
	apr_pool_destroy(r->pool);
	free(body);
	return 0;
}
