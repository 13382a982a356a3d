#include "solveit_leaderboard.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "apr_dbd.h"
#include "apr_hash.h"
#include "apr_md5.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "http_log.h"
#include "http_main.h"
#include "http_protocol.h"

APLOG_USE_MODULE(solveit);

#define CACHE_KEY        "solveit:leaderboard:v1"
#define LOCK_KEY         "solveit:leaderboard:v1:lock"
#define LOCK_MS          5000 /* a computing request that dies frees the lock after this */
#define WAIT_STEP_MS     25   /* a request that lost the lock looks again this often... */
#define WAIT_STEPS       20   /* ...this many times, then computes for itself */
#define REDIS_TIMEOUT_MS 200  /* connect and each command */
#define REDIS_RETRY_SEC  5    /* after a failure, Redis is left alone this long */
#define STATEMENT_LABEL  "solveit_leaderboard"

/* The whole answer, built by PostgreSQL in one statement. Best score per (user, task) and per
 * (team, task) over completed submissions of open tasks, reached at the first submission with
 * that score; a total is reached when the last of its best scores was. Teams count the
 * submissions made under their name (submissions.team_id). No input goes into it. */
#define UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
static const char leaderboard_sql[] =
    "WITH open_tasks AS (SELECT id, slug, title, position FROM tasks WHERE is_open),"
    " judged AS (SELECT s.id, s.user_id, s.team_id, s.task_id, s.score, s.submitted_at"
    "  FROM submissions s JOIN open_tasks t ON t.id = s.task_id"
    "  WHERE s.status = 'completed' AND s.score IS NOT NULL),"
    " user_best AS (SELECT DISTINCT ON (user_id, task_id) user_id, task_id, score, submitted_at FROM judged"
    "  ORDER BY user_id, task_id, score DESC, submitted_at, id),"
    " team_best AS (SELECT DISTINCT ON (team_id, task_id) team_id, task_id, score, submitted_at FROM judged"
    "  WHERE team_id IS NOT NULL ORDER BY team_id, task_id, score DESC, submitted_at, id),"
    " user_rows AS (SELECT u.id, u.username, u.is_staff, tm.name AS team, sum(b.score) AS total,"
    "  count(*) FILTER (WHERE b.score = 100) AS solved, max(b.submitted_at) FILTER (WHERE b.score > 0) AS reached"
    "  FROM user_best b JOIN users u ON u.id = b.user_id LEFT JOIN teams tm ON tm.id = u.team_id"
    "  WHERE u.is_active GROUP BY u.id, u.username, u.is_staff, tm.name),"
    " user_ranked AS (SELECT *, rank() OVER (ORDER BY total DESC, reached ASC NULLS LAST) AS place FROM user_rows),"
    " team_rows AS (SELECT tm.id, tm.name,"
    "  (SELECT count(*) FROM users m WHERE m.team_id = tm.id AND m.is_active) AS members, sum(b.score) AS total,"
    "  count(*) FILTER (WHERE b.score = 100) AS solved, max(b.submitted_at) FILTER (WHERE b.score > 0) AS reached"
    "  FROM team_best b JOIN teams tm ON tm.id = b.team_id GROUP BY tm.id, tm.name),"
    " team_ranked AS (SELECT *, rank() OVER (ORDER BY total DESC, reached ASC NULLS LAST) AS place FROM team_rows)"
    " SELECT json_build_object("
    "  'tasks', COALESCE((SELECT json_agg(json_build_object('id', id, 'slug', slug, 'title', title)"
    "   ORDER BY position, id) FROM open_tasks), '[]'::json),"
    "  'users', COALESCE((SELECT json_agg(json_build_object('rank', r.place, 'user_id', r.id,"
    "   'username', r.username, 'team', r.team, 'staff', r.is_staff, 'score', r.total, 'solved', r.solved,"
    "   'reached_at', " UTC(
	"r.reached") ", 'scores', (SELECT json_agg(b.score ORDER BY t.position, t.id)"
		     "   FROM open_tasks t LEFT JOIN user_best b ON b.task_id = t.id AND b.user_id = r.id))"
		     "   ORDER BY r.place, r.username) FROM user_ranked r), '[]'::json),"
		     "  'teams', COALESCE((SELECT json_agg(json_build_object('rank', r.place, 'team_id', r.id, 'name', "
		     "r.name,"
		     "   'members', r.members, 'score', r.total, 'solved', r.solved, 'reached_at', " UTC(
			 "r.reached") ","
				      "   'scores', (SELECT json_agg(b.score ORDER BY t.position, t.id)"
				      "   FROM open_tasks t LEFT JOIN team_best b ON b.task_id = t.id AND b.team_id = "
				      "r.id))"
				      "   ORDER BY r.place, r.name) FROM team_ranked r), '[]'::json))::text";

/* ---- SolveitRedis: per server, kept in the configuration pool (gone with it on a restart) ---- */

typedef struct {
	const char *host; /* NULL: a Unix socket at path */
	int port;
	const char *path;
	int none;
} redis_address;

static apr_hash_t *redis_by_server;

static apr_status_t forget_redis_config(void *unused)
{
	redis_by_server = NULL;
	return APR_SUCCESS;
}

const char *sv_leaderboard_set_redis(cmd_parms *cmd, void *dummy, const char *arg)
{
	redis_address *a = apr_pcalloc(cmd->pool, sizeof(*a));
	const char *colon = strrchr(arg, ':');

	if (!strcasecmp(arg, "none")) {
		a->none = 1;
	} else if (arg[0] == '/') {
		a->path = apr_pstrdup(cmd->pool, arg);
	} else {
		char *end;
		long port;

		if (!colon || colon == arg)
			return SV_DIR_REDIS ": expected host:port, an absolute socket path or none";
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			return SV_DIR_REDIS ": the port must be a number from 1 to 65535";
		a->host = apr_pstrmemdup(cmd->pool, arg, (apr_size_t)(colon - arg));
		a->port = (int)port;
	}
	if (!redis_by_server) {
		redis_by_server = apr_hash_make(cmd->pool);
		apr_pool_cleanup_register(cmd->pool, NULL, forget_redis_config, apr_pool_cleanup_null);
	}
	apr_hash_set(redis_by_server, apr_pmemdup(cmd->pool, &cmd->server, sizeof(cmd->server)), sizeof(cmd->server),
		     a);
	return NULL;
}

/* This virtual host's setting, else the main server's, else none. */
static const redis_address *redis_for(const server_rec *s)
{
	const redis_address *a = NULL;

	if (!redis_by_server)
		return NULL;
	a = apr_hash_get(redis_by_server, &s, sizeof(s));
	if (!a && ap_server_conf)
		a = apr_hash_get(redis_by_server, &ap_server_conf, sizeof(ap_server_conf));
	return a && !a->none ? a : NULL;
}

/* ---- Redis: one connection per request, freed with the request's pool ---- */

/* Set after a failure; racy reads across threads only make a request try Redis once more. */
static volatile apr_time_t redis_quiet_until;

static apr_status_t free_redis(void *c)
{
	redisFree(c);
	return APR_SUCCESS;
}

static void redis_failed(request_rec *r, redisContext *c, const char *what)
{
	ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
		      "solveit: leaderboard: Redis %s failed (%s); computing from PostgreSQL for %d s", what,
		      c && c->errstr[0] ? c->errstr : "no reply", REDIS_RETRY_SEC);
	redis_quiet_until = apr_time_now() + apr_time_from_sec(REDIS_RETRY_SEC);
}

static redisContext *redis_open(request_rec *r)
{
	const redis_address *a = redis_for(r->server);
	struct timeval tv = {0, REDIS_TIMEOUT_MS * 1000};
	redisContext *c;

	if (!a || apr_time_now() < redis_quiet_until)
		return NULL;
	c = a->path ? redisConnectUnixWithTimeout(a->path, tv) : redisConnectWithTimeout(a->host, a->port, tv);
	if (!c || c->err) {
		redis_failed(r, c, "connect");
		if (c)
			redisFree(c);
		return NULL;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		redis_failed(r, c, "set timeout");
		redisFree(c);
		return NULL;
	}
	apr_pool_cleanup_register(r->pool, c, free_redis, apr_pool_cleanup_null);
	return c;
}

/* The cached "etag\njson", copied to the pool; NULL when absent. *broken is set on an error. */
static char *redis_get(request_rec *r, redisContext *c, int *broken)
{
	redisReply *reply = redisCommand(c, "GET %s", CACHE_KEY);
	char *value = NULL;

	if (!reply) {
		*broken = 1;
		redis_failed(r, c, "GET");
		return NULL;
	}
	if (reply->type == REDIS_REPLY_STRING)
		value = apr_pstrmemdup(r->pool, reply->str, (apr_size_t)reply->len);
	freeReplyObject(reply);
	return value;
}

/* 1 when this request now holds the computing lock. */
static int redis_lock(request_rec *r, redisContext *c, int *broken)
{
	redisReply *reply = redisCommand(c, "SET %s 1 NX PX %d", LOCK_KEY, LOCK_MS);
	int got;

	if (!reply) {
		*broken = 1;
		redis_failed(r, c, "SET NX");
		return 0;
	}
	got = reply->type == REDIS_REPLY_STATUS;
	freeReplyObject(reply);
	return got;
}

static void redis_store(request_rec *r, redisContext *c, const char *value, int unlock)
{
	redisReply *reply = redisCommand(c, "SET %s %s PX %d", CACHE_KEY, value, SV_LEADERBOARD_TTL_MS);

	if (!reply) {
		redis_failed(r, c, "SET");
		return;
	}
	freeReplyObject(reply);
	if (unlock && (reply = redisCommand(c, "DEL %s", LOCK_KEY)) != NULL)
		freeReplyObject(reply);
}

/* ---- PostgreSQL ---- */

/* The statement prepared on this pooled connection, preparing it on first use (or again when
 * fresh: after PostgreSQL restarted under mod_dbd, its old prepared statements are gone). */
static apr_dbd_prepared_t *statement(ap_dbd_t *dbd, int fresh)
{
	apr_dbd_prepared_t *stmt = fresh ? NULL : apr_hash_get(dbd->prepared, STATEMENT_LABEL, APR_HASH_KEY_STRING);

	if (stmt)
		return stmt;
	if (apr_dbd_prepare(dbd->driver, dbd->pool, dbd->handle, leaderboard_sql, STATEMENT_LABEL, &stmt) != 0 || !stmt)
		return NULL;
	apr_hash_set(dbd->prepared, STATEMENT_LABEL, APR_HASH_KEY_STRING, stmt);
	return stmt;
}

/* The leaderboard JSON, or NULL after logging. */
static const char *compute(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	sv_db *db = sv_ctx_db(ctx);

	if (!db)
		return NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		apr_dbd_prepared_t *stmt = statement(db->dbd, attempt > 0);
		apr_dbd_results_t *res = NULL;
		apr_dbd_row_t *row = NULL;
		int rc;

		if (!stmt)
			continue;
		rc = apr_dbd_pselect(db->dbd->driver, r->pool, db->dbd->handle, &res, stmt, 1, 0, NULL);
		if (rc == 0 && apr_dbd_get_row(db->dbd->driver, r->pool, res, &row, -1) == 0 && row) {
			const char *json = apr_dbd_get_entry(db->dbd->driver, row, 0);

			return json ? apr_pstrdup(r->pool, json) : NULL;
		}
		ap_log_rerror(APLOG_MARK, attempt ? APLOG_ERR : APLOG_INFO, 0, r, "solveit: leaderboard query: %s",
			      rc ? apr_dbd_error(db->dbd->driver, db->dbd->handle, rc) : "no row");
	}
	return NULL;
}

/* "etag\njson" for the cache: the ETag is the MD5 of the body, so it changes exactly when the
 * ranking does. */
static const char *with_etag(apr_pool_t *p, const char *json)
{
	unsigned char digest[APR_MD5_DIGESTSIZE];
	char hex[2 * APR_MD5_DIGESTSIZE + 1];

	apr_md5(digest, json, strlen(json));
	for (int i = 0; i < APR_MD5_DIGESTSIZE; i++)
		apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return apr_pstrcat(p, "\"lb-", hex, "\"\n", json, NULL);
}

static int send_cached(request_rec *r, const char *value)
{
	const char *nl = strchr(value, '\n');
	const char *etag, *json;
	apr_size_t len;

	if (!nl || value[0] != '"')
		return DECLINED; /* not ours: recompute */
	etag = apr_pstrmemdup(r->pool, value, (apr_size_t)(nl - value));
	json = nl + 1;
	len = strlen(json);
	/* Shared by everyone, but only for signed-in users: private, revalidated every time. Matched
	 * without the quotes, since mod_deflate hands the tag back as "<tag>-gzip". */
	return sv_send_json_tagged(r, etag, apr_pstrmemdup(r->pool, etag + 1, strlen(etag) - 2), json, len);
}

int sv_api_leaderboard(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	redisContext *c;
	const char *cached = NULL, *json, *value;
	int broken = 0, locked = 0, rc;

	if (!sv_ctx_user(ctx))
		return sv_ctx_fail(ctx);
	c = redis_open(r);
	if (c)
		cached = redis_get(r, c, &broken);
	if (!cached && c && !broken) {
		locked = redis_lock(r, c, &broken);
		/* Someone else is computing it: wait for their answer rather than query as well. */
		for (int i = 0; !locked && !broken && !cached && i < WAIT_STEPS; i++) {
			apr_sleep(apr_time_from_msec(WAIT_STEP_MS));
			cached = redis_get(r, c, &broken);
		}
	}
	if (cached && (rc = send_cached(r, cached)) != DECLINED)
		return rc;
	if (!(json = compute(ctx))) {
		if (locked) {
			redisReply *reply = redisCommand(c, "DEL %s", LOCK_KEY);

			if (reply)
				freeReplyObject(reply);
		}
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "the leaderboard cannot be computed now (database unavailable)");
	}
	value = with_etag(r->pool, json);
	if (c && !broken)
		redis_store(r, c, value, locked);
	return send_cached(r, value);
}
