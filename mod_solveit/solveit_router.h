#ifndef SOLVEIT_ROUTER_H
#define SOLVEIT_ROUTER_H

#include "httpd.h"

#include "solveit_config.h"
#include "solveit_db.h"
#include "solveit_http.h"
#include "solveit_session.h"

/* One request to the judge, as the handlers of every area see it. */
typedef struct {
	request_rec *r;
	solveit_config *cfg;
	const char *path; /* below the base path, e.g. "/api/tasks/3" */
	sv_db db;
	int db_state; /* 0 not yet acquired, 1 acquired, -1 unavailable */
	int user_loaded;
	sv_session *sess; /* NULL: nobody */
	int fail_status;  /* why sv_ctx_user / sv_ctx_db gave nothing */
	const char *fail_message;
} sv_ctx;

/* The request's database connection (acquired once), or NULL with the failure recorded. */
sv_db *sv_ctx_db(sv_ctx *ctx);

/* The logged-in user (built-in session, or external r->user provisioned on first sight), or NULL
 * with the failure recorded (401 nobody, 503 database). */
sv_session *sv_ctx_user(sv_ctx *ctx);

/* sv_ctx_user plus the database connection the caller goes on to use (a session from the
 * per-child cache comes without one): NULL with the failure recorded when either is missing. */
sv_session *sv_ctx_user_db(sv_ctx *ctx);

/* Sends the recorded failure as a JSON error. */
int sv_ctx_fail(sv_ctx *ctx);

/* translate_name, map_to_storage and handler hooks. */
int solveit_translate(request_rec *r);
int solveit_map_to_storage(request_rec *r);
int solveit_handler(request_rec *r);

#endif
