#ifndef SOLVEIT_LEADERBOARD_H
#define SOLVEIT_LEADERBOARD_H

#include "solveit_ctx.h"
#include "solveit_redis.h"

/* GET <base>/api/leaderboard: users and teams ranked by the total of their best score per open
 * task, ties broken by the time that total was reached (the submission that last raised it).
 * Staff accounts are never ranked (not as users, not in their teams).
 *
 *   {"tasks":[{"id","slug","title"}],
 *    "users":[{"rank","user_id","username","team","score","solved","reached_at","scores":[..]}],
 *    "teams":[{"rank","team_id","name","members","score","solved","reached_at","scores":[..]}]}
 *
 * scores holds one entry per task of "tasks" (null: never judged). Who sees it is the setting
 * leaderboard_visibility (sql/024_settings.sql, see sv_leaderboard_visibility):
 *   public      everyone signed in, the body above;
 *   anonymised  staff get the body plus "visibility":"anonymised"; a student gets every row with a
 *               "label" ("Participant 3F9A2C1B", "Team 0C41D2E7": a keyed hash of the id, stable and
 *               telling nothing), their own user and team row with its names and "you":true, every
 *               other row without its id and names, rows of one rank in label order;
 *   staff       staff get the body plus "visibility":"staff", students 403;
 *   off         everyone 404 "The leaderboard is turned off.".
 * The ranking (SV_SQL_LEADERBOARD) is the same in every mode and for every caller, so it is cached
 * in Redis (SolveitRedis, solveit_redis.h) for SV_LEADERBOARD_TTL_MS under one key per database
 * (sv_redis_key), computed by one request at a time (a short lock); hundreds of open pages cost
 * about one PostgreSQL query a second; the setting and the ranking come in one Redis round trip. The mode is applied
 * after the cache, so no cached value is ever of one mode: whatever Redis holds, a student in anonymised mode gets it
 * anonymised. Without Redis (not configured, or down) every request computes it. The answer
 * carries an ETag, the MD5 of the body sent; a matching If-None-Match gets 304. */
int sv_api_leaderboard(sv_ctx *ctx);

#define SV_LEADERBOARD_TTL_MS 1000

typedef enum { SV_LB_PUBLIC, SV_LB_ANONYMISED, SV_LB_STAFF, SV_LB_OFF } sv_lb_visibility;

/* The setting: 0 with *vis (and the labels' key when label_key is not NULL), or -1 after logging.
 * Read from the database, or from this child's copy while Redis holds the settings version it
 * was read under and for SV_LEADERBOARD_SETTING_TTL at most (without Redis: every time). A change
 * through the staff API bumps that version (sv_leaderboard_setting_changed) and so counts on the
 * next request; one made in the database by anyone else (solveit-admin) within the TTL. */
int sv_leaderboard_visibility(sv_ctx *ctx, sv_lb_visibility *vis, const char **label_key);
void sv_leaderboard_setting_changed(request_rec *r);

#define SV_LEADERBOARD_SETTING_TTL apr_time_from_sec(1)
const char *sv_leaderboard_visibility_name(sv_lb_visibility v);

/* The anonymised label of a row (kind "user" or "team") under key: "Participant 3F9A2C1B". */
void sv_leaderboard_label(char *out, apr_size_t size, const char *key, const char *kind, double id);

/* A cached value ("etag\njson", len bytes) split into its ETag and body: 1 when it is exactly what
 * this module stores (the tag is the MD5 of the body that follows, an object), 0 for anything else, which
 * the handler treats as a miss. */
int sv_leaderboard_cached_split(apr_pool_t *p, const char *value, apr_size_t len, const char **etag, const char **json);

/* ---- The cache, shared with the contests' scoreboards (solveit_scoreboard.c) ------------------ */

/* Computes a body every caller shares: its JSON, or NULL after logging. */
typedef const char *(*sv_json_compute)(sv_ctx *ctx, void *arg);

/* The value stored under Redis key (a name for sv_redis_key) copied to the pool; NULL when absent,
 * when Redis failed, or when its MAC does not verify (sv_redis_get_signed, logged). */
const char *sv_cache_get(request_rec *r, sv_redis *c, const char *key);

/* The shared body stored under Redis key: cached (the value read with sv_cache_get, NULL when
 * absent) when well-formed, else computed by compute(ctx, arg) by one request at a time
 * (the lock key + ":lock", the others waiting for its answer) and stored, signed, for
 * SV_LEADERBOARD_TTL_MS (never without a TTL). 0 with its ETag and JSON, or -1 when compute failed. c NULL: no cache.
 */
int sv_cached_json(sv_ctx *ctx, sv_redis *c, const char *key, const char *cached, sv_json_compute compute, void *arg,
		   const char **etag, const char **json);

/* The ETag of a body ("lb-<md5 hex>" quoted) and the tagged answer (304 when If-None-Match holds
 * it), private and revalidated every time. */
const char *sv_json_etag(apr_pool_t *p, const char *json, apr_size_t len);
int sv_send_cached_json(request_rec *r, const char *etag, const char *json);

#endif
