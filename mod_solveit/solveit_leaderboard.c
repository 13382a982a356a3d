#include "solveit_leaderboard.h"

#include <string.h>

#include "apr_md5.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_redis.h"

APLOG_USE_MODULE(solveit);

#define CACHE_KEY    "leaderboard:v1"
#define LOCK_KEY     "leaderboard:v1:lock"
#define TAG_PREFIX   "\"lb-"
#define TAG_LEN      (sizeof(TAG_PREFIX) - 1 + 2 * APR_MD5_DIGESTSIZE + 1) /* "lb-<md5 hex>" */
#define LOCK_MS      5000 /* a computing request that dies frees the lock after this */
#define WAIT_STEP_MS 25   /* a request that lost the lock looks again this often... */
#define WAIT_STEPS   20   /* ...this many times, then computes for itself */

/* The cached "etag\njson", copied to the pool; NULL when absent or when Redis failed. */
static char *cache_get(request_rec *r, sv_redis *c)
{
	redisReply *reply = sv_redis_command(c, "GET %s", sv_redis_key(r, CACHE_KEY));
	char *value = NULL;

	if (!reply)
		return NULL;
	if (reply->type == REDIS_REPLY_STRING)
		value = apr_pstrmemdup(r->pool, reply->str, (apr_size_t)reply->len);
	freeReplyObject(reply);
	return value;
}

/* 1 when this request now holds the computing lock. */
static int cache_lock(request_rec *r, sv_redis *c)
{
	redisReply *reply = sv_redis_command(c, "SET %s 1 NX PX %d", sv_redis_key(r, LOCK_KEY), LOCK_MS);
	int got;

	if (!reply)
		return 0;
	got = reply->type == REDIS_REPLY_STATUS;
	freeReplyObject(reply);
	return got;
}

static void command_only(request_rec *r, sv_redis *c, const char *fmt, const char *name, const char *value)
{
	const char *key = sv_redis_key(r, name);
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

/* The ETag of a body: its MD5, so that it changes exactly when the ranking does. */
static const char *etag_of(apr_pool_t *p, const char *json, apr_size_t len)
{
	unsigned char digest[APR_MD5_DIGESTSIZE];
	char hex[2 * APR_MD5_DIGESTSIZE + 1];

	apr_md5(digest, json, len);
	for (int i = 0; i < APR_MD5_DIGESTSIZE; i++)
		apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return apr_pstrcat(p, TAG_PREFIX, hex, "\"", NULL);
}

int sv_leaderboard_cached_split(apr_pool_t *p, const char *value, apr_size_t len, const char **etag, const char **json)
{
	const char *body;

	/* Anything in Redis may have been put there by someone else: the value is used only when its
	 * tag is the one this module would give its body, which also rules out a cut-off body. */
	if (len <= TAG_LEN + 1 || value[TAG_LEN] != '\n' || (body = value + TAG_LEN + 1)[0] != '{')
		return 0;
	*etag = etag_of(p, body, len - TAG_LEN - 1);
	if (memcmp(*etag, value, TAG_LEN) != 0)
		return 0;
	*json = body;
	return 1;
}

static int send_cached(request_rec *r, const char *etag, const char *json)
{
	/* Shared by everyone, but only for signed-in users: private, revalidated every time. Matched
	 * without the quotes, since mod_deflate hands the tag back as "<tag>-gzip". */
	return sv_send_json_tagged(r, etag, apr_pstrmemdup(r->pool, etag + 1, TAG_LEN - 2), json, strlen(json));
}

/* Sends the cached value when it is well-formed; DECLINED (logged) when it is not. */
static int send_cache_hit(request_rec *r, const char *value)
{
	const char *etag, *json;

	if (sv_leaderboard_cached_split(r->pool, value, strlen(value), &etag, &json))
		return send_cached(r, etag, json);
	ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
		      "solveit: Redis key %s holds no leaderboard this module wrote (%" APR_SIZE_T_FMT
		      " bytes); computing it again and replacing it",
		      sv_redis_key(r, CACHE_KEY), strlen(value));
	return DECLINED;
}

int sv_api_leaderboard(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	sv_redis *c = sv_redis_acquire(r);
	const char *cached = cache_get(r, c), *json, *etag;
	int locked = 0, rc;

	if (!cached && c) {
		locked = cache_lock(r, c);
		/* Someone else is computing it: wait for their answer rather than query as well. A broken
		 * connection answers nothing at once, and this ends. */
		for (int i = 0; !locked && !cached && i < WAIT_STEPS && sv_redis_usable(c); i++) {
			apr_sleep(apr_time_from_msec(WAIT_STEP_MS));
			cached = cache_get(r, c);
		}
	}
	if (cached && (rc = send_cache_hit(r, cached)) != DECLINED)
		return rc;
	if (!(json = compute(ctx))) {
		if (locked)
			command_only(r, c, "DEL %s", LOCK_KEY, NULL);
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "the leaderboard cannot be computed now (database unavailable)");
	}
	etag = etag_of(r->pool, json, strlen(json));
	command_only(r, c, "SET %s %s PX %d", CACHE_KEY, apr_pstrcat(r->pool, etag, "\n", json, NULL));
	if (locked)
		command_only(r, c, "DEL %s", LOCK_KEY, NULL);
	return send_cached(r, etag, json);
}
