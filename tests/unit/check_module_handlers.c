/* mod_solveit's handlers through the route table, with httpd stubbed and the database faked
 * (httpd_stub.h): routing, access levels, CSRF and Origin refusals, body validation and the JSON
 * each answer carries. */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "apr_general.h"
#include "apr_md5.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include "httpd_stub.h"
#include "solveit_leaderboard.h"
#include "solveit_router.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CSRF  "c5rf-t0ken"

static apr_pool_t *pool;
static server_rec *server;
static solveit_config *cfg;

static void setup(void)
{
	apr_pool_create(&pool, NULL);
	server = stub_server(pool);
	cfg = solveit_config_get(server);
	fakedb_reset();
}

static void teardown(void)
{
	apr_pool_destroy(pool);
}

static request_rec *req(const char *method, const char *uri)
{
	return stub_request(pool, server, method, uri);
}

/* Runs the module's hooks as httpd would; returns the status the client sees. */
static int run(request_rec *r)
{
	int rc;

	if (solveit_translate(r) != OK)
		return -1;
	ck_assert_int_eq(solveit_map_to_storage(r), OK);
	rc = solveit_handler(r);
	return rc == OK ? r->status : rc;
}

static const char *error_of(request_rec *r)
{
	cJSON *body = stub_json(r);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(body, "error");

	ck_assert_msg(cJSON_IsString(e), "no JSON error in %s", stub_output(r, NULL));
	return e->valuestring;
}

static void json_body(request_rec *r, const char *json)
{
	stub_body(r, "application/json", json, strlen(json), 1);
}

/* A live session for the cookie TOKEN: its user, staff or not. */
static void session(int staff)
{
	static const char *const student[] = {"7", "student", "f", NULL, NULL, CSRF, "5", "3600"};
	static const char *const teacher[] = {"8", "teacher", "t", "3", "Staff room", CSRF, "5", "3600"};

	fakedb_answer(SV_SQL_SESSION_GET, 8, 1, staff ? teacher : student);
}

static void cookie(request_rec *r)
{
	apr_table_setn(r->headers_in, "Cookie", "other=1; solveit_session=" TOKEN);
}

static request_rec *user_req(const char *method, const char *uri, int staff)
{
	request_rec *r = req(method, uri);

	session(staff);
	cookie(r);
	return r;
}

static double number_of(const cJSON *obj, const char *name)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, name);

	ck_assert_msg(cJSON_IsNumber(n), "%s is not a number", name);
	return n->valuedouble;
}

static const char *string_of(const cJSON *obj, const char *name)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, name);

	ck_assert_msg(cJSON_IsString(s), "%s is not a string", name);
	return s->valuestring;
}

/* ---- routing ---- */

START_TEST(outside_the_api_is_not_ours)
{
	request_rec *r = req("GET", "/solveit/index.html");

	ck_assert_int_eq(solveit_translate(r), DECLINED);
	ck_assert_int_eq(solveit_handler(r), DECLINED);
	r = req("GET", "/other/api/tasks");
	ck_assert_int_eq(solveit_translate(r), DECLINED);
	cfg->base_path = "/judge";
	r = req("GET", "/judge/api/languages");
	ck_assert_int_eq(run(r), HTTP_OK);
	ck_assert_int_eq(run(req("GET", "/solveit/api/languages")), -1);
}
END_TEST

START_TEST(unknown_paths_get_a_json_404)
{
	request_rec *r = req("GET", "/solveit/api/nothing");

	ck_assert_int_eq(run(r), HTTP_NOT_FOUND);
	ck_assert_str_eq(error_of(r), "no such API endpoint: /api/nothing");
	ck_assert_str_eq(stub_content_type(r), "application/json; charset=utf-8");
	ck_assert_int_eq(run(req("GET", "/solveit/api/tasks/")), HTTP_NOT_FOUND);
	ck_assert_int_eq(run(req("GET", "/solveit/api/tasks/3/")), HTTP_NOT_FOUND);
	ck_assert_int_eq(run(req("GET", "/solveit/api/healthz")), HTTP_NOT_FOUND);
}
END_TEST

START_TEST(bad_ids_match_no_route)
{
	static const char *const bad[] = {"abc", "0", "-1", "+1", "1e3", "3x", "1234567890123456", " 1"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		request_rec *r = user_req("GET", apr_pstrcat(pool, "/solveit/api/submissions/", bad[i], NULL), 0);

		ck_assert_msg(run(r) == HTTP_NOT_FOUND, "id \"%s\" answered %d", bad[i], r->status);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMISSION_GET), 0);
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
	static const struct {
		const char *method, *path, *allow;
	} cases[] = {
	    {"PUT", "/api/tasks", "GET, HEAD"},
	    {"POST", "/api/tasks/3", "GET, HEAD"},
	    {"DELETE", "/api/submissions", "GET, HEAD, POST"},
	    {"GET", "/api/login", "POST"},
	    {"POST", "/api/health", "GET, HEAD"},
	    {"PATCH", "/api/submissions/9", "GET, HEAD"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request_rec *r = req(cases[i].method, apr_pstrcat(pool, "/solveit", cases[i].path, NULL));

		ck_assert_int_eq(run(r), HTTP_METHOD_NOT_ALLOWED);
		ck_assert_str_eq(apr_table_get(r->err_headers_out, "Allow"), cases[i].allow);
		ck_assert_str_eq(error_of(r), apr_psprintf(pool, "method %s not allowed here (allowed: %s)",
							   cases[i].method, cases[i].allow));
	}
}
END_TEST

START_TEST(every_route_row_is_reachable)
{
	/* Each row answers something other than 404/405 for its own method and path. */
	for (apr_size_t i = 0; i < solveit_route_count; i++) {
		const sv_route *route = &solveit_routes[i];
		const char *path = apr_pstrcat(pool, "/solveit", route->pattern, NULL);
		char *id = strstr(path, "{id}");
		request_rec *r;
		int status;

		if (id)
			path =
			    apr_pstrcat(pool, apr_pstrmemdup(pool, path, (apr_size_t)(id - path)), "5", id + 4, NULL);
		r = req(route->method == M_GET      ? "GET"
			: route->method == M_PUT    ? "PUT"
			: route->method == M_DELETE ? "DELETE"
						    : "POST",
			path);
		status = run(r);
		ck_assert_msg(status != HTTP_NOT_FOUND && status != HTTP_METHOD_NOT_ALLOWED, "%s answered %d",
			      route->pattern, status);
	}
}
END_TEST

static int staff_handler(sv_ctx *ctx)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddNumberToObject(body, "id", (double)ctx->id);
	cJSON_AddStringToObject(body, "who", ctx->sess->username);
	return sv_send_json(ctx->r, HTTP_OK, body);
}

/* A staff route of the next issues is one row. */
static const sv_route staff_routes[] = {
    {M_GET, "/api/admin/tasks/{id}/tests", staff_handler, SV_ACCESS_STAFF, 0, SV_BODY_NONE},
    {M_PUT, "/api/admin/tasks/{id}/tests", staff_handler, SV_ACCESS_STAFF, SV_ROUTE_CSRF, SV_BODY_FORM},
};

static int dispatch_staff(request_rec *r)
{
	sv_ctx ctx;
	int rc;

	sv_ctx_init(&ctx, r, r->uri + strlen("/solveit"));
	rc = sv_route_dispatch(&ctx, staff_routes, sizeof(staff_routes) / sizeof(staff_routes[0]));
	return rc == OK ? r->status : rc;
}

START_TEST(staff_routes_refuse_students)
{
	request_rec *r = user_req("GET", "/solveit/api/admin/tasks/12/tests", 0);

	ck_assert_int_eq(dispatch_staff(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "staff only");
	r = req("GET", "/solveit/api/admin/tasks/12/tests");
	ck_assert_int_eq(dispatch_staff(r), HTTP_UNAUTHORIZED);
	r = user_req("GET", "/solveit/api/admin/tasks/12/tests", 1);
	ck_assert_int_eq(dispatch_staff(r), HTTP_OK);
	ck_assert_int_eq((int)number_of(stub_json(r), "id"), 12);
	ck_assert_str_eq(string_of(stub_json(r), "who"), "teacher");
	/* Staff too need the CSRF token for a change. */
	r = user_req("PUT", "/solveit/api/admin/tasks/12/tests", 1);
	json_body(r, "{}");
	ck_assert_int_eq(dispatch_staff(r), HTTP_FORBIDDEN);
	r = user_req("DELETE", "/solveit/api/admin/tasks/12/tests", 1);
	ck_assert_int_eq(dispatch_staff(r), HTTP_METHOD_NOT_ALLOWED);
	ck_assert_str_eq(apr_table_get(r->err_headers_out, "Allow"), "GET, HEAD, PUT");
}
END_TEST

/* ---- the package import ---- */

#define IMPORT_URI "/solveit/api/admin/tasks/import"

/* A multipart body: the CSRF token (unless csrf is NULL) and, unless data is NULL, the file
 * field called field. */
static void package_body(request_rec *r, const char *csrf, const char *field, const char *data, apr_size_t len)
{
	const char *head =
	    apr_pstrcat(pool, csrf ? "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" : "",
			csrf ? csrf : "", csrf ? "\r\n" : "", "--XyZ\r\nContent-Disposition: form-data; name=\"", field,
			"\"; filename=\"hello.zip\"\r\nContent-Type: application/zip\r\n\r\n", NULL);
	apr_size_t hlen = strlen(head), tlen = strlen("\r\n--XyZ--\r\n");
	char *body = apr_palloc(pool, hlen + len + tlen);

	memcpy(body, head, hlen);
	if (data)
		memcpy(body + hlen, data, len);
	memcpy(body + hlen + len, "\r\n--XyZ--\r\n", tlen);
	stub_body(r, "multipart/form-data; boundary=XyZ", body, hlen + len + tlen, 1);
}

static request_rec *import_req(int staff, const char *csrf, const char *field, const char *data, apr_size_t len)
{
	request_rec *r = user_req("POST", IMPORT_URI, staff);

	package_body(r, csrf, field, data, len);
	return r;
}

START_TEST(import_is_for_staff_with_the_token)
{
	request_rec *r = import_req(0, CSRF, "package", "PK\5\6", 4);

	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "staff only");
	r = req("POST", IMPORT_URI);
	package_body(r, CSRF, "package", "PK\5\6", 4);
	ck_assert_int_eq(run(r), HTTP_UNAUTHORIZED);
	ck_assert_str_eq(error_of(r), "not logged in");
	r = import_req(1, NULL, "package", "PK\5\6", 4);
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "missing CSRF token (send the X-CSRF-Token header or a csrf_token field)");
	r = import_req(1, "wrong", "package", "PK\5\6", 4);
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "invalid CSRF token");
	r = user_req("GET", IMPORT_URI, 1);
	ck_assert_int_eq(run(r), HTTP_METHOD_NOT_ALLOWED);
	ck_assert_int_eq(fakedb_package_statements(), 0);
}
END_TEST

START_TEST(import_refuses_what_is_not_a_package)
{
	static const char empty_zip[22] = "PK\5\6"; /* an empty archive: its end record and nothing else */
	request_rec *r;

	r = user_req("POST", IMPORT_URI, 1);
	apr_table_setn(r->headers_in, "X-CSRF-Token", CSRF);
	json_body(r, "{\"package\":\"PK\"}");
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "send the problem package as a multipart/form-data file field \"package\"");
	r = import_req(1, CSRF, "archive", "PK\3\4", 4);
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "no \"package\" field: send the problem package (a zip) in it");
	r = import_req(1, CSRF, "package", "", 0);
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "the package is empty (0 bytes)");
	r = import_req(1, CSRF, "package", "problem.yaml", 12);
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "the package is not a zip file");
	/* The reader's own reason. */
	r = import_req(1, CSRF, "package", empty_zip, sizeof(empty_zip));
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_msg(!strncmp(error_of(r), "cannot import the package: ", 27), "%s", error_of(r));
	ck_assert_uint_gt(strlen(error_of(r)), 27);
	ck_assert_int_eq(fakedb_package_statements(), 0);
}
END_TEST

START_TEST(import_size_is_its_own_directive)
{
	/* Over the limit and the room for the form around the file. */
	apr_size_t len = 512 + 65536 + 1;
	char *big = apr_pcalloc(pool, len);
	request_rec *r;

	memcpy(big, "PK\3\4", 4);
	cfg->max_package = 512;
	r = import_req(1, CSRF, "package", big, len);
	ck_assert_int_eq(run(r), HTTP_REQUEST_ENTITY_TOO_LARGE);
	ck_assert_str_eq(error_of(r), "the package is larger than 512 bytes (SolveitMaxPackageSize)");
	ck_assert_int_eq(fakedb_package_statements(), 0);
	/* The other routes keep their limits. */
	ck_assert_int_eq(sv_cfg_max_source(cfg), 64 * 1024);
}
END_TEST

/* A zip of the NULL-terminated name, content pairs, built in memory on pool. */
static const char *make_zip(const char *const *files, apr_size_t *len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	zip_stat_t st;
	char *out;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	ck_assert_ptr_nonnull(src);
	zip_source_keep(src);
	z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	ck_assert_ptr_nonnull(z);
	for (; files[0]; files += 2)
		ck_assert_int_ge(zip_file_add(z, files[0], zip_source_buffer(z, files[1], strlen(files[1]), 0), 0), 0);
	ck_assert_int_eq(zip_close(z), 0);
	ck_assert_int_eq(zip_source_stat(src, &st), 0);
	out = apr_palloc(pool, (apr_size_t)st.size);
	ck_assert_int_eq(zip_source_open(src), 0);
	ck_assert_int_eq(zip_source_read(src, out, st.size), (zip_int64_t)st.size);
	zip_source_close(src);
	zip_source_free(src);
	*len = (apr_size_t)st.size;
	return out;
}

/* A package the reader takes reaches the store; its failures are the database's. */
START_TEST(import_store_failures)
{
	static const char *const files[] = {"problem.yaml",
					    "name: Store test\n",
					    "data/sample/1.in",
					    "1\n",
					    "data/sample/1.ans",
					    "1\n",
					    "data/secret/1.in",
					    "2\n",
					    "data/secret/1.ans",
					    "2\n",
					    NULL};
	apr_size_t len;
	const char *zip = make_zip(files, &len);
	request_rec *r;

	fakedb_package_error("duplicate key value violates unique constraint \"tasks_slug_key\"", 0);
	r = import_req(1, CSRF, "package", zip, len);
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r),
			 "cannot store the package: duplicate key value violates unique constraint \"tasks_slug_key\"");
	ck_assert_int_gt(fakedb_package_statements(), 0);
	/* A lost connection is the server's trouble, not the package's. */
	fakedb_package_error("server closed the connection unexpectedly", 1);
	r = import_req(1, CSRF, "package", zip, len);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	ck_assert_str_eq(error_of(r), "database unavailable");
}
END_TEST

/* ---- who may call what ---- */

START_TEST(user_routes_need_a_session)
{
	static const char *const paths[] = {"/api/tasks", "/api/tasks/1", "/api/submissions", "/api/submissions/1",
					    "/api/leaderboard"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		request_rec *r = req("GET", apr_pstrcat(pool, "/solveit", paths[i], NULL));

		ck_assert_int_eq(run(r), HTTP_UNAUTHORIZED);
		ck_assert_str_eq(error_of(r), "not logged in");
		ck_assert_ptr_null(apr_table_get(r->err_headers_out, "Set-Cookie"));
	}
}
END_TEST

START_TEST(an_unknown_token_is_dropped)
{
	request_rec *r = req("GET", "/solveit/api/tasks");

	cookie(r); /* no session row answers it */
	ck_assert_int_eq(run(r), HTTP_UNAUTHORIZED);
	ck_assert_str_eq(apr_table_get(r->err_headers_out, "Set-Cookie"),
			 "solveit_session=; Max-Age=0; Path=/solveit; HttpOnly; SameSite=Lax");
	/* Not one of ours (64 hex digits): ignored, not even looked up. */
	r = req("GET", "/solveit/api/tasks");
	apr_table_setn(r->headers_in, "Cookie", "solveit_session=" TOKEN "00");
	ck_assert_int_eq(run(r), HTTP_UNAUTHORIZED);
	ck_assert_int_eq(fakedb_calls(SV_SQL_SESSION_GET), 1);
}
END_TEST

START_TEST(database_down_is_503_not_401)
{
	request_rec *r = user_req("GET", "/solveit/api/tasks", 0);

	fakedb_down(1);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	ck_assert_str_eq(error_of(r), "database unavailable");
	fakedb_down(0);
	fakedb_fail(SV_SQL_SESSION_GET);
	r = user_req("GET", "/solveit/api/tasks", 0);
	fakedb_fail(SV_SQL_SESSION_GET);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	/* A failing database is no reason to drop the cookie. */
	ck_assert_ptr_null(apr_table_get(r->err_headers_out, "Set-Cookie"));
}
END_TEST

START_TEST(external_mode_refuses_builtin_routes)
{
	static const char *const paths[] = {"/api/login", "/api/register", "/api/password"};
	request_rec *r;

	cfg->auth_mode = SV_AUTH_EXTERNAL;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		r = req("POST", apr_pstrcat(pool, "/solveit", paths[i], NULL));
		json_body(r, "{\"username\":\"a\",\"password\":\"b\"}");
		ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
		ck_assert_str_eq(error_of(r), "this server uses external authentication (SolveitAuth external): "
					      "log in through the web server");
	}
	r = req("GET", "/solveit/api/tasks");
	ck_assert_int_eq(run(r), HTTP_UNAUTHORIZED);
	ck_assert_str_eq(error_of(r), "not authenticated by the web server (SolveitAuth external)");
	r = req("GET", "/solveit/api/tasks");
	r->user = "bad user!";
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "the web server's user name is not usable here (1-64 letters, digits, . _ - @)");
}
END_TEST

/* ---- Origin and CSRF ---- */

START_TEST(cross_origin_posts_are_refused)
{
	static const char *const login = "{\"username\":\"student\",\"password\":\"student\"}";
	request_rec *r = req("POST", "/solveit/api/login");

	json_body(r, login);
	apr_table_setn(r->headers_in, "Origin", "http://evil.example");
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "cross-origin request refused");
	r = req("POST", "/solveit/api/login");
	json_body(r, login);
	apr_table_setn(r->headers_in, "Referer", "http://judge.example.evil/x");
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	/* The refusal comes before anything is read or looked up. */
	ck_assert_int_eq(fakedb_calls(SV_SQL_LOGIN_ATTEMPT), 0);
	r = req("POST", "/solveit/api/login");
	json_body(r, login);
	apr_table_setn(r->headers_in, "Origin", "https://judge.example");
	stub_https(r, 1);
	ck_assert_int_ne(run(r), HTTP_FORBIDDEN);
}
END_TEST

START_TEST(state_changes_need_the_csrf_token)
{
	request_rec *r = user_req("POST", "/solveit/api/logout", 0);

	json_body(r, "{}");
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "missing CSRF token (send the X-CSRF-Token header or a csrf_token field)");
	r = user_req("POST", "/solveit/api/submissions", 0);
	json_body(r, "{}");
	apr_table_setn(r->headers_in, "X-CSRF-Token", "c5rf-t0keN");
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "invalid CSRF token");
	ck_assert_int_eq(fakedb_calls(SV_SQL_SESSION_DELETE), 0);
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMIT), 0);
}
END_TEST

START_TEST(logout_with_the_token)
{
	static const char form[] = "csrf_token=" CSRF;
	request_rec *r = user_req("POST", "/solveit/api/logout", 0);

	apr_table_setn(r->headers_in, "X-CSRF-Token", CSRF);
	ck_assert_int_eq(run(r), HTTP_OK);
	ck_assert_str_eq(string_of(stub_json(r), "status"), "logged out");
	ck_assert_int_eq(fakedb_calls(SV_SQL_SESSION_DELETE), 1);
	ck_assert_str_eq(apr_table_get(r->err_headers_out, "Set-Cookie"),
			 "solveit_session=; Max-Age=0; Path=/solveit; HttpOnly; SameSite=Lax");
	/* A browser form carries the token as a field and goes on to the pages. */
	r = user_req("POST", "/solveit/api/logout", 0);
	stub_body(r, "application/x-www-form-urlencoded", form, strlen(form), 1);
	ck_assert_int_eq(run(r), HTTP_SEE_OTHER);
	ck_assert_str_eq(apr_table_get(r->headers_out, "Location"), "/solveit/");
}
END_TEST

/* ---- bodies ---- */

START_TEST(bodies_that_are_not_usable)
{
	static const struct {
		const char *content_type, *body;
		int status;
		const char *error;
	} cases[] = {
	    {"application/json", "{\"username\":", HTTP_BAD_REQUEST, "request body is not a JSON object"},
	    {"application/json", "[\"student\"]", HTTP_BAD_REQUEST, "request body is not a JSON object"},
	    {"application/json", "{}", HTTP_BAD_REQUEST, "username and password are required"},
	    {"application/json", "{\"username\":\"student\",\"password\":\"\"}", HTTP_BAD_REQUEST,
	     "username and password are required"},
	    {"application/json", "{\"username\":{},\"password\":[]}", HTTP_BAD_REQUEST,
	     "username and password are required"},
	    {"application/json", "{\"username\":\"\xff\",\"password\":\"x\"}", HTTP_BAD_REQUEST,
	     "username and password must be valid UTF-8"},
	    {"text/plain", "student", HTTP_UNSUPPORTED_MEDIA_TYPE,
	     "unsupported Content-Type: send application/json, application/x-www-form-urlencoded or "
	     "multipart/form-data"},
	    {"application/x-www-form-urlencoded", "username=%zz", HTTP_BAD_REQUEST,
	     "malformed form body: bad %-escape"},
	    {"multipart/form-data", "--x\r\n", HTTP_BAD_REQUEST,
	     "malformed multipart body: no valid boundary in Content-Type"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request_rec *r = req("POST", "/solveit/api/login");

		stub_body(r, cases[i].content_type, cases[i].body, strlen(cases[i].body), 1);
		ck_assert_int_eq(run(r), cases[i].status);
		ck_assert_str_eq(error_of(r), cases[i].error);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_LOGIN_ATTEMPT), 0);
}
END_TEST

/* Past the free attempts the database says how long this account and address must wait: 429
 * with that Retry-After, before any password is checked. */
START_TEST(login_delays_are_429_with_retry_after)
{
	static const char *const wait[] = {NULL, "4"};
	request_rec *r = req("POST", "/solveit/api/login");

	fakedb_answer(SV_SQL_LOGIN_ATTEMPT, 2, 1, wait);
	json_body(r, "{\"username\":\"student\",\"password\":\"student\"}");
	ck_assert_int_eq(run(r), HTTP_TOO_MANY_REQUESTS);
	ck_assert_str_eq(error_of(r), "too many failed logins for this account from this address; try again in 4 s");
	ck_assert_str_eq(apr_table_get(r->err_headers_out, "Retry-After"), "4");
	ck_assert_int_eq(fakedb_calls(SV_SQL_USER_BY_NAME), 0);
}
END_TEST

START_TEST(oversized_bodies_are_413)
{
	apr_size_t len = SV_FORM_BODY_LIMIT + 1;
	char *big = apr_palloc(pool, len);
	request_rec *r;

	memset(big, 'a', len);
	/* Announced by Content-Length: refused before reading. */
	r = req("POST", "/solveit/api/login");
	stub_body(r, "application/json", big, len, 1);
	ck_assert_int_eq(run(r), HTTP_REQUEST_ENTITY_TOO_LARGE);
	ck_assert_str_eq(error_of(r), "request body is larger than 16384 bytes");
	/* Chunked, in small pieces: refused once the limit is passed. */
	r = req("POST", "/solveit/api/login");
	stub_body(r, "application/json", big, len, 0);
	ck_assert_int_eq(run(r), HTTP_REQUEST_ENTITY_TOO_LARGE);
	/* Exactly the limit is fine (and then not JSON). */
	r = req("POST", "/solveit/api/login");
	stub_body(r, "application/json", big, len - 1, 0);
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
}
END_TEST

/* ---- registration ---- */

START_TEST(registration_rules)
{
	static const struct {
		const char *body, *error;
	} cases[] = {
	    {"{\"username\":\"a b\",\"password\":\"long enough\"}",
	     "the username must be 1-64 letters, digits, . _ - or @"},
	    {"{\"username\":\"ann\",\"password\":\"short\"}", "password must be at least 8 characters"},
	    {"{\"username\":\"ann\",\"password\":"
	     "\"0123456789012345678901234567890123456789012345678901234567890123456789"
	     "xyz\"}",
	     "password must be at most 72 bytes"},
	    {"{\"username\":\"ann\"}", "username and password are required"},
	};
	request_rec *r = req("POST", "/solveit/api/register");

	json_body(r, "{\"username\":\"ann\",\"password\":\"long enough\"}");
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "registration is closed on this server");
	cfg->registration = 1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = req("POST", "/solveit/api/register");
		json_body(r, cases[i].body);
		ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
		ck_assert_str_eq(error_of(r), cases[i].error);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_USER_REGISTER), 0);
	/* A taken name: the INSERT returns no row. */
	r = req("POST", "/solveit/api/register");
	json_body(r, "{\"username\":\"ann\",\"password\":\"long enough\"}");
	ck_assert_int_eq(run(r), HTTP_CONFLICT);
	ck_assert_str_eq(error_of(r), "the username is taken");
}
END_TEST

/* ---- submissions ---- */

static request_rec *submission(const char *content_type, const char *body, apr_size_t len)
{
	request_rec *r = user_req("POST", "/solveit/api/submissions", 0);

	apr_table_setn(r->headers_in, "X-CSRF-Token", CSRF);
	stub_body(r, content_type, body, len, 1);
	return r;
}

START_TEST(submission_validation)
{
	static const struct {
		const char *body;
		int status;
		const char *error;
	} cases[] = {
	    {"{\"language_id\":71,\"code\":\"print(1)\"}", 400, "task_id must be a positive integer"},
	    {"{\"task_id\":\"one\",\"language_id\":71,\"code\":\"x\"}", 400, "task_id must be a positive integer"},
	    {"{\"task_id\":1.5,\"language_id\":71,\"code\":\"x\"}", 400, "task_id must be a positive integer"},
	    {"{\"task_id\":-3,\"language_id\":71,\"code\":\"x\"}", 400, "task_id must be a positive integer"},
	    {"{\"task_id\":true,\"language_id\":71,\"code\":\"x\"}", 400, "task_id must be a positive integer"},
	    {"{\"task_id\":1,\"code\":\"x\"}", 400, "language_id must be a positive integer"},
	    {"{\"task_id\":1,\"language_id\":[71],\"code\":\"x\"}", 400, "language_id must be a positive integer"},
	    {"{\"task_id\":1,\"language_id\":46,\"code\":\"x\"}", 400, "language 46 is not enabled on this server"},
	    {"{\"task_id\":1,\"language_id\":71}", 400, "code is required (a code field or an uploaded file)"},
	    {"{\"task_id\":1,\"language_id\":71,\"code\":{}}", 400,
	     "code is required (a code field or an uploaded file)"},
	    {"{\"task_id\":1,\"language_id\":71,\"code\":\" \\n\\t\"}", 400, "code is empty"},
	    {"{\"task_id\":1,\"language_id\":71,\"code\":\"x\",\"idempotency_key\":\"has space\"}", 400,
	     "idempotency_key must be 1-128 printable ASCII characters"},
	    {"{\"task_id\":1,\"language_id\":71,\"code\":\"0123456789012345678901234567890123456789\"}", 413,
	     "code is larger than the limit of 32 bytes"},
	};

	cfg->max_source = 32;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request_rec *r = submission("application/json", cases[i].body, strlen(cases[i].body));

		ck_assert_int_eq(run(r), cases[i].status);
		ck_assert_str_eq(error_of(r), cases[i].error);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMIT), 0);
}
END_TEST

START_TEST(submission_bytes_are_checked)
{
	static const char nul[] = "task_id=1&language_id=71&code=a%00b";
	static const char latin1[] = "task_id=1&language_id=71&code=caf%E9";
	request_rec *r = submission("application/x-www-form-urlencoded", nul, strlen(nul));

	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "code contains a NUL byte");
	r = submission("application/x-www-form-urlencoded", latin1, strlen(latin1));
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "code is not valid UTF-8");
	/* The request body may hold the code JSON-escaped: six times the source limit and more. */
	cfg->max_source = 10;
	r = submission("application/json", "{}", 2);
	apr_table_setn(r->headers_in, "Content-Length", "65621");
	ck_assert_int_eq(run(r), HTTP_REQUEST_ENTITY_TOO_LARGE);
	ck_assert_str_eq(error_of(r), "request body is larger than 65596 bytes");
}
END_TEST

/* A NUL in a JSON string (escaped or raw) would cut the value where C sees its end: the code
 * stored short, "student\0junk" logging in as student. The whole body is refused instead. */
START_TEST(json_strings_with_nul_are_refused)
{
	static const char raw[] = "{\"task_id\":1,\"language_id\":71,\"code\":\"print(1)\0tail\"}";
	static const char *const bodies[] = {
	    "{\"task_id\":1,\"language_id\":71,\"code\":\"print(1)\\u0000tail\"}",
	    "{\"task_id\":1,\"language_id\":71,\"code\":\"x\",\"idempotency_key\":\"k\\u0000\"}",
	    "{\"task_id\":1,\"language_id\":71,\"co\\u0000de\":\"x\",\"code\":\"y\"}",
	};
	static const char *const logins[] = {
	    "{\"username\":\"student\\u0000junk\",\"password\":\"student\"}",
	    "{\"username\":\"student\",\"password\":\"student\\u0000\"}",
	};
	static const char escaped[] = "{\"task_id\":1,\"language_id\":71,\"code\":\"s = '\\\\u0000'\"}";
	static const char expected[] =
	    "request body holds a NUL character (\\u0000) in a JSON string; no field may contain one";
	request_rec *r;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		r = submission("application/json", bodies[i], strlen(bodies[i]));
		ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
		ck_assert_str_eq(error_of(r), expected);
	}
	r = submission("application/json", raw, sizeof(raw) - 1);
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), expected);
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMIT), 0);
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		r = req("POST", "/solveit/api/login");
		json_body(r, logins[i]);
		ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
		ck_assert_str_eq(error_of(r), expected);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_LOGIN_ATTEMPT), 0);
	/* An escaped backslash before "u0000" is text, not a NUL: that code reaches the database. */
	r = submission("application/json", escaped, strlen(escaped));
	run(r);
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMIT), 1);
}
END_TEST

/* language_id is exactly the id of an enabled language: nothing that C would turn into one. */
START_TEST(language_ids_are_exact)
{
	static const struct {
		const char *body;
		const char *error;
	} cases[] = {
	    {"{\"task_id\":1,\"language_id\":4294967346,\"code\":\"x\"}",
	     "language 4294967346 is not enabled on this server"},
	    {"{\"task_id\":1,\"language_id\":\"4294967367\",\"code\":\"x\"}",
	     "language 4294967367 is not enabled on this server"},
	    {"{\"task_id\":1,\"language_id\":71.0000001,\"code\":\"x\"}", "language_id must be a positive integer"},
	    {"{\"task_id\":1,\"language_id\":\"0071\",\"code\":\"x\"}", "language 0071 is not enabled on this server"},
	    {"{\"task_id\":1,\"language_id\":7.1e1,\"code\":\"x\"}", NULL},
	    {"{\"task_id\":1.0000001,\"language_id\":71,\"code\":\"x\"}", "task_id must be a positive integer"},
	    {"{\"task_id\":1e300,\"language_id\":71,\"code\":\"x\"}", "task_id must be a positive integer"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		request_rec *r = submission("application/json", cases[i].body, strlen(cases[i].body));
		int status = run(r);

		if (!cases[i].error) {
			/* 7.1e1 is the number 71 itself, as JSON means it. */
			ck_assert_int_ne(status, HTTP_BAD_REQUEST);
			continue;
		}
		ck_assert_int_eq(status, HTTP_BAD_REQUEST);
		ck_assert_str_eq(error_of(r), cases[i].error);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMIT), 1);
}
END_TEST

START_TEST(submission_accepted)
{
	static const char *const created[] = {"created", "42", NULL, "2026-01-02T03:04:05Z", "1", "pending", NULL, "3"};
	static const char body[] = "{\"task_id\":5,\"language_id\":71,\"code\":\"print(1)\"}";
	request_rec *r;
	cJSON *json;

	fakedb_answer(SV_SQL_SUBMIT, 8, 1, created);
	r = submission("application/json", body, strlen(body));
	ck_assert_int_eq(run(r), HTTP_ACCEPTED);
	json = stub_json(r);
	ck_assert_int_eq((int)number_of(json, "submission_id"), 42);
	ck_assert_str_eq(string_of(json, "status"), "pending");
	ck_assert_int_eq(cJSON_GetArraySize(json), 2);
	ck_assert_str_eq(apr_table_get(r->headers_out, "Location"), "/solveit/api/submissions/42");
	/* No producer in this process: the row stays for the sweeper, and that is said. */
	ck_assert_ptr_nonnull(strstr(stub_last_log(), "stays unsent"));
}
END_TEST

START_TEST(submission_refused_by_the_database)
{
	static const char *const no_task[] = {"no_task", NULL, NULL, NULL, NULL, NULL, NULL, NULL};
	static const char *const limited[] = {"rate_limited", NULL, NULL, NULL, NULL, NULL, "17", NULL};
	static const char *const closed[] = {
	    "closed", NULL, NULL, NULL, NULL, NULL, "0", NULL, "f", "25", "2026-12-08T10:00:00Z", "Week 1"};
	static const char *const late[] = {"created", "43", NULL, "2026-01-02T03:04:05Z", "1",     "pending", "0",
					   "3",       "t",  "25", "2026-12-08T10:00:00Z", "Week 1"};
	static const char body[] = "{\"task_id\":5,\"language_id\":71,\"code\":\"print(1)\"}";
	request_rec *r;

	fakedb_answer(SV_SQL_SUBMIT, 8, 1, no_task);
	r = submission("application/json", body, strlen(body));
	ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
	ck_assert_str_eq(error_of(r), "task 5 does not exist or is closed");
	fakedb_answer(SV_SQL_SUBMIT, 8, 1, limited);
	r = submission("application/json", body, strlen(body));
	ck_assert_int_eq(run(r), HTTP_TOO_MANY_REQUESTS);
	ck_assert_str_eq(error_of(r), "too many submissions: at most 10 per minute; try again in 17 s");
	ck_assert_str_eq(apr_table_get(r->err_headers_out, "Retry-After"), "17");
	/* sql/030: the assignment closed (r_closes_at, r_title); a late one says its penalty. */
	fakedb_answer(SV_SQL_SUBMIT, 12, 1, closed);
	r = submission("application/json", body, strlen(body));
	ck_assert_int_eq(run(r), HTTP_FORBIDDEN);
	ck_assert_str_eq(error_of(r), "Submissions to Week 1 closed at 2026-12-08T10:00:00Z.");
	ck_assert_str_eq(string_of(stub_json(r), "closes_at"), "2026-12-08T10:00:00Z");
	fakedb_answer(SV_SQL_SUBMIT, 12, 1, late);
	r = submission("application/json", body, strlen(body));
	ck_assert_int_eq(run(r), HTTP_ACCEPTED);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(stub_json(r), "late")));
	ck_assert_int_eq((int)number_of(stub_json(r), "late_penalty"), 25);
	fakedb_fail(SV_SQL_SUBMIT);
	r = submission("application/json", body, strlen(body));
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
}
END_TEST

/* ---- the shapes of answers ---- */

/* httpd's own error pages under <base>/api/ (a 404 for an encoded slash, a 413 from
 * LimitRequestBody...) are JSON as well; the pages elsewhere keep httpd's. */
START_TEST(httpd_error_pages_under_api_are_json)
{
	request_rec *r = req("GET", "/solveit/api/a%2Fb");
	request_rec *elsewhere = req("GET", "/solveit/index.html");
	ap_filter_t next = {.r = r}, f = {.r = r, .next = &next};
	apr_bucket_alloc_t *alloc = apr_bucket_alloc_create(pool);
	apr_bucket_brigade *bb = apr_brigade_create(r->pool, alloc);
	static const char html[] = "<html><body>Not Found</body></html>";

	solveit_insert_error_filter(r);
	ck_assert_str_eq(stub_filter(r), SV_JSON_ERROR_FILTER);
	solveit_insert_error_filter(elsewhere);
	ck_assert_ptr_null(stub_filter(elsewhere));
	r->status = HTTP_NOT_FOUND;
	ap_set_content_type(r, "text/html; charset=iso-8859-1");
	APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(html, strlen(html), alloc));
	ck_assert_int_eq(sv_json_error_filter(&f, bb), APR_SUCCESS);
	/* httpd may pass the page in pieces: nothing of it goes out, the JSON goes before the end. */
	bb = apr_brigade_create(r->pool, alloc);
	APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(html, strlen(html), alloc));
	APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(alloc));
	ck_assert_int_eq(sv_json_error_filter(&f, bb), APR_SUCCESS);
	ck_assert_str_eq(stub_output(r, NULL), "{\"error\":\"not found\"}");
	ck_assert_str_eq(stub_content_type(r), "application/json; charset=utf-8");
	ck_assert_ptr_null(stub_filter(r));
}
END_TEST

START_TEST(languages_and_head)
{
	request_rec *r = req("GET", "/solveit/api/languages");
	cJSON *list, *first;

	ck_assert_int_eq(run(r), HTTP_OK);
	list = stub_json(r);
	ck_assert(cJSON_IsArray(list));
	ck_assert_int_eq(cJSON_GetArraySize(list), 5);
	first = cJSON_GetArrayItem(list, 0);
	ck_assert_int_eq((int)number_of(first, "id"), 50);
	ck_assert_str_eq(string_of(first, "name"), "C (GCC 9.2.0)");
	ck_assert_str_eq(apr_table_get(r->headers_out, "X-Content-Type-Options"), "nosniff");
	r = req("HEAD", "/solveit/api/languages");
	ck_assert_int_eq(run(r), HTTP_OK);
	ck_assert_str_eq(stub_output(r, NULL), "");
	ck_assert_str_ne(apr_table_get(r->headers_out, "Content-Length"), "0");
}
END_TEST

START_TEST(me_for_users_and_visitors)
{
	request_rec *r = user_req("GET", "/solveit/api/me", 1);
	cJSON *body, *user, *team;

	ck_assert_int_eq(run(r), HTTP_OK);
	body = stub_json(r);
	user = cJSON_GetObjectItemCaseSensitive(body, "user");
	ck_assert_int_eq((int)number_of(user, "id"), 8);
	ck_assert_str_eq(string_of(user, "username"), "teacher");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(user, "staff")));
	team = cJSON_GetObjectItemCaseSensitive(user, "team");
	ck_assert_int_eq((int)number_of(team, "id"), 3);
	ck_assert_str_eq(string_of(team, "name"), "Staff room");
	ck_assert_str_eq(string_of(body, "csrf_token"), CSRF);
	ck_assert_str_eq(string_of(body, "auth"), "builtin");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(body, "registration")));
	r = req("GET", "/solveit/api/me");
	ck_assert_int_eq(run(r), HTTP_UNAUTHORIZED);
	ck_assert_str_eq(error_of(r), "not logged in");
	ck_assert_str_eq(string_of(stub_json(r), "auth"), "builtin");
}
END_TEST

START_TEST(task_list_rows_to_json)
{
	/* The catalog's version, then per task: id, slug, title, time limit, memory, open, tests,
	 * assignment, its opens_at (µs), for everyone, its teams. */
	static const char *const catalog[] = {
	    "7", "1", "hello",  "Hello", "1000", "65536",  "t", "2", "3",  "1000", "t",  NULL,
	    "7", "2", "aplusb", "A+B",   "2000", "131072", "f", "4", NULL, NULL,   NULL, NULL,
	    "7", "5", "later",  "Later", "1000", "65536",  "t", "1", "4",  "9000", "t",  NULL,
	    "7", "6", "teams",  "Teams", "1000", "65536",  "t", "1", "5",  "1000", "f",  "2 9",
	};
	/* The version, the caller's team, the database's now (µs), then the caller's best per task. */
	static const char *const best[] = {
	    "7", "9", "5000", "1", "100", "AC", "7", "9", "5000", "6", NULL, "CE",
	};
	request_rec *r = user_req("GET", "/solveit/api/tasks", 0);
	cJSON *tasks, *t;

	fakedb_answer(SV_SQL_CATALOG, 12, 4, catalog);
	fakedb_answer(SV_SQL_TASK_BEST, 6, 2, best);
	ck_assert_int_eq(run(r), HTTP_OK);
	/* The student sees neither the closed task nor the one whose assignment opens at 9000. */
	ck_assert_str_eq(
	    stub_output(r, NULL),
	    "{\"tasks\":[{\"id\":1,\"slug\":\"hello\",\"title\":\"Hello\",\"time_limit_ms\":1000,"
	    "\"memory_limit_kb\":65536,\"open\":true,\"test_count\":2,\"best_score\":100,\"best_verdict\":\"AC\","
	    "\"assignment_id\":3},"
	    "{\"id\":6,\"slug\":\"teams\",\"title\":\"Teams\",\"time_limit_ms\":1000,\"memory_limit_kb\":65536,"
	    "\"open\":true,\"test_count\":1,\"best_score\":null,\"best_verdict\":\"CE\",\"assignment_id\":5}]}");
	/* Staff see every task, with no best where they have none. */
	r = user_req("GET", "/solveit/api/tasks", 1);
	ck_assert_int_eq(run(r), HTTP_OK);
	tasks = cJSON_GetObjectItemCaseSensitive(stub_json(r), "tasks");
	ck_assert_int_eq(cJSON_GetArraySize(tasks), 4);
	t = cJSON_GetArrayItem(tasks, 1);
	ck_assert_str_eq(string_of(t, "slug"), "aplusb");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t, "best_score")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(t, "assignment_id")));
	ck_assert_int_eq(fakedb_calls(SV_SQL_TASK_BEST), 2);
	/* No child here keeps the catalog: each request read it. */
	ck_assert_int_eq(fakedb_calls(SV_SQL_CATALOG), 2);
}
END_TEST

START_TEST(task_list_without_the_database)
{
	request_rec *r = user_req("GET", "/solveit/api/tasks", 0);

	fakedb_fail(SV_SQL_TASK_BEST);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	ck_assert_str_eq(error_of(r), "database unavailable");
	fakedb_answer(SV_SQL_TASK_BEST, 6, 0, NULL);
	fakedb_fail(SV_SQL_CATALOG);
	r = user_req("GET", "/solveit/api/tasks", 0);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	ck_assert_str_eq(error_of(r), "database unavailable");
}
END_TEST

START_TEST(closed_task_hidden_from_students)
{
	/* ..., visible to the caller (sql/029), now, best score, best verdict, progress, assignment */
	static const char *const closed[] = {
	    "4",  "secret", "Secret", "# Hi", "1000", "65536", "f", "3", "pass-fail", "f", "2026-01-02T03:04:05Z",
	    NULL, NULL,     "new",    NULL};
	request_rec *r = user_req("GET", "/solveit/api/tasks/4", 0);
	cJSON *t;

	fakedb_answer(SV_SQL_TASK_GET, 15, 1, closed);
	ck_assert_int_eq(run(r), HTTP_NOT_FOUND);
	ck_assert_str_eq(error_of(r), "task not found");
	r = user_req("GET", "/solveit/api/tasks/4", 1);
	ck_assert_int_eq(run(r), HTTP_OK);
	t = stub_json(r);
	ck_assert_str_eq(string_of(t, "statement_html"), "<h1>Hi</h1>\n");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(t, "samples")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "languages")), 5);
}
END_TEST

static const char *const submission_row[] = {
    "9", "5", "71", "completed", "WA", "50", "2026-01-02T03:04:05Z", "1", "2", "1", "2", "t", "40",
    /* attempt, sent, started, completed, time, memory, tests_done, compiler, error, code */
    "1", NULL, NULL, NULL, "0.25", "2048", "2", "", NULL, "print(3)",
    /* user_id, username, slug, title, test_results, group_results */
    "7", "student", "aplusb", "A+B",
    "[{\"order\":1,\"is_sample\":true,\"verdict\":\"AC\",\"input\":\"1 2\"},"
    "{\"order\":2,\"is_sample\":false,\"verdict\":\"WA\",\"input\":\"3 4\",\"expected_output\":\"7\"}]",
    "[]"};

/* GET /api/submissions/9 answered from row, as a student or staff. */
static request_rec *view_submission(const char *const *row, int staff)
{
	request_rec *r = user_req("GET", "/solveit/api/submissions/9", staff);

	fakedb_answer(SV_SQL_SUBMISSION_GET, 29, 1, row);
	ck_assert_int_eq(run(r), HTTP_OK);
	return r;
}

START_TEST(submission_view_hides_hidden_tests)
{
	request_rec *r = view_submission(submission_row, 0);
	cJSON *s, *tests, *hidden;
	const char *etag;

	s = stub_json(r);
	ck_assert_int_eq((int)number_of(s, "id"), 9);
	ck_assert_int_eq((int)number_of(s, "submission_id"), 9);
	ck_assert_str_eq(string_of(s, "language"), "Python (3.8.1)");
	ck_assert_str_eq(string_of(s, "verdict"), "WA");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "late")));
	ck_assert_int_eq((int)number_of(s, "final_score"), 40);
	ck_assert_int_eq((int)number_of(cJSON_GetObjectItemCaseSensitive(s, "user"), "id"), 7);
	ck_assert_str_eq(string_of(cJSON_GetObjectItemCaseSensitive(s, "task"), "slug"), "aplusb");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, "kafka_sent_at")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, "error_message")));
	ck_assert(number_of(s, "execution_time") == 0.25);
	ck_assert_int_eq((int)number_of(s, "attempt"), 1);
	ck_assert_str_eq(string_of(s, "code"), "print(3)");
	ck_assert_str_eq(string_of(s, "compiler_output"), "");
	tests = cJSON_GetObjectItemCaseSensitive(s, "test_results");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 0), "input"), "1 2");
	hidden = cJSON_GetArrayItem(tests, 1);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(hidden, "input"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(hidden, "expected_output"));
	ck_assert_str_eq(string_of(hidden, "verdict"), "WA");
	/* Revalidation: the same body is a 304. */
	etag = apr_table_get(r->headers_out, "ETag");
	ck_assert_ptr_nonnull(etag);
	r = user_req("GET", "/solveit/api/submissions/9", 0);
	apr_table_setn(r->headers_in, "If-None-Match", etag);
	ck_assert_int_eq(run(r), HTTP_NOT_MODIFIED);
	ck_assert_str_eq(stub_output(r, NULL), "");
	/* Staff see everything. */
	r = user_req("GET", "/solveit/api/submissions/9", 1);
	ck_assert_int_eq(run(r), HTTP_OK);
	hidden = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(stub_json(r), "test_results"), 1);
	ck_assert_str_eq(string_of(hidden, "expected_output"), "7");
}
END_TEST

/* A program that exits with a byte of its input would spell out a hidden test through its exit
 * status, its signal or its memory (issue 14, finding 5): students see a hidden test's verdict and
 * time only, and a peak memory taken over the sample tests; staff see every field. */
static const char *const leaky_row[] = {
    "9", "5", "50", "completed", "RE", "50", "2026-01-02T03:04:05Z", "1", "2", "1", "2", "f", "50",
    /* attempt, sent, started, completed, time, memory, tests_done, compiler, error, code */
    "1", NULL, NULL, NULL, "0.25", "53248", "2", "", "", "int main(){}",
    /* user_id, username, slug, title, test_results, group_results */
    "7", "student", "aplusb", "A+B",
    "[{\"test_id\":11,\"order\":1,\"is_sample\":true,\"verdict\":\"AC\",\"time\":0.01,\"memory\":1024},"
    "{\"test_id\":12,\"order\":2,\"is_sample\":false,\"verdict\":\"RE\",\"time\":0.02,\"memory\":53248,"
    "\"message\":\"Exited with error status 53\",\"exit_code\":53,\"signal\":0}]",
    "[]"};

START_TEST(hidden_tests_show_students_only_verdict_and_time)
{
	request_rec *r = view_submission(leaky_row, 0);
	const char *text = stub_output(r, NULL);
	cJSON *s, *hidden, *field;

	ck_assert_msg(!strstr(text, "53"), "a hidden test's exit status or memory reaches the student: %s", text);
	s = stub_json(r);
	hidden = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "test_results"), 1);
	ck_assert_str_eq(string_of(hidden, "verdict"), "RE");
	ck_assert(number_of(hidden, "time") == 0.02);
	ck_assert_int_eq((int)number_of(hidden, "order"), 2);
	cJSON_ArrayForEach(field, hidden)
	{
		static const char *const shown[] = {"test_id", "order", "verdict", "time", "is_sample"};
		int ok = 0;

		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
			ok |= !strcmp(field->string, shown[i]);
		ck_assert_msg(ok, "a hidden test shows %s to a student", field->string);
	}
	ck_assert_int_eq(
	    (int)number_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "test_results"), 0), "memory"), 1024);
	ck_assert_int_eq((int)number_of(s, "memory_used"), 1024);
	ck_assert(number_of(s, "execution_time") == 0.25);

	/* Staff diagnose with everything the judge stored. */
	s = stub_json(view_submission(leaky_row, 1));
	hidden = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "test_results"), 1);
	ck_assert_str_eq(string_of(hidden, "message"), "Exited with error status 53");
	ck_assert_int_eq((int)number_of(hidden, "exit_code"), 53);
	ck_assert_int_eq((int)number_of(hidden, "memory"), 53248);
	ck_assert_int_eq((int)number_of(s, "memory_used"), 53248);
}
END_TEST

/* Without a sample test there is no memory a student may see. */
START_TEST(hidden_only_results_show_no_memory)
{
	static const char *const row[] = {
	    "9", "5", "50", "completed", "MLE", "0", "2026-01-02T03:04:05Z", "0", "1", "0", "1", "f", "0",
	    /* attempt, sent, started, completed, time, memory, tests_done, compiler, error, code */
	    "1", NULL, NULL, NULL, "0.5", "65536", "1", "", "", "x",
	    /* user_id, username, slug, title, test_results, group_results */
	    "7", "student", "aplusb", "A+B",
	    "[{\"order\":1,\"is_sample\":false,\"verdict\":\"MLE\",\"time\":0.5,\"memory\":65536}]", "[]"};
	cJSON *s = stub_json(view_submission(row, 0));

	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s, "memory_used")));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "test_results"), 0), "memory"));
	ck_assert_str_eq(string_of(s, "verdict"), "MLE");
}
END_TEST

/* Judges' fields (a validator's judgemessage.txt, stderr, the exit status) are staff only on
 * every hidden test, and judgemessage.txt on samples and in the group results too; a sample's
 * stderr and exit status are its student's (issue 13); points and groups reach both. */
START_TEST(staff_only_fields_stay_with_staff)
{
	static const char *const row[] = {
	    "9", "5", "54", "completed", "PA", "33", "2026-01-02T03:04:05Z", "2", "3", "20", "60", "f", "33",
	    /* attempt, sent, started, completed, time, memory, tests_done, compiler, error, code */
	    "1", NULL, NULL, NULL, "0.25", "2048", "3", "", NULL, "int main(){}",
	    /* user_id, username, slug, title, test_results, group_results */
	    "7", "student", "knap", "Knapsack",
	    "[{\"order\":1,\"is_sample\":true,\"verdict\":\"AC\",\"group\":\"sample\",\"judge_message\":\"J1\","
	    "\"team_message\":\"T1\",\"stderr\":\"E1\",\"stderr_truncated\":true,\"exit_code\":0,\"input\":\"1\"},"
	    "{\"order\":2,\"is_sample\":false,\"verdict\":\"WA\",\"group\":\"secret/a\",\"score\":0,"
	    "\"judge_message\":\"J2\",\"team_message\":\"T2\",\"stderr\":\"E2\",\"exit_code\":1}]",
	    "[{\"name\":\"secret/a\",\"points\":20,\"max_points\":60,\"verdict\":\"PA\",\"judge_message\":\"J3\"}]"};
	static const char *const staff_only[] = {"judge_message", "stderr", "stderr_truncated", "exit_code"};
	cJSON *s = stub_json(view_submission(row, 0)), *tests, *test, *groups;

	ck_assert(number_of(s, "points") == 20);
	ck_assert(number_of(s, "max_points") == 60);
	tests = cJSON_GetObjectItemCaseSensitive(s, "test_results");
	test = cJSON_GetArrayItem(tests, 1);
	for (size_t i = 0; i < sizeof(staff_only) / sizeof(staff_only[0]); i++)
		ck_assert_msg(!cJSON_GetObjectItemCaseSensitive(test, staff_only[i]),
			      "a student sees a hidden test's %s", staff_only[i]);
	test = cJSON_GetArrayItem(tests, 0);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(test, "judge_message"));
	ck_assert_str_eq(string_of(test, "stderr"), "E1");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(test, "stderr_truncated")));
	ck_assert_int_eq((int)number_of(test, "exit_code"), 0);
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 0), "team_message"), "T1");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 0), "input"), "1");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 1), "group"), "secret/a");
	ck_assert(number_of(cJSON_GetArrayItem(tests, 1), "score") == 0);
	/* The validator's message for the team is the package author's to give, hidden test or not. */
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 1), "team_message"), "T2");
	groups = cJSON_GetObjectItemCaseSensitive(s, "group_results");
	ck_assert_int_eq(cJSON_GetArraySize(groups), 1);
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(groups, 0), "name"), "secret/a");
	ck_assert(number_of(cJSON_GetArrayItem(groups, 0), "points") == 20);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(groups, 0), "judge_message"));

	s = stub_json(view_submission(row, 1));
	tests = cJSON_GetObjectItemCaseSensitive(s, "test_results");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 0), "judge_message"), "J1");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 1), "judge_message"), "J2");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(tests, 1), "stderr"), "E2");
	ck_assert_int_eq((int)number_of(cJSON_GetArrayItem(tests, 1), "exit_code"), 1);
	ck_assert_str_eq(
	    string_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s, "group_results"), 0), "judge_message"),
	    "J3");
}
END_TEST

/* Sample data comes from blobs as hex: text as it is, bytes that are not UTF-8 text said to be
 * binary, long ones cut at a whole character. */
START_TEST(samples_from_blobs)
{
	/* ..., visible, now, best score, best verdict, progress, assignment */
	static const char *const task[] = {"4",
					   "bin",
					   "Binary",
					   "x",
					   "1000",
					   "65536",
					   "t",
					   "3",
					   "scoring",
					   "t",
					   "2026-01-02T03:04:05Z",
					   "70",
					   "PA",
					   "attempted",
					   "{\"id\":2,\"title\":\"Week 1\",\"label\":\"B\",\"state\":\"late\"}"};
	static const char *const samples[] = {
	    /* order, name, input size, input hex, answer size, answer hex */
	    "1", "01-small", "4",     "3120320a", "2", "330a", /* "1 2\n" "3\n" */
	    "2", "",         "3",     "00ff41",   "1", "0a",   /* binary input */
	    "3", NULL,       "70000", "61c3",     "2", "c3a9", /* cut in the middle of é */
	};
	request_rec *r = user_req("GET", "/solveit/api/tasks/4", 0);
	cJSON *t, *list, *one, *two, *three;

	fakedb_answer(SV_SQL_TASK_GET, 15, 1, task);
	fakedb_answer(SV_SQL_TASK_SAMPLES, 6, 3, samples);
	ck_assert_int_eq(run(r), HTTP_OK);
	t = stub_json(r);
	ck_assert_str_eq(string_of(t, "type"), "scoring");
	ck_assert_str_eq(string_of(t, "now"), "2026-01-02T03:04:05Z");
	ck_assert_int_eq((int)number_of(t, "best_score"), 70);
	ck_assert_str_eq(string_of(t, "best_verdict"), "PA");
	ck_assert_str_eq(string_of(t, "progress"), "attempted");
	ck_assert_str_eq(string_of(cJSON_GetObjectItemCaseSensitive(t, "assignment"), "label"), "B");
	list = cJSON_GetObjectItemCaseSensitive(t, "samples");
	ck_assert_int_eq(cJSON_GetArraySize(list), 3);
	one = cJSON_GetArrayItem(list, 0);
	ck_assert_str_eq(string_of(one, "name"), "01-small");
	ck_assert_str_eq(string_of(one, "input"), "1 2\n");
	ck_assert_str_eq(string_of(one, "output"), "3\n");
	ck_assert_int_eq((int)number_of(one, "input_size"), 4);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(one, "input_truncated"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(one, "input_binary"));
	two = cJSON_GetArrayItem(list, 1);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(two, "name"));
	ck_assert_str_eq(string_of(two, "input"), "(binary data, 3 bytes)");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(two, "input_binary")));
	ck_assert_str_eq(string_of(two, "output"), "\n");
	three = cJSON_GetArrayItem(list, 2);
	ck_assert_str_eq(string_of(three, "input"), "a");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(three, "input_truncated")));
	ck_assert_int_eq((int)number_of(three, "input_size"), 70000);
	ck_assert_str_eq(string_of(three, "output"), "\xc3\xa9");
}
END_TEST

START_TEST(someone_elses_submission_is_missing)
{
	static const char *const others[] = {"9",  "5",  "71", "pending", NULL,     NULL,  "2026-01-02T03:04:05Z",
					     NULL, NULL, NULL, NULL,      "f",      NULL,  "1",
					     NULL, NULL, NULL, NULL,      NULL,     NULL,  NULL,
					     NULL, "x",  "99", "someone", "aplusb", "A+B", "[]",
					     "[]"};
	request_rec *r = user_req("GET", "/solveit/api/submissions/9", 0);

	fakedb_answer(SV_SQL_SUBMISSION_GET, 29, 1, others);
	ck_assert_int_eq(run(r), HTTP_NOT_FOUND);
	ck_assert_str_eq(error_of(r), "submission not found");
}
END_TEST

START_TEST(submission_list_filters_and_pages)
{
	static const struct {
		const char *query, *error;
	} bad[] = {
	    {"task_id=x", "task_id must be a positive integer"},
	    {"page=0", "page must be a positive integer"},
	    {"page=100001", "page must be a positive integer"},
	    {"verdict=OK", "verdict must be one of AC, WA, TLE, MLE, RE, OLE, CE, PA"},
	    {"status=done", "status must be one of pending, processing, completed, failed"},
	};
	const char **rows = apr_pcalloc(pool, sizeof(char *) * 14 * 21);
	request_rec *r;
	cJSON *body, *first;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = user_req("GET", apr_pstrcat(pool, "/solveit/api/submissions?", bad[i].query, NULL), 0);
		ck_assert_int_eq(run(r), HTTP_BAD_REQUEST);
		ck_assert_str_eq(error_of(r), bad[i].error);
	}
	ck_assert_int_eq(fakedb_calls(SV_SQL_SUBMISSIONS_LIST), 0);
	/* A page and one row more: there is another page. */
	for (int i = 0; i < 21; i++) {
		const char **row = rows + 14 * i;

		row[0] = apr_itoa(pool, 100 - i);
		row[1] = "5";
		row[2] = "71";
		row[3] = "pending";
		row[6] = "2026-01-02T03:04:05Z";
		row[11] = "f";
		row[13] = "aplusb";
	}
	fakedb_answer(SV_SQL_SUBMISSIONS_LIST, 14, 21, rows);
	r = user_req("GET", "/solveit/api/submissions?task_id=5&page=2&verdict=&status=pending", 0);
	ck_assert_int_eq(run(r), HTTP_OK);
	body = stub_json(r);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "submissions")), 20);
	ck_assert_int_eq((int)number_of(body, "page"), 2);
	ck_assert_int_eq((int)number_of(body, "page_size"), 20);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "has_more")));
	first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "submissions"), 0);
	ck_assert_int_eq((int)number_of(first, "id"), 100);
	ck_assert_str_eq(string_of(first, "task_slug"), "aplusb");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(first, "score")));
}
END_TEST

START_TEST(health_says_what_is_down)
{
	request_rec *r = req("GET", "/solveit/api/health");
	cJSON *body;

	fakedb_down(1);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	body = stub_json(r);
	ck_assert_str_eq(string_of(body, "status"), "degraded");
	ck_assert_str_eq(string_of(body, "database"), "down");
	ck_assert_str_eq(string_of(body, "kafka"), "down");
	ck_assert_ptr_nonnull(cJSON_GetObjectItemCaseSensitive(body, "version"));
}
END_TEST

/* What Redis holds is used only when it is exactly what the module stored; "\"\n" once made the
 * ETag's length SIZE_MAX and crashed every child that read it. */
START_TEST(cached_leaderboard_values_are_checked)
{
	static const char body[] = "{\"tasks\":[],\"users\":[],\"teams\":[]}";
	unsigned char md5[APR_MD5_DIGESTSIZE];
	char *tag = apr_pstrdup(pool, "\"lb-");
	const char *good, *etag = NULL, *json = NULL;
	const char *bad[] = {
	    "\"\n", "\"\n{}", "\"lb-\"\n{}", "", "\n", "\"lb-0123\"\n{\"a\":1}", NULL, NULL, NULL, NULL,
	};
	int n = 6;

	apr_md5(md5, body, strlen(body));
	for (int i = 0; i < APR_MD5_DIGESTSIZE; i++)
		tag = apr_psprintf(pool, "%s%02x", tag, md5[i]);
	tag = apr_pstrcat(pool, tag, "\"", NULL);
	good = apr_pstrcat(pool, tag, "\n", body, NULL);
	ck_assert(sv_leaderboard_cached_split(pool, good, strlen(good), &etag, &json));
	ck_assert_str_eq(etag, tag);
	ck_assert_str_eq(json, body);
	/* The right tag over another body, a cut-off body, no body, a tag with no newline after it. */
	bad[n++] = apr_pstrcat(pool, tag, "\n{\"tasks\":[],\"users\":[],\"teams\":[1]}", NULL);
	bad[n++] = apr_pstrmemdup(pool, good, strlen(good) - 1);
	bad[n++] = apr_pstrcat(pool, tag, "\n", NULL);
	bad[n++] = apr_pstrcat(pool, tag, body, NULL);
	for (int i = 0; i < n; i++)
		ck_assert_msg(!sv_leaderboard_cached_split(pool, bad[i], strlen(bad[i]), &etag, &json), "accepted %s",
			      bad[i]);
}
END_TEST

START_TEST(leaderboard_without_redis)
{
	static const char *const board[] = {"{\"tasks\":[],\"users\":[],\"teams\":[]}"};
	unsigned char md5[APR_MD5_DIGESTSIZE];
	char *expected = apr_pstrdup(pool, "\"lb-");
	static const char *const visibility[] = {"public", "key"};
	request_rec *r = user_req("GET", "/solveit/api/leaderboard", 0);

	fakedb_answer(SV_SQL_LEADERBOARD_VISIBILITY, 2, 1, visibility);
	fakedb_fail(SV_SQL_LEADERBOARD);
	ck_assert_int_eq(run(r), HTTP_SERVICE_UNAVAILABLE);
	ck_assert_str_eq(error_of(r), "the leaderboard cannot be computed now (database unavailable)");
	fakedb_answer(SV_SQL_LEADERBOARD, 1, 1, board);
	r = user_req("GET", "/solveit/api/leaderboard", 0);
	ck_assert_int_eq(run(r), HTTP_OK);
	ck_assert_str_eq(stub_output(r, NULL), board[0]);
	apr_md5(md5, board[0], strlen(board[0]));
	for (int i = 0; i < APR_MD5_DIGESTSIZE; i++)
		expected = apr_psprintf(pool, "%s%02x", expected, md5[i]);
	ck_assert_str_eq(apr_table_get(r->headers_out, "ETag"), apr_pstrcat(pool, expected, "\"", NULL));
	ck_assert_str_eq(apr_table_get(r->headers_out, "Cache-Control"), "private, no-cache");
	r = user_req("GET", "/solveit/api/leaderboard", 0);
	/* mod_deflate hands the tag back with a suffix. */
	apr_table_setn(r->headers_in, "If-None-Match", apr_pstrcat(pool, expected, "-gzip\"", NULL));
	ck_assert_int_eq(run(r), HTTP_NOT_MODIFIED);
	ck_assert_int_eq(fakedb_calls(SV_SQL_LEADERBOARD), 3);
}
END_TEST

/* The leaderboard's visibility (sql/024), read on every request: the same ranking shown, refused
 * or anonymised. The caller is user 7 of no team (session(0)) or staff user 8. */
static const char *board_as(const char *mode, int staff, int *status)
{
	static const char *const board[] = {
	    "{\"tasks\":[],\"users\":[{\"rank\":1,\"user_id\":9,\"username\":\"zed\",\"team\":\"Reds\",\"score\":90},"
	    "{\"rank\":2,\"user_id\":7,\"username\":\"student\",\"team\":null,\"score\":50},"
	    "{\"rank\":2,\"user_id\":5,\"username\":\"amy\",\"team\":\"Reds\",\"score\":50}],"
	    "\"teams\":[{\"rank\":1,\"team_id\":4,\"name\":\"Reds\",\"members\":2,\"score\":90}]}"};
	const char *visibility[] = {mode, "secret"};
	request_rec *r = user_req("GET", "/solveit/api/leaderboard", staff);

	fakedb_answer(SV_SQL_LEADERBOARD_VISIBILITY, 2, 1, visibility);
	fakedb_answer(SV_SQL_LEADERBOARD, 1, 1, board);
	*status = run(r);
	return stub_output(r, NULL);
}

START_TEST(leaderboard_visibility_modes)
{
	char label[64];
	const cJSON *users, *row;
	cJSON *body;
	int status, n = 0;

	ck_assert_ptr_nonnull(strstr(board_as("public", 0, &status), "\"zed\""));
	ck_assert_int_eq(status, HTTP_OK);
	ck_assert_ptr_null(strstr(board_as("public", 0, &status), "visibility"));
	ck_assert_ptr_nonnull(strstr(board_as("off", 1, &status), "The leaderboard is turned off."));
	ck_assert_int_eq(status, HTTP_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(board_as("staff", 0, &status), "The leaderboard is visible to staff only."));
	ck_assert_int_eq(status, HTTP_FORBIDDEN);
	ck_assert_ptr_nonnull(strstr(board_as("staff", 1, &status), "\"zed\""));
	ck_assert_int_eq(status, HTTP_OK);
	/* Staff see the names and the mode, which comes last and so wins over a member of its name. */
	body = cJSON_Parse(board_as("anonymised", 1, &status));
	ck_assert_str_eq(string_of(body, "visibility"), "anonymised");
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "users"), 0), "username"),
			 "zed");
	cJSON_Delete(body);

	/* A student: their own row, every other one a label, rows of one rank in label order. */
	body = cJSON_Parse(board_as("anonymised", 0, &status));
	ck_assert_int_eq(status, HTTP_OK);
	ck_assert_str_eq(string_of(body, "visibility"), "anonymised");
	users = cJSON_GetObjectItemCaseSensitive(body, "users");
	ck_assert_int_eq(cJSON_GetArraySize(users), 3);
	cJSON_ArrayForEach(row, users)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "user_id");

		ck_assert_ptr_nonnull(strstr(string_of(row, "label"), "Participant "));
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "you"))) {
			ck_assert_int_eq((int)number_of(row, "user_id"), 7);
			ck_assert_str_eq(string_of(row, "username"), "student");
			n++;
		} else {
			ck_assert_ptr_null(id);
			ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(row, "username"));
			ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(row, "team"));
		}
	}
	ck_assert_int_eq(n, 1);
	ck_assert_int_le(
	    strcmp(string_of(cJSON_GetArrayItem(users, 1), "label"), string_of(cJSON_GetArrayItem(users, 2), "label")),
	    0);
	sv_leaderboard_label(label, sizeof(label), "secret", "user", 9);
	ck_assert_str_eq(string_of(cJSON_GetArrayItem(users, 0), "label"), label);
	row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "teams"), 0);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(row, "name"));
	ck_assert_ptr_nonnull(strstr(string_of(row, "label"), "Team "));
	cJSON_Delete(body);
	/* Another key, other labels; the same key, the same label. */
	sv_leaderboard_label(label, sizeof(label), "other", "user", 9);
	body = cJSON_Parse(board_as("anonymised", 0, &status));
	ck_assert_str_ne(string_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(body, "users"), 0), "label"),
			 label);
	cJSON_Delete(body);
	ck_assert_ptr_nonnull(strstr(board_as("bogus", 0, &status), "The leaderboard is turned off."));
}
END_TEST

static Suite *handlers_suite(void)
{
	Suite *s = suite_create("module_handlers");
	TCase *routing = tcase_create("routing"), *access = tcase_create("access"), *input = tcase_create("input"),
	      *shapes = tcase_create("shapes");

	tcase_add_checked_fixture(routing, setup, teardown);
	tcase_add_test(routing, outside_the_api_is_not_ours);
	tcase_add_test(routing, unknown_paths_get_a_json_404);
	tcase_add_test(routing, bad_ids_match_no_route);
	tcase_add_test(routing, wrong_method_is_405_with_allow);
	tcase_add_test(routing, every_route_row_is_reachable);
	tcase_add_test(routing, staff_routes_refuse_students);
	suite_add_tcase(s, routing);
	tcase_add_checked_fixture(access, setup, teardown);
	tcase_add_test(access, user_routes_need_a_session);
	tcase_add_test(access, an_unknown_token_is_dropped);
	tcase_add_test(access, database_down_is_503_not_401);
	tcase_add_test(access, external_mode_refuses_builtin_routes);
	tcase_add_test(access, cross_origin_posts_are_refused);
	tcase_add_test(access, state_changes_need_the_csrf_token);
	tcase_add_test(access, logout_with_the_token);
	tcase_add_test(access, import_is_for_staff_with_the_token);
	suite_add_tcase(s, access);
	tcase_add_checked_fixture(input, setup, teardown);
	tcase_add_test(input, bodies_that_are_not_usable);
	tcase_add_test(input, login_delays_are_429_with_retry_after);
	tcase_add_test(input, oversized_bodies_are_413);
	tcase_add_test(input, registration_rules);
	tcase_add_test(input, submission_validation);
	tcase_add_test(input, submission_bytes_are_checked);
	tcase_add_test(input, json_strings_with_nul_are_refused);
	tcase_add_test(input, language_ids_are_exact);
	tcase_add_test(input, submission_accepted);
	tcase_add_test(input, submission_refused_by_the_database);
	tcase_add_test(input, import_refuses_what_is_not_a_package);
	tcase_add_test(input, import_size_is_its_own_directive);
	tcase_add_test(input, import_store_failures);
	suite_add_tcase(s, input);
	tcase_add_checked_fixture(shapes, setup, teardown);
	tcase_add_test(shapes, languages_and_head);
	tcase_add_test(shapes, httpd_error_pages_under_api_are_json);
	tcase_add_test(shapes, me_for_users_and_visitors);
	tcase_add_test(shapes, task_list_rows_to_json);
	tcase_add_test(shapes, task_list_without_the_database);
	tcase_add_test(shapes, closed_task_hidden_from_students);
	tcase_add_test(shapes, submission_view_hides_hidden_tests);
	tcase_add_test(shapes, hidden_tests_show_students_only_verdict_and_time);
	tcase_add_test(shapes, hidden_only_results_show_no_memory);
	tcase_add_test(shapes, someone_elses_submission_is_missing);
	tcase_add_test(shapes, staff_only_fields_stay_with_staff);
	tcase_add_test(shapes, samples_from_blobs);
	tcase_add_test(shapes, submission_list_filters_and_pages);
	tcase_add_test(shapes, health_says_what_is_down);
	tcase_add_test(shapes, cached_leaderboard_values_are_checked);
	tcase_add_test(shapes, leaderboard_without_redis);
	tcase_add_test(shapes, leaderboard_visibility_modes);
	suite_add_tcase(s, shapes);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	apr_initialize();
	sr = srunner_create(handlers_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	apr_terminate();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
