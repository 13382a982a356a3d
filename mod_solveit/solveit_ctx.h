#ifndef SOLVEIT_CTX_H
#define SOLVEIT_CTX_H

#include "httpd.h"

#include "solveit_config.h"
#include "solveit_db.h"
#include "solveit_http.h"
#include "solveit_session.h"

struct sv_route;

/* One request to the judge, as the handlers of every area see it. The router fills in the route,
 * the id of its path and (for routes that take a body) the parsed input before a handler runs. */
typedef struct {
	request_rec *r;
	solveit_config *cfg;
	const char *path; /* below the base path, e.g. "/api/tasks/3" */
	const struct sv_route *route;
	apr_int64_t id; /* the {id} of the route's path, 0 without one */
	sv_input in;    /* the request body; empty for routes that take none */
	sv_db db;
	int db_state; /* 0 not yet acquired, 1 acquired, -1 unavailable */
	int user_loaded;
	sv_session *sess; /* NULL: nobody */
	int fail_status;  /* why sv_ctx_user / sv_ctx_db gave nothing */
	const char *fail_message;
} sv_ctx;

/* A fresh context for r below the base path. */
void sv_ctx_init(sv_ctx *ctx, request_rec *r, const char *path);

/* The request's database connection (acquired once), or NULL with the failure recorded. */
sv_db *sv_ctx_db(sv_ctx *ctx);

/* The logged-in user (built-in session, or external r->user provisioned on first sight), or NULL
 * with the failure recorded (401 nobody, 503 database). */
sv_session *sv_ctx_user(sv_ctx *ctx);

/* sv_ctx_user plus the database connection the caller goes on to use (a session from the
 * per-child cache comes without one): NULL with the failure recorded when either is missing. */
sv_session *sv_ctx_user_db(sv_ctx *ctx);

/* Records a failure for sv_ctx_fail; returns NULL for the builders that give up with it. */
void *sv_ctx_failed(sv_ctx *ctx, int status, const char *message);

/* Sends the recorded failure as a JSON error. */
int sv_ctx_fail(sv_ctx *ctx);

#endif
