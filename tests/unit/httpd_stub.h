#ifndef HTTPD_STUB_H
#define HTTPD_STUB_H

/* A small stand-in for httpd, for Check suites linked with mod_solveit's libsolveit.la: the ap_*
 * functions the library calls (httpd_stub.c), requests built on an APR pool with a body to read
 * and the answer captured, and (check_module_fakedb.c) a scripted fake of the sv_db layer. */

#include "httpd.h"
#include "http_config.h"

#include <cjson/cJSON.h>

#include "solveit_config.h"
#include "solveit_db.h"

/* The main server (is_virtual 0) with mod_solveit's configuration created as httpd would. */
server_rec *stub_server(apr_pool_t *p);

/* A request for method and uri (which may carry ?args), on a pool of its own under p. */
request_rec *stub_request(apr_pool_t *p, server_rec *s, const char *method, const char *uri);

/* The request body the module will read; chunk caps each ap_get_client_block (0: no cap). With
 * content_length set, a Content-Length header is sent too. */
void stub_body(request_rec *r, const char *content_type, const char *body, apr_size_t len, int content_length);

/* The connection's scheme as ap_http_scheme reports it ("http" by default). */
void stub_https(request_rec *r, int on);

/* What the module wrote: the body (NUL-terminated), its length, the Content-Type, and the body
 * parsed as JSON (freed with the request's pool; NULL when it is not JSON). */
const char *stub_output(request_rec *r, apr_size_t *len);
const char *stub_content_type(request_rec *r);
cJSON *stub_json(request_rec *r);

/* The output filter the module added to r and has not removed, or NULL. ap_pass_brigade writes
 * what reaches next->r as if the module had written it. */
const char *stub_filter(request_rec *r);

/* The last message logged through ap_log_error / ap_log_rerror, and how many were. */
const char *stub_last_log(void);

/* ---- the fake database (check_module_fakedb.c) ---- */

/* Forget every scripted answer and count; the database is up. */
void fakedb_reset(void);
/* sv_db_acquire fails while down is set. */
void fakedb_down(int down);
/* From now on statement q answers nrows rows of ncols columns, cells row after row (NULL stands
 * for SQL NULL). Statements without an answer return no rows. */
void fakedb_answer(sv_stmt q, int ncols, int nrows, const char *const *cells);
/* Statement q fails (-1) from now on. */
void fakedb_fail(sv_stmt q);
/* How often q ran since the reset. */
int fakedb_calls(sv_stmt q);
/* The package store's statements (sv_db_package_sql) all fail with message (NULL: a default),
 * as on a lost connection when lost is set; how many ran since the reset. */
void fakedb_package_error(const char *message, int lost);
int fakedb_package_statements(void);

#endif
