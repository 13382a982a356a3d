#include "task_store.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis.h>
#include <libpq-fe.h>

#include "sv_log.h"
#include "sv_pg.h"
#include "sv_time.h"
#include "sv_daemon.h"
#include "worker_stats.h"

#define REDIS_RETRY_BASE_MS 500
#define REDIS_RETRY_MAX_MS  30000

struct task_store {
	const worker_config *cfg;
	int cache_enabled;
	char redis_host[256];
	int redis_port;
	/* task id -> current revision, sorted by id */
	pthread_mutex_t lock;
	long long *ids;
	int *revisions;
	size_t count, cap;
	/* the watcher */
	pthread_t watcher;
	int watcher_started;
	volatile int stop;
};

struct task_conn {
	task_store *store;
	PGconn *pg;
	redisContext *redis;
	double redis_retry_at; /* monotonic ms */
	unsigned redis_failures;
};

static const char task_query[] =
    "SELECT t.id, t.revision, t.time_limit_ms, t.memory_limit_kb, t.checker, t.case_sensitive, t.float_abs_tol, "
    "t.float_rel_tol, s.id, s.\"order\", convert_from(ib.content, 'UTF8'), convert_from(ab.content, 'UTF8'), "
    "s.weight, s.is_sample "
    "FROM tasks t LEFT JOIN tests s ON s.task_id = t.id LEFT JOIN blobs ib ON ib.sha256 = s.input_sha256 "
    "LEFT JOIN blobs ab ON ab.sha256 = s.answer_sha256 WHERE t.id = $1 ORDER BY s.\"order\"";

/* ---- the revision map ---- */

static long find_index(const task_store *store, long long id)
{
	size_t lo = 0, hi = store->count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (store->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < store->count && store->ids[lo] == id ? (long)lo : -((long)lo + 1);
}

static int map_lookup(task_store *store, long long id)
{
	int rev = -1;
	long i;

	pthread_mutex_lock(&store->lock);
	i = find_index(store, id);
	if (i >= 0)
		rev = store->revisions[i];
	pthread_mutex_unlock(&store->lock);
	return rev;
}

static void map_update(task_store *store, long long id, int revision)
{
	long i;

	pthread_mutex_lock(&store->lock);
	i = find_index(store, id);
	if (i >= 0) {
		if (revision > store->revisions[i])
			store->revisions[i] = revision;
	} else {
		size_t at = (size_t)(-i - 1);
		if (store->count == store->cap) {
			size_t cap = store->cap ? store->cap * 2 : 64;
			long long *ids = realloc(store->ids, cap * sizeof(*ids));
			int *revs = ids ? realloc(store->revisions, cap * sizeof(*revs)) : NULL;
			if (ids)
				store->ids = ids;
			if (!ids || !revs) {
				pthread_mutex_unlock(&store->lock);
				return;
			}
			store->revisions = revs;
			store->cap = cap;
		}
		memmove(store->ids + at + 1, store->ids + at, (store->count - at) * sizeof(*store->ids));
		memmove(store->revisions + at + 1, store->revisions + at, (store->count - at) * sizeof(int));
		store->ids[at] = id;
		store->revisions[at] = revision;
		store->count++;
	}
	pthread_mutex_unlock(&store->lock);
}

/* Replaces the map with a full scan, logging every revision that moved. */
static void map_replace(task_store *store, PGresult *res)
{
	size_t n = (size_t)PQntuples(res);
	long long *ids = malloc((n ? n : 1) * sizeof(*ids));
	int *revs = malloc((n ? n : 1) * sizeof(*revs));

	if (!ids || !revs) {
		free(ids);
		free(revs);
		return;
	}
	for (size_t r = 0; r < n; r++) {
		ids[r] = strtoll(PQgetvalue(res, (int)r, 0), NULL, 10);
		revs[r] = atoi(PQgetvalue(res, (int)r, 1));
	}
	pthread_mutex_lock(&store->lock);
	for (size_t r = 0; r < n; r++) {
		long i = find_index(store, ids[r]);
		if (i >= 0 && store->revisions[i] != revs[r])
			sv_log(SV_LOG_INFO, "task %lld: revision %d -> %d, its cached tests are no longer used", ids[r],
			       store->revisions[i], revs[r]);
	}
	free(store->ids);
	free(store->revisions);
	store->ids = ids;
	store->revisions = revs;
	store->count = store->cap = n;
	pthread_mutex_unlock(&store->lock);
}

/* ---- the watcher ---- */

static void *watcher_main(void *arg)
{
	task_store *store = arg;
	PGconn *pg = NULL;
	unsigned failures = 0;
	int ok_logged = 0;

	while (!store->stop) {
		PGresult *res;
		double next;

		if (!pg || PQstatus(pg) != CONNECTION_OK) {
			pg = sv_pg_reconnect(pg, store->cfg->db, "judge-worker revisions");
			if (PQstatus(pg) != CONNECTION_OK) {
				if (failures++ == 0 || ok_logged) {
					sv_log(SV_LOG_WARNING, "revision watcher: PostgreSQL unavailable: %s",
					       PQerrorMessage(pg));
					ok_logged = 0;
				}
				stats_add(STAT_DB_ERRORS, 1);
				sv_sleep_ms(sv_backoff_delay_ms(200, 5000, failures), &store->stop);
				continue;
			}
			PQclear(PQexec(pg, "LISTEN solveit_task_revision"));
		}
		res = PQexec(pg, "SELECT id, revision FROM tasks ORDER BY id");
		stats_add(STAT_DB_REVISION_SCANS, 1);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			sv_log(SV_LOG_WARNING, "revision watcher: %s", PQerrorMessage(pg));
			stats_add(STAT_DB_ERRORS, 1);
			PQclear(res);
			failures++;
			sv_sleep_ms(sv_backoff_delay_ms(200, 5000, failures), &store->stop);
			continue;
		}
		if (failures && !ok_logged)
			sv_log(SV_LOG_NOTICE, "revision watcher: PostgreSQL is back");
		failures = 0;
		ok_logged = 1;
		map_replace(store, res);
		PQclear(res);
		/* Sleep until the period ends or a notification arrives. */
		next = sv_time_mono_ms() + store->cfg->revision_poll_ms;
		while (!store->stop) {
			double left = next - sv_time_mono_ms();
			struct pollfd pfd = {PQsocket(pg), POLLIN, 0};
			PGnotify *note;
			int got = 0;

			if (left <= 0)
				break;
			if (poll(&pfd, 1, left > 100 ? 100 : (int)left + 1) > 0) {
				if (!PQconsumeInput(pg))
					break;
				while ((note = PQnotifies(pg))) {
					got = 1;
					PQfreemem(note);
				}
				if (got)
					break;
			}
		}
	}
	if (pg)
		PQfinish(pg);
	return NULL;
}

int task_store_open(const worker_config *cfg, task_store **out, char *err, size_t errlen)
{
	task_store *store = calloc(1, sizeof(*store));

	if (!store) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	store->cfg = cfg;
	pthread_mutex_init(&store->lock, NULL);
	if (*cfg->redis && strcmp(cfg->redis, "none") != 0) {
		if (worker_parse_host_port(cfg->redis, store->redis_host, sizeof(store->redis_host),
					   &store->redis_port) < 0) {
			snprintf(err, errlen, "bad Redis address \"%s\"", cfg->redis);
			free(store);
			return -1;
		}
		store->cache_enabled = 1;
	}
	if (pthread_create(&store->watcher, NULL, watcher_main, store) != 0) {
		snprintf(err, errlen, "cannot start the revision watcher: %s", strerror(errno));
		pthread_mutex_destroy(&store->lock);
		free(store);
		return -1;
	}
	store->watcher_started = 1;
	*out = store;
	return 0;
}

void task_store_close(task_store *store)
{
	if (!store)
		return;
	store->stop = 1;
	if (store->watcher_started)
		pthread_join(store->watcher, NULL);
	pthread_mutex_destroy(&store->lock);
	free(store->ids);
	free(store->revisions);
	free(store);
}

task_conn *task_conn_new(task_store *store)
{
	task_conn *conn = calloc(1, sizeof(*conn));

	if (conn)
		conn->store = store;
	return conn;
}

void task_conn_free(task_conn *conn)
{
	if (!conn)
		return;
	if (conn->pg)
		PQfinish(conn->pg);
	if (conn->redis)
		redisFree(conn->redis);
	free(conn);
}

/* ---- Redis ---- */

static void redis_failed(task_conn *conn, const char *what)
{
	task_store *store = conn->store;
	long delay = sv_backoff_delay_ms(REDIS_RETRY_BASE_MS, REDIS_RETRY_MAX_MS, conn->redis_failures);

	if (conn->redis_failures == 0)
		sv_log(SV_LOG_WARNING, "Redis %s:%d: %s; task data comes from PostgreSQL, retrying Redis in %ld ms",
		       store->redis_host, store->redis_port, what, delay);
	conn->redis_failures++;
	conn->redis_retry_at = sv_time_mono_ms() + delay;
	stats_add(STAT_CACHE_ERRORS, 1);
	if (conn->redis) {
		redisFree(conn->redis);
		conn->redis = NULL;
	}
}

static int redis_ready(task_conn *conn)
{
	task_store *store = conn->store;
	int ms = store->cfg->redis_timeout_ms;
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	if (!store->cache_enabled)
		return 0;
	if (conn->redis)
		return 1;
	if (conn->redis_failures && sv_time_mono_ms() < conn->redis_retry_at)
		return 0;
	conn->redis = redisConnectWithTimeout(store->redis_host, store->redis_port, tv);
	if (!conn->redis || conn->redis->err) {
		char what[160];
		snprintf(what, sizeof(what), "cannot connect (%s)",
			 conn->redis ? conn->redis->errstr : "out of memory");
		redis_failed(conn, what);
		return 0;
	}
	redisSetTimeout(conn->redis, tv);
	if (conn->redis_failures) {
		sv_log(SV_LOG_NOTICE, "Redis %s:%d is back; task data is cached again", store->redis_host,
		       store->redis_port);
		conn->redis_failures = 0;
	}
	return 1;
}

/* 1: *task filled from the cache; 0: not cached; -1: Redis failed. */
static int cache_get(task_conn *conn, long long task_id, int revision, task_data *task)
{
	char key[96];
	redisReply *reply;
	int rc = 0;

	task_cache_key(task_id, revision, key, sizeof(key));
	reply = redisCommand(conn->redis, "GET %s", key);
	if (!reply) {
		char what[160];
		snprintf(what, sizeof(what), "GET failed (%s)", conn->redis->errstr);
		redis_failed(conn, what);
		return -1;
	}
	if (reply->type == REDIS_REPLY_STRING) {
		if (task_data_decode(reply->str, reply->len, task) == 0 && task->id == task_id &&
		    task->revision == revision)
			rc = 1;
		else {
			/* Not ours or damaged: load from the database, which overwrites it. */
			if (task->tests)
				task_data_free(task);
			sv_log(SV_LOG_WARNING, "Redis key %s does not hold task %lld revision %d; reloading", key,
			       task_id, revision);
		}
	} else if (reply->type != REDIS_REPLY_NIL) {
		char what[160];
		snprintf(what, sizeof(what), "GET answered %s",
			 reply->type == REDIS_REPLY_ERROR ? reply->str : "garbage");
		freeReplyObject(reply);
		redis_failed(conn, what);
		return -1;
	}
	freeReplyObject(reply);
	return rc;
}

static void cache_put(task_conn *conn, const task_data *task)
{
	char key[96];
	size_t len;
	char *text = task_data_encode(task, &len);
	redisReply *reply;

	if (!text)
		return;
	task_cache_key(task->id, task->revision, key, sizeof(key));
	reply = redisCommand(conn->redis, "SET %s %b EX %d", key, text, len, conn->store->cfg->cache_ttl);
	free(text);
	if (!reply) {
		char what[160];
		snprintf(what, sizeof(what), "SET failed (%s)", conn->redis->errstr);
		redis_failed(conn, what);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		char what[160];
		snprintf(what, sizeof(what), "SET answered %s", reply->str);
		freeReplyObject(reply);
		redis_failed(conn, what);
		return;
	}
	freeReplyObject(reply);
}

/* ---- PostgreSQL ---- */

static int pg_ready(task_conn *conn, char *err, size_t errlen)
{
	conn->pg = sv_pg_reconnect(conn->pg, conn->store->cfg->db, "judge-worker");
	if (PQstatus(conn->pg) != CONNECTION_OK) {
		snprintf(err, errlen, "PostgreSQL unavailable: %s", PQerrorMessage(conn->pg));
		stats_add(STAT_DB_ERRORS, 1);
		return 0;
	}
	return 1;
}

static char *dup_value(PGresult *res, int row, int col, size_t *len)
{
	size_t n = (size_t)PQgetlength(res, row, col);
	char *copy = malloc(n + 1);

	if (copy) {
		memcpy(copy, PQgetvalue(res, row, col), n);
		copy[n] = '\0';
	}
	*len = n;
	return copy;
}

static task_status db_load(task_conn *conn, long long task_id, task_data *task, char *err, size_t errlen)
{
	char id_text[24];
	const char *params[1] = {id_text};
	PGresult *res;
	int rows;

	memset(task, 0, sizeof(*task));
	if (!pg_ready(conn, err, errlen))
		return TASK_DB_DOWN;
	snprintf(id_text, sizeof(id_text), "%lld", task_id);
	res = PQexecParams(conn->pg, task_query, 1, NULL, params, NULL, NULL, 0);
	stats_add(STAT_DB_TASK_LOADS, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "loading task %lld: %s", task_id, PQerrorMessage(conn->pg));
		stats_add(STAT_DB_ERRORS, 1);
		PQclear(res);
		return TASK_DB_DOWN;
	}
	rows = PQntuples(res);
	if (rows == 0) {
		snprintf(err, errlen, "task %lld does not exist", task_id);
		PQclear(res);
		return TASK_NOT_FOUND;
	}
	task->id = task_id;
	task->revision = atoi(PQgetvalue(res, 0, 1));
	task->time_limit_ms = atoi(PQgetvalue(res, 0, 2));
	task->memory_limit_kb = atoi(PQgetvalue(res, 0, 3));
	task->validator = !strcmp(PQgetvalue(res, 0, 4), "exact") ? VALIDATOR_EXACT : VALIDATOR_DEFAULT;
	task->case_sensitive = PQgetvalue(res, 0, 5)[0] == 't';
	if (!PQgetisnull(res, 0, 6)) {
		task->has_abs_tol = 1;
		task->abs_tol = strtod(PQgetvalue(res, 0, 6), NULL);
	}
	if (!PQgetisnull(res, 0, 7)) {
		task->has_rel_tol = 1;
		task->rel_tol = strtod(PQgetvalue(res, 0, 7), NULL);
	}
	/* A task without tests comes back as one row with NULL test columns. */
	task->test_count = PQgetisnull(res, 0, 8) ? 0 : (size_t)rows;
	task->tests = calloc(task->test_count ? task->test_count : 1, sizeof(task_test));
	if (!task->tests) {
		PQclear(res);
		snprintf(err, errlen, "out of memory");
		return TASK_DB_DOWN;
	}
	for (size_t i = 0; i < task->test_count; i++) {
		task_test *t = &task->tests[i];
		int r = (int)i;
		t->id = strtoll(PQgetvalue(res, r, 8), NULL, 10);
		t->order = atoi(PQgetvalue(res, r, 9));
		t->input = dup_value(res, r, 10, &t->input_len);
		t->expected = dup_value(res, r, 11, &t->expected_len);
		t->weight = atof(PQgetvalue(res, r, 12));
		t->is_sample = PQgetvalue(res, r, 13)[0] == 't';
		if (!t->input || !t->expected) {
			PQclear(res);
			task_data_free(task);
			snprintf(err, errlen, "out of memory");
			return TASK_DB_DOWN;
		}
	}
	PQclear(res);
	return TASK_OK;
}

task_status task_store_get(task_conn *conn, long long task_id, int min_revision, task_data *task, char *err,
			   size_t errlen)
{
	task_store *store = conn->store;
	int revision = map_lookup(store, task_id);
	task_status st;
	int use_cache = redis_ready(conn);

	/* The submission says which revision it was made against: the watcher may not have seen
	 * that change yet, but the tests judged must never be older than it. */
	if (min_revision > revision) {
		revision = min_revision;
		map_update(store, task_id, min_revision);
	}

	if (use_cache && revision >= 0) {
		int rc = cache_get(conn, task_id, revision, task);
		if (rc == 1) {
			stats_add(STAT_CACHE_HITS, 1);
			return TASK_OK;
		}
		use_cache = rc == 0;
	}
	st = db_load(conn, task_id, task, err, errlen);
	if (st != TASK_OK)
		return st;
	if (use_cache)
		stats_add(STAT_CACHE_MISSES, 1);
	map_update(store, task_id, task->revision);
	if (use_cache && conn->redis)
		cache_put(conn, task);
	return TASK_OK;
}
