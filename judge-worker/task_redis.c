#include "task_redis.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis.h>

#include "sv_cache_mac.h"
#include "sv_daemon.h"
#include "sv_log.h"
#include "sv_time.h"
#include "worker_stats.h"

#define REDIS_RETRY_BASE_MS 500
#define REDIS_RETRY_MAX_MS  30000

struct task_redis {
	const worker_config *cfg;
	char host[256]; /* or the socket path, with port 0 */
	int port;
	char where[300];  /* for the log: the path, or host:port */
	char *password;   /* --redis-password-file's, or NULL */
	sv_keyring *keys; /* --key-file's: every cached value is signed and checked with them */
	atomic_int down;  /* since a connection failed, until one connects: logged once each way */
};

/* The flag is the cache's one mutable field; every thread's connection reports into it. */
static atomic_int *down_flag(const task_redis *cache)
{
	return (atomic_int *)&cache->down;
}

int task_redis_open(const worker_config *cfg, task_redis **out, char *err, size_t errlen)
{
	char password[SV_REDIS_PASSWORD_MAX], why[512];
	task_redis *cache;

	*out = NULL;
	if (!*cfg->redis || !strcmp(cfg->redis, "none"))
		return 0;
	if (!(cache = calloc(1, sizeof(*cache)))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cache->cfg = cfg;
	if (worker_parse_host_port(cfg->redis, cache->host, sizeof(cache->host), &cache->port) < 0) {
		snprintf(err, errlen, "bad Redis address \"%s\"", cfg->redis);
		goto fail;
	}
	snprintf(cache->where, sizeof(cache->where), cache->port ? "%s:%d" : "%s", cache->host, cache->port);
	if (*cfg->redis_password_file) {
		if (sv_redis_password_load(cfg->redis_password_file, password, sizeof(password), why, sizeof(why)) <
		    0) {
			snprintf(err, errlen, "--redis-password-file / SOLVEIT_REDIS_PASSWORD_FILE: %s", why);
			goto fail;
		}
		cache->password = strdup(password);
		memset(password, 0, sizeof(password));
		if (!cache->password) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (!*cfg->key_file) {
		sv_log(SV_LOG_WARNING,
		       "Redis %s is not used: its values are signed with the keys of --key-file / "
		       "SOLVEIT_KEY_FILE, which is not set; task data comes from PostgreSQL",
		       cache->where);
		task_redis_close(cache);
		return 0;
	}
	if (!(cache->keys = sv_keyring_load(cfg->key_file, why, sizeof(why)))) {
		snprintf(err, errlen, "--key-file / SOLVEIT_KEY_FILE: %s", why);
		goto fail;
	}
	*out = cache;
	return 0;
fail:
	task_redis_close(cache);
	return -1;
}

void task_redis_close(task_redis *cache)
{
	if (!cache)
		return;
	sv_keyring_free(cache->keys);
	if (cache->password) {
		memset(cache->password, 0, strlen(cache->password));
		free(cache->password);
	}
	free(cache);
}

static void redis_failed(const task_redis *cache, task_redis_conn *conn, const char *what)
{
	long delay = sv_backoff_delay_ms(REDIS_RETRY_BASE_MS, REDIS_RETRY_MAX_MS, conn->failures);

	/* Once per outage, cache-wide: not "this connection's first failure", since a connection still
	 * backing off from the last outage fails its first attempt in the next one too. */
	if (!atomic_exchange(down_flag(cache), 1))
		sv_log(SV_LOG_WARNING, "Redis %s: %s; task data comes from PostgreSQL, retrying Redis in %ld ms",
		       cache->where, what, delay);
	conn->failures++;
	conn->retry_at = sv_time_mono_ms() + delay;
	stats_add(STAT_CACHE_ERRORS, 1);
	if (conn->redis) {
		redisFree(conn->redis);
		conn->redis = NULL;
	}
}

/* AUTH with --redis-password-file's password: 0, or -1 after redis_failed (never logging it). */
static int redis_auth(const task_redis *cache, task_redis_conn *conn)
{
	redisReply *reply;
	char what[300];

	if (!cache->password)
		return 0;
	reply = redisCommand(conn->redis, "AUTH %s", cache->password);
	if (reply && reply->type == REDIS_REPLY_STATUS) {
		freeReplyObject(reply);
		return 0;
	}
	snprintf(what, sizeof(what), "the password of --redis-password-file %s is refused (%.120s)",
		 cache->cfg->redis_password_file,
		 !reply                             ? conn->redis->errstr
		 : reply->type == REDIS_REPLY_ERROR ? reply->str
						    : "no status");
	if (reply)
		freeReplyObject(reply);
	redis_failed(cache, conn, what);
	return -1;
}

int task_redis_ready(const task_redis *cache, task_redis_conn *conn)
{
	int ms = cache->cfg->redis_timeout_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	if (!cache)
		return 0;
	if (conn->redis)
		return 1;
	if (conn->failures && sv_time_mono_ms() < conn->retry_at)
		return 0;
	conn->redis = cache->port ? redisConnectWithTimeout(cache->host, cache->port, tv)
				  : redisConnectUnixWithTimeout(cache->host, tv);
	if (!conn->redis || conn->redis->err) {
		char what[160];
		snprintf(what, sizeof(what), "cannot connect (%s)",
			 conn->redis ? conn->redis->errstr : "out of memory");
		redis_failed(cache, conn, what);
		return 0;
	}
	redisSetTimeout(conn->redis, tv);
	if (redis_auth(cache, conn) < 0)
		return 0;
	conn->failures = 0;
	if (atomic_exchange(down_flag(cache), 0))
		sv_log(SV_LOG_NOTICE, "Redis %s is back; task data is cached again", cache->where);
	return 1;
}

/* Whether a cached value is this task, written by a worker with our keys, within the schema's
 * bounds: 0 with *task filled, or -1 with why (then nothing is left in *task). */
static int cache_value_task(const task_redis *cache, const char *key, const char *value, size_t len, long long task_id,
			    int revision, task_data *task, char *why, size_t whylen)
{
	const char *body;
	size_t body_len;
	enum sv_mac_status st = sv_cache_open(cache->keys, key, value, len, &body, &body_len);

	memset(task, 0, sizeof(*task));
	if (st != SV_MAC_OK) {
		snprintf(why, whylen, "a value not signed by this worker's keys (%s)", sv_mac_status_name(st));
		return -1;
	}
	if (task_data_decode(body, body_len, task) < 0 || task->id != task_id || task->revision != revision) {
		task_data_free(task);
		snprintf(why, whylen, "no task %lld revision %d of this format", task_id, revision);
		return -1;
	}
	if (task_check_bounds(task, why, whylen) < 0) {
		task_data_free(task);
		return -1;
	}
	return 0;
}

int task_redis_get(const task_redis *cache, task_redis_conn *conn, long long task_id, int revision, task_data *task)
{
	char key[96], why[256];
	redisReply *reply;
	int rc = 0;

	task_cache_key(task_id, revision, key, sizeof(key));
	reply = redisCommand(conn->redis, "GET %s", key);
	if (!reply) {
		char what[160];
		snprintf(what, sizeof(what), "GET failed (%s)", conn->redis->errstr);
		redis_failed(cache, conn, what);
		return -1;
	}
	if (reply->type == REDIS_REPLY_STRING) {
		if (cache_value_task(cache, key, reply->str, reply->len, task_id, revision, task, why, sizeof(why)) ==
		    0)
			rc = 1;
		else
			/* Not ours, damaged or forged: loaded from the database, which overwrites it. */
			sv_log(SV_LOG_WARNING,
			       "Redis key %s holds %s; task %lld is loaded from PostgreSQL and the entry replaced", key,
			       why, task_id);
	} else if (reply->type != REDIS_REPLY_NIL) {
		char what[200];
		int noauth = reply->type == REDIS_REPLY_ERROR && !strncmp(reply->str, "NOAUTH", 6);
		snprintf(what, sizeof(what),
			 noauth ? "asks for a password (%s): set --redis-password-file" : "GET answered %s",
			 reply->type == REDIS_REPLY_ERROR ? reply->str : "garbage");
		freeReplyObject(reply);
		redis_failed(cache, conn, what);
		return -1;
	}
	freeReplyObject(reply);
	return rc;
}

void task_redis_put(const task_redis *cache, task_redis_conn *conn, const task_data *task)
{
	char key[96], header[SV_CACHE_HEADER_MAX + 1];
	size_t len, header_len;
	char *text = task_data_encode(task, &len);
	redisReply *reply;

	if (!text)
		return;
	task_cache_key(task->id, task->revision, key, sizeof(key));
	header_len = sv_cache_header(cache->keys, key, text, len, header);
	/* One argument of both parts: hiredis joins what no space separates. */
	reply =
	    redisCommand(conn->redis, "SET %s %b%b EX %d", key, header, header_len, text, len, cache->cfg->cache_ttl);
	free(text);
	if (!reply) {
		char what[160];
		snprintf(what, sizeof(what), "SET failed (%s)", conn->redis->errstr);
		redis_failed(cache, conn, what);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		char what[160];
		snprintf(what, sizeof(what), "SET answered %s", reply->str);
		freeReplyObject(reply);
		redis_failed(cache, conn, what);
		return;
	}
	freeReplyObject(reply);
}

void task_redis_conn_close(task_redis_conn *conn)
{
	if (conn->redis)
		redisFree(conn->redis);
	conn->redis = NULL;
}
