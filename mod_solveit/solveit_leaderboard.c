#include "solveit_leaderboard.h"

#include <string.h>

#include "apr_md5.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_redis.h"

APLOG_USE_MODULE(solveit);

#define CACHE_KEY    "solveit:leaderboard:v1"
#define LOCK_KEY     "solveit:leaderboard:v1:lock"
#define LOCK_MS      5000 /* a computing request that dies frees the lock after this */
#define WAIT_STEP_MS 25   /* a request that lost the lock looks again this often... */
#define WAIT_STEPS   20   /* ...this many times, then computes for itself */

/* The cached "etag\njson", copied to the pool; NULL when absent or when Redis failed. */
static char *cache_get(request_rec *r, sv_redis *c)
{
	redisReply *reply = sv_redis_command(c, "GET %s", CACHE_KEY);
	char *value = NULL;

	if (!reply)
		return NULL;
	if (reply->type == REDIS_REPLY_STRING)
		value = apr_pstrmemdup(r->pool, reply->str, (apr_size_t)reply->len);
	freeReplyObject(reply);
	return value;
}

/* 1 when this request now holds the computing lock. */
static int cache_lock(sv_redis *c)
{
	redisReply *reply = sv_redis_command(c, "SET %s 1 NX PX %d", LOCK_KEY, LOCK_MS);
	int got;

	if (!reply)
		return 0;
	got = reply->type == REDIS_REPLY_STATUS;
	freeReplyObject(reply);
	return got;
}

static void command_only(sv_redis *c, const char *fmt, const char *key, const char *value)
{
	redisReply *reply =
	    value ? sv_redis_command(c, fmt, key, value, SV_LEADERBOARD_TTL_MS) : sv_redis_command(c, fmt, key);

	if (reply)
		freeReplyObject(reply);
}

/* The leaderboard JSON, or NULL after logging. */
static const char *compute(sv_ctx *ctx)
{
	sv_db *db = sv_ctx_db(ctx);
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *json;

	if (!db || sv_db_select(db, SV_SQL_LEADERBOARD, &res) < 0)
		return NULL;
	if (!(row = sv_db_row(db, res, 1)) || !(json = sv_db_get(db, row, 0))) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, "solveit: leaderboard query: no row");
		return NULL;
	}
	return json;
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
	sv_redis *c = sv_redis_acquire(r);
	const char *cached = cache_get(r, c), *json, *value;
	int locked = 0, rc;

	if (!cached && c) {
		locked = cache_lock(c);
		/* Someone else is computing it: wait for their answer rather than query as well. A broken
		 * connection answers nothing at once, and this ends. */
		for (int i = 0; !locked && !cached && i < WAIT_STEPS && sv_redis_usable(c); i++) {
			apr_sleep(apr_time_from_msec(WAIT_STEP_MS));
			cached = cache_get(r, c);
		}
	}
	if (cached && (rc = send_cached(r, cached)) != DECLINED)
		return rc;
	if (!(json = compute(ctx))) {
		if (locked)
			command_only(c, "DEL %s", LOCK_KEY, NULL);
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "the leaderboard cannot be computed now (database unavailable)");
	}
	value = with_etag(r->pool, json);
	command_only(c, "SET %s %s PX %d", CACHE_KEY, value);
	if (locked)
		command_only(c, "DEL %s", LOCK_KEY, NULL);
	return send_cached(r, value);
}
