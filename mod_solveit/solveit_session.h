#ifndef SOLVEIT_SESSION_H
#define SOLVEIT_SESSION_H

#include "httpd.h"

#include "solveit_db.h"
#include "solveit_http.h"

/* Who is asking: a live session and its user. */
typedef struct {
	apr_int64_t user_id;
	const char *username;
	int staff;
	apr_int64_t team_id; /* 0: no team */
	const char *team;    /* NULL: no team */
	const char *token_hash;
	const char *csrf_token;
} sv_session;

/* The caller's session from the cookie in *out, or NULL there (no cookie, unknown, idle or
 * expired). Returns -1 when the database failed: that is no reason to drop the cookie. A session
 * found is remembered by this child for SV_SESSION_CACHE_TTL (see sv_session_cached). */
int sv_session_load(request_rec *r, sv_db *db, sv_session **out);

/*
 * The per-child session cache. GET /api/tasks and POST /api/submissions would otherwise spend a
 * database round trip of their two on finding the session. A row read from PostgreSQL is kept
 * by the child for at most SV_SESSION_CACHE_TTL, and never past its idle or absolute expiry.
 * Everything that ends sessions here (logout, login replacing a token, password change, external
 * re-provisioning) calls sv_session_forget_all, which bumps a counter in shared memory that every
 * child of this httpd generation checks on each hit: such an end is seen by all children at once.
 * Changes made to the database by anyone else (a user disabled by an administrator, a session row
 * deleted by hand) take effect within SV_SESSION_CACHE_TTL.
 */
#define SV_SESSION_CACHE_TTL apr_time_from_sec(1)

/* post_config (not the dry run): the shared counter, in anonymous shared memory on pconf. Returns
 * APR_SUCCESS, or the error after which the cache stays off (every request asks the database). */
apr_status_t sv_session_cache_post_config(apr_pool_t *pconf, server_rec *s);
/* child_init: the child's table and its lock. */
void sv_session_cache_child_init(apr_pool_t *pchild, server_rec *s);
/* The caller's session from this child's cache: 1 with *out set, or 0 (ask the database). */
int sv_session_cached(request_rec *r, sv_session **out);
/* Every child forgets every cached session (some session just ended). */
void sv_session_forget_all(void);

/* Starts a fresh session for a user (a new token every time: no fixation) and sets the cookie.
 * Returns NULL after logging when the database fails. */
sv_session *sv_session_create(request_rec *r, sv_db *db, apr_int64_t user_id, const char *username, int staff,
			      apr_int64_t team_id, const char *team);

/* Ends the session: deletes the row and expires the cookie. */
void sv_session_destroy(request_rec *r, sv_db *db, const sv_session *sess);

/* Expires the cookie without touching the database (unknown or stale token). */
void sv_session_clear_cookie(request_rec *r);

/* The session token sent by the client, or NULL. */
const char *sv_session_cookie(request_rec *r);

/* SHA-256 of a token, hex. */
const char *sv_session_hash(apr_pool_t *p, const char *token);

/* Refuses a cross-origin state-changing request: 0 when Origin (or Referer) is absent or names
 * this server, else HTTP_FORBIDDEN with *err. */
int sv_origin_check(request_rec *r, const char **err);

/* The synchronizer token check: X-CSRF-Token header or csrf_token field must equal the
 * session's. 0 or HTTP_FORBIDDEN with *err. */
int sv_csrf_check(request_rec *r, const sv_session *sess, const sv_input *in, const char **err);

#endif
