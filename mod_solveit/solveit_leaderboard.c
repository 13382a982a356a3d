#include "solveit_leaderboard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "apr_md5.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "http_log.h"
#include "http_protocol.h"

#include "solveit_redis.h"
#include "solveit_text.h"

APLOG_USE_MODULE(solveit);

#define CACHE_KEY    "leaderboard:v1"
#define VERSION_KEY  "settings:version" /* bumped by every change through the staff API */
#define TAG_PREFIX   "\"lb-"
#define TAG_LEN      (sizeof(TAG_PREFIX) - 1 + 2 * APR_MD5_DIGESTSIZE + 1) /* "lb-<md5 hex>" */
#define LOCK_MS      5000 /* a computing request that dies frees the lock after this */
#define WAIT_STEP_MS 25   /* a request that lost the lock looks again this often... */
#define WAIT_STEPS   20   /* ...this many times, then computes for itself */

/* The cached "etag\njson" under key, copied to the pool; NULL when absent, when Redis failed, or
 * when the value is not signed by this site (sv_redis_get_signed). */
const char *sv_cache_get(request_rec *r, sv_redis *c, const char *key)
{
	return sv_redis_get_signed(r, c, key);
}

/* 1 when this request now holds the computing lock of a key (lock_key). */
static int cache_lock(request_rec *r, sv_redis *c, const char *lock_key)
{
	redisReply *reply = sv_redis_command(c, "SET %s 1 NX PX %d", sv_redis_key(r, lock_key), LOCK_MS);
	int got;

	if (!reply)
		return 0;
	got = reply->type == REDIS_REPLY_STATUS;
	freeReplyObject(reply);
	return got;
}

static void command_only(request_rec *r, sv_redis *c, const char *fmt, const char *name)
{
	redisReply *reply = sv_redis_command(c, fmt, sv_redis_key(r, name));

	if (reply)
		freeReplyObject(reply);
}

/* The leaderboard JSON, or NULL after logging. */
static const char *compute(sv_ctx *ctx, void *arg)
{
	sv_db *db = sv_ctx_db(ctx);
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *json;

	(void)arg;
	if (!db || sv_db_select(db, SV_SQL_LEADERBOARD, &res) < 0)
		return NULL;
	if (!(row = sv_db_row(db, res, 1)) || !(json = sv_db_get(db, row, 0))) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r, "solveit: leaderboard query: no row");
		return NULL;
	}
	return json;
}

/* The ETag of a body: its MD5, so that it changes exactly when the ranking does. */
const char *sv_json_etag(apr_pool_t *p, const char *json, apr_size_t len)
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
	if (len <= TAG_LEN + 1 || value[TAG_LEN] != '\n' || (body = value + TAG_LEN + 1)[0] != '{' ||
	    value[len - 1] != '}')
		return 0;
	*etag = sv_json_etag(p, body, len - TAG_LEN - 1);
	if (memcmp(*etag, value, TAG_LEN) != 0)
		return 0;
	*json = body;
	return 1;
}

int sv_send_cached_json(request_rec *r, const char *etag, const char *json)
{
	/* Shared by everyone, but only for signed-in users: private, revalidated every time. Matched
	 * without the quotes, since mod_deflate hands the tag back as "<tag>-gzip". */
	return sv_send_json_tagged(r, etag, apr_pstrmemdup(r->pool, etag + 1, TAG_LEN - 2), json, strlen(json));
}

/* 1 with the cached value's ETag and body when it is well-formed; 0 (logged) when it is not. */
static int cache_hit(request_rec *r, const char *key, const char *value, const char **etag, const char **json)
{
	apr_size_t len = strlen(value);

	if (sv_leaderboard_cached_split(r->pool, value, len, etag, json))
		return 1;
	ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
		      "solveit: Redis key %s holds no leaderboard this module wrote (%" APR_SIZE_T_FMT
		      " bytes); computing it again and replacing it",
		      sv_redis_key(r, key), len);
	return 0;
}

static const char *const visibility_names[] = {"public", "anonymised", "staff", "off"};

const char *sv_leaderboard_visibility_name(sv_lb_visibility v)
{
	return visibility_names[v];
}

/* This child's copy of the setting, good while Redis holds the same settings version and for
 * SV_LEADERBOARD_SETTING_TTL at most: a change through the staff API (which bumps the version)
 * counts on the next request of every child, one made around it (solveit-admin) within the TTL.
 * One entry, for the virtual host that read it (its database). */
static struct {
	pthread_mutex_t lock;
	const server_rec *server;
	long long version;
	apr_time_t until;
	sv_lb_visibility vis;
	char label_key[160];
} seen = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, SV_LB_PUBLIC, ""};

/* The settings version of a Redis reply: its number, 0 when the key is absent, -1 for no answer. */
static long long version_of(const redisReply *reply)
{
	if (!reply)
		return -1;
	if (reply->type == REDIS_REPLY_NIL)
		return 0;
	if (reply->type == REDIS_REPLY_INTEGER)
		return reply->integer;
	return reply->type == REDIS_REPLY_STRING ? apr_atoi64(reply->str) : -1;
}

static int seen_get(request_rec *r, long long version, sv_lb_visibility *vis, const char **label_key)
{
	int hit;

	pthread_mutex_lock(&seen.lock);
	hit = version >= 0 && seen.server == r->server && seen.version == version && apr_time_now() < seen.until;
	if (hit) {
		*vis = seen.vis;
		if (label_key)
			*label_key = apr_pstrdup(r->pool, seen.label_key);
	}
	pthread_mutex_unlock(&seen.lock);
	return hit;
}

static void seen_put(request_rec *r, long long version, sv_lb_visibility vis, const char *label_key)
{
	if (version < 0 || !label_key || strlen(label_key) >= sizeof(seen.label_key))
		return;
	pthread_mutex_lock(&seen.lock);
	seen.server = r->server;
	seen.version = version;
	seen.until = apr_time_now() + SV_LEADERBOARD_SETTING_TTL;
	seen.vis = vis;
	apr_cpystrn(seen.label_key, label_key, sizeof(seen.label_key));
	pthread_mutex_unlock(&seen.lock);
}

/* The setting, from this child's copy when version (from Redis, -1: unknown) says it is current,
 * else from the database. */
static int visibility(sv_ctx *ctx, long long version, sv_lb_visibility *vis, const char **label_key)
{
	sv_db *db;
	apr_dbd_results_t *res;
	apr_dbd_row_t *row;
	const char *name, *key;

	if (seen_get(ctx->r, version, vis, label_key))
		return 0;
	if (!(db = sv_ctx_db(ctx)) || sv_db_select(db, SV_SQL_LEADERBOARD_VISIBILITY, &res) < 0)
		return -1;
	if (!(row = sv_db_row(db, res, 1)) || !(name = sv_db_get(db, row, 0))) {
		ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r,
			      "solveit: the setting leaderboard_visibility is missing (sql/024_settings.sql applied?)");
		return -1;
	}
	key = sv_db_get(db, row, 1);
	if (label_key)
		*label_key = key;
	*vis = SV_LB_OFF;
	for (int v = SV_LB_PUBLIC; v <= SV_LB_OFF; v++) {
		if (!strcmp(name, visibility_names[v])) {
			*vis = (sv_lb_visibility)v;
			seen_put(ctx->r, version, *vis, key);
			return 0;
		}
	}
	/* The database's check allows no other value: one that gets through shows nothing. */
	ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, ctx->r,
		      "solveit: unknown leaderboard_visibility \"%s\": treated as off", name);
	return 0;
}

int sv_leaderboard_visibility(sv_ctx *ctx, sv_lb_visibility *vis, const char **label_key)
{
	request_rec *r = ctx->r;
	sv_redis *c = sv_redis_acquire(r);
	redisReply *reply = c ? sv_redis_command(c, "GET %s", sv_redis_key(r, VERSION_KEY)) : NULL;
	long long version = version_of(reply);

	if (reply)
		freeReplyObject(reply);
	return visibility(ctx, version, vis, label_key);
}

void sv_leaderboard_setting_changed(request_rec *r)
{
	sv_redis *c = sv_redis_acquire(r);

	if (c)
		command_only(r, c, "INCR %s", VERSION_KEY);
}

/* The cached ranking and the settings version in one round trip: *cached NULL when absent (or
 * Redis failed), *version -1 when unknown. */
static void cache_peek(request_rec *r, sv_redis *c, const char **cached, long long *version)
{
	redisReply *reply =
	    c ? sv_redis_command(c, "MGET %s %s", sv_redis_key(r, CACHE_KEY), sv_redis_key(r, VERSION_KEY)) : NULL;

	*cached = NULL;
	*version = -1;
	if (!reply)
		return;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
		if (reply->element[0]->type == REDIS_REPLY_STRING)
			*cached = sv_redis_open_value(r, CACHE_KEY, reply->element[0]->str,
						      (apr_size_t)reply->element[0]->len);
		*version = version_of(reply->element[1]);
	}
	freeReplyObject(reply);
}

int sv_cached_json(sv_ctx *ctx, sv_redis *c, const char *key, const char *cached, sv_json_compute fn, void *arg,
		   const char **etag, const char **json)
{
	request_rec *r = ctx->r;
	const char *lock_key = apr_pstrcat(r->pool, key, ":lock", NULL), *value;
	int locked = 0;

	if (!cached && c) {
		locked = cache_lock(r, c, lock_key);
		/* Someone else is computing it: wait for their answer rather than query as well. A broken
		 * connection answers nothing at once, and this ends. */
		for (int i = 0; !locked && !cached && i < WAIT_STEPS && sv_redis_usable(c); i++) {
			apr_sleep(apr_time_from_msec(WAIT_STEP_MS));
			cached = sv_cache_get(r, c, key);
		}
	}
	if (cached && cache_hit(r, key, cached, etag, json))
		return 0;
	if (!(*json = fn(ctx, arg))) {
		if (locked)
			command_only(r, c, "DEL %s", lock_key);
		return -1;
	}
	*etag = sv_json_etag(r->pool, *json, strlen(*json));
	value = apr_pstrcat(r->pool, *etag, "\n", *json, NULL);
	sv_redis_set_signed(r, c, key, value, strlen(value), SV_LEADERBOARD_TTL_MS);
	if (locked)
		command_only(r, c, "DEL %s", lock_key);
	return 0;
}

void sv_leaderboard_label(char *out, apr_size_t size, const char *key, const char *kind, double id)
{
	unsigned char digest[APR_MD5_DIGESTSIZE];
	char text[256];
	int n = apr_snprintf(text, sizeof(text), "%s:%s:%.0f", key ? key : "", kind, id);

	apr_md5(digest, text, (apr_size_t)n);
	apr_snprintf(out, size, "%s %02X%02X%02X%02X", !strcmp(kind, "team") ? "Team" : "Participant", digest[0],
		     digest[1], digest[2], digest[3]);
}

static int by_rank_then_label(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	double rx = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "rank"));
	double ry = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(y, "rank"));

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "label")),
		      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(y, "label")));
}

/* Rows of one ranking anonymised for the caller, whose own row (id mine) keeps its names: every
 * row gets its label, the others lose their id and names. Rows of equal rank go by label, since
 * the ranking breaks those ties by name. */
static void anonymise_rows(apr_pool_t *p, cJSON *rows, const char *kind, const char *id_key, const char *const *names,
			   double mine, const char *label_key)
{
	int n = cJSON_GetArraySize(rows);
	cJSON **items = apr_palloc(p, sizeof(cJSON *) * (apr_size_t)(n + 1));
	char label[64];

	for (int i = 0; i < n; i++) {
		cJSON *row = items[i] = cJSON_DetachItemFromArray(rows, 0);
		double id = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, id_key));

		sv_leaderboard_label(label, sizeof(label), label_key, kind, id);
		cJSON_AddStringToObject(row, "label", label);
		if (mine > 0 && id == mine) {
			cJSON_AddTrueToObject(row, "you");
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(row, id_key);
		for (int k = 0; names[k]; k++)
			cJSON_DeleteItemFromObjectCaseSensitive(row, names[k]);
	}
	qsort(items, (size_t)n, sizeof(cJSON *), by_rank_then_label);
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(rows, items[i]);
}

/* The ranking as a student sees it in anonymised mode, or NULL when json is no ranking. */
static const char *anonymised(request_rec *r, const char *json, const sv_session *sess, const char *label_key)
{
	static const char *const user_names[] = {"username", "team", NULL}, *const team_names[] = {"name", NULL};
	cJSON *body = sv_json_own(r, cJSON_Parse(json)), *users, *teams;
	char *text;
	const char *out;

	if (!cJSON_IsObject(body) || !cJSON_IsArray(users = cJSON_GetObjectItemCaseSensitive(body, "users")) ||
	    !cJSON_IsArray(teams = cJSON_GetObjectItemCaseSensitive(body, "teams")))
		return NULL;
	anonymise_rows(r->pool, users, "user", "user_id", user_names, (double)sess->user_id, label_key);
	anonymise_rows(r->pool, teams, "team", "team_id", team_names, (double)sess->team_id, label_key);
	cJSON_DeleteItemFromObjectCaseSensitive(body, "visibility");
	cJSON_AddStringToObject(body, "visibility", visibility_names[SV_LB_ANONYMISED]);
	if (!(text = cJSON_PrintUnformatted(body)))
		return NULL;
	out = apr_pstrdup(r->pool, text);
	free(text);
	return out;
}

int sv_api_leaderboard(sv_ctx *ctx)
{
	request_rec *r = ctx->r;
	const sv_session *sess = ctx->sess;
	sv_redis *c = sv_redis_acquire(r);
	const char *cached, *json, *etag, *label_key = NULL;
	long long version;
	sv_lb_visibility vis;
	apr_size_t len;

	/* The mode first: the cached ranking (the same in every mode) is never sent as it is to whom
	 * the mode hides it. */
	cache_peek(r, c, &cached, &version);
	if (visibility(ctx, version, &vis, &label_key) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "the leaderboard cannot be shown now (database unavailable)");
	if (vis == SV_LB_OFF)
		return sv_send_error(r, HTTP_NOT_FOUND, "The leaderboard is turned off.");
	if (vis == SV_LB_STAFF && !sess->staff)
		return sv_send_error(r, HTTP_FORBIDDEN, "The leaderboard is visible to staff only.");
	if (sv_cached_json(ctx, c, CACHE_KEY, cached, compute, NULL, &etag, &json) < 0)
		return sv_send_error(r, HTTP_SERVICE_UNAVAILABLE,
				     "the leaderboard cannot be computed now (database unavailable)");
	if (vis == SV_LB_PUBLIC)
		return sv_send_cached_json(r, etag, json);
	if (vis == SV_LB_ANONYMISED && !sess->staff) {
		if (!(json = anonymised(r, json, sess, label_key)))
			return sv_send_error(r, HTTP_INTERNAL_SERVER_ERROR, "the leaderboard cannot be anonymised");
	} else {
		/* Staff see the real ranking and what students see; the mode goes last, where it wins
		 * over any member of that name. */
		len = strlen(json);
		json = apr_pstrcat(r->pool, apr_pstrmemdup(r->pool, json, len - 1), len > 2 ? "," : "",
				   "\"visibility\":\"", visibility_names[vis], "\"}", NULL);
	}
	return sv_send_cached_json(r, sv_json_etag(r->pool, json, strlen(json)), json);
}
