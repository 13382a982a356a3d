/* The httpd functions libsolveit.la calls, for the unit tests only: nothing here is linked into
 * mod_solveit.so (mod_solveit/Makefile.am). */

#include "httpd_stub.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

/* The glue (mod_solveit.c) defines the real one; the library only needs its index. */
module AP_MODULE_DECLARE_DATA solveit_module = {
    .version = MODULE_MAGIC_NUMBER_MAJOR,
    .minor_version = MODULE_MAGIC_NUMBER_MINOR,
    .module_index = 0,
    .name = "mod_solveit.c",
};

/* A request and what the stub keeps for it; r comes first so that a request_rec * is one. */
typedef struct {
	request_rec r;
	const char *body;
	apr_size_t body_len, body_read, chunk;
	char *out;
	apr_size_t out_len, out_cap;
	int https;
	const char *filter; /* the output filter the module added */
} stub_req;

static char last_log[2048];

const char *stub_last_log(void)
{
	return last_log;
}

static void log_line(const char *fmt, va_list ap)
{
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
}

void ap_log_error_(const char *file, int line, int module_index, int level, apr_status_t status, const server_rec *s,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void ap_log_rerror_(const char *file, int line, int module_index, int level, apr_status_t status, const request_rec *r,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

const char *ap_check_cmd_context(cmd_parms *cmd, unsigned forbidden)
{
	if ((forbidden & NOT_IN_VIRTUALHOST) && cmd->server->is_virtual)
		return apr_pstrcat(cmd->pool, cmd->cmd->name, " cannot occur within <VirtualHost> section", NULL);
	return NULL;
}

char *ap_server_root_relative(apr_pool_t *p, const char *fname)
{
	return apr_pstrdup(p, fname);
}

const char *ap_run_http_scheme(const request_rec *r)
{
	return ((const stub_req *)r)->https ? "https" : "http";
}

void ap_set_content_type(request_rec *r, const char *ct)
{
	r->content_type = ct;
}

void ap_set_content_length(request_rec *r, apr_off_t length)
{
	r->clength = length;
	apr_table_setn(r->headers_out, "Content-Length", apr_off_t_toa(r->pool, length));
}

int ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
	stub_req *q = (stub_req *)r;

	if (q->out_len + (apr_size_t)nbyte + 1 > q->out_cap) {
		apr_size_t cap = (q->out_len + (apr_size_t)nbyte + 1) * 2;
		char *grown = apr_palloc(r->pool, cap);

		if (q->out_len)
			memcpy(grown, q->out, q->out_len);
		q->out = grown;
		q->out_cap = cap;
	}
	memcpy(q->out + q->out_len, buf, (apr_size_t)nbyte);
	q->out_len += (apr_size_t)nbyte;
	q->out[q->out_len] = '\0';
	return nbyte;
}

const char *ap_get_status_line(int status)
{
	switch (status) {
	case HTTP_NOT_FOUND:
		return "404 Not Found";
	case HTTP_REQUEST_ENTITY_TOO_LARGE:
		return "413 Request Entity Too Large";
	default:
		return "500 Internal Server Error";
	}
}

ap_filter_t *ap_add_output_filter(const char *name, void *ctx, request_rec *r, conn_rec *c)
{
	((stub_req *)r)->filter = name;
	return NULL;
}

void ap_remove_output_filter(ap_filter_t *f)
{
	((stub_req *)f->r)->filter = NULL;
}

apr_status_t ap_pass_brigade(ap_filter_t *next, apr_bucket_brigade *bb)
{
	for (apr_bucket *b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
		const char *data;
		apr_size_t len;

		if (!APR_BUCKET_IS_METADATA(b) && apr_bucket_read(b, &data, &len, APR_BLOCK_READ) == APR_SUCCESS)
			ap_rwrite(data, (int)len, next->r);
	}
	return APR_SUCCESS;
}

const char *stub_filter(request_rec *r)
{
	return ((stub_req *)r)->filter;
}

int ap_setup_client_block(request_rec *r, int read_policy)
{
	return OK;
}

int ap_should_client_block(request_rec *r)
{
	const stub_req *q = (const stub_req *)r;

	return q->body_read < q->body_len;
}

long ap_get_client_block(request_rec *r, char *buffer, apr_size_t bufsiz)
{
	stub_req *q = (stub_req *)r;
	apr_size_t n = q->body_len - q->body_read;

	if (n > bufsiz)
		n = bufsiz;
	if (q->chunk && n > q->chunk)
		n = q->chunk;
	memcpy(buffer, q->body + q->body_read, n);
	q->body_read += n;
	return (long)n;
}

/* ---- building requests ---- */

server_rec *stub_server(apr_pool_t *p)
{
	server_rec *s = apr_pcalloc(p, sizeof(*s));
	process_rec *process = apr_pcalloc(p, sizeof(*process));

	process->pool = p;
	process->pconf = p;
	s->process = process;
	s->server_hostname = "judge.example";
	s->log.level = APLOG_TRACE8; /* every line reaches the stub's log */
	s->module_config = apr_pcalloc(p, sizeof(void *) * 8);
	ap_set_module_config(s->module_config, &solveit_module, solveit_config_create(p, s));
	return s;
}

static int method_number(const char *method)
{
	static const struct {
		const char *name;
		int number;
	} methods[] = {{"GET", M_GET}, {"HEAD", M_GET}, {"POST", M_POST}, {"PUT", M_PUT}, {"DELETE", M_DELETE}};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(method, methods[i].name))
			return methods[i].number;
	return M_INVALID;
}

request_rec *stub_request(apr_pool_t *p, server_rec *s, const char *method, const char *uri)
{
	apr_pool_t *pool;
	stub_req *q;
	request_rec *r;
	const char *query;

	apr_pool_create(&pool, p);
	q = apr_pcalloc(pool, sizeof(*q));
	r = &q->r;
	r->pool = pool;
	r->server = s;
	r->connection = apr_pcalloc(pool, sizeof(*r->connection));
	r->connection->pool = pool;
	r->connection->base_server = s;
	r->connection->log = &s->log;
	r->log = &s->log;
	r->method = method;
	r->method_number = method_number(method);
	r->header_only = !strcmp(method, "HEAD");
	r->hostname = s->server_hostname;
	r->useragent_ip = "192.0.2.7";
	r->status = HTTP_OK;
	r->headers_in = apr_table_make(pool, 8);
	r->headers_out = apr_table_make(pool, 8);
	r->err_headers_out = apr_table_make(pool, 8);
	r->subprocess_env = apr_table_make(pool, 8);
	r->notes = apr_table_make(pool, 8);
	apr_table_setn(r->headers_in, "Host", s->server_hostname);
	if ((query = strchr(uri, '?')) != NULL) {
		r->uri = apr_pstrmemdup(pool, uri, (apr_size_t)(query - uri));
		r->args = apr_pstrdup(pool, query + 1);
	} else {
		r->uri = apr_pstrdup(pool, uri);
	}
	r->unparsed_uri = apr_pstrdup(pool, uri);
	return r;
}

void stub_body(request_rec *r, const char *content_type, const char *body, apr_size_t len, int content_length)
{
	stub_req *q = (stub_req *)r;

	q->body = body;
	q->body_len = len;
	q->body_read = 0;
	if (content_type)
		apr_table_setn(r->headers_in, "Content-Type", content_type);
	if (content_length)
		apr_table_setn(r->headers_in, "Content-Length", apr_off_t_toa(r->pool, (apr_off_t)len));
}

void stub_https(request_rec *r, int on)
{
	((stub_req *)r)->https = on;
}

const char *stub_output(request_rec *r, apr_size_t *len)
{
	const stub_req *q = (const stub_req *)r;

	if (len)
		*len = q->out_len;
	return q->out ? q->out : "";
}

const char *stub_content_type(request_rec *r)
{
	return r->content_type;
}

static apr_status_t json_free(void *tree)
{
	cJSON_Delete(tree);
	return APR_SUCCESS;
}

cJSON *stub_json(request_rec *r)
{
	const stub_req *q = (const stub_req *)r;
	cJSON *tree = q->out ? cJSON_ParseWithLength(q->out, q->out_len) : NULL;

	if (tree)
		apr_pool_cleanup_register(r->pool, tree, json_free, apr_pool_cleanup_null);
	return tree;
}
