#include "task_store.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <libpq-fe.h>

#include "sv_log.h"
#include "sv_pg.h"
#include "sv_time.h"
#include "sv_daemon.h"
#include "task_redis.h"
#include "test_cache.h"
#include "worker_stats.h"

struct task_store {
	const worker_config *cfg;
	task_redis *redis; /* NULL: no cache */
	test_cache *tests; /* the local files of test data */
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
	task_redis_conn redis;
};

/* Each test file is fetched in slices of this size (an uncompressed TOAST value reads only the slice). */
#define FETCH_SLICE (8 * 1024 * 1024)

/* The four reads of one task, in one REPEATABLE READ transaction: the revision and the data agree. */
static const char task_query[] =
    "SELECT revision, type, judge_all, time_limit_ms, memory_limit_kb, coalesce(wall_limit_ms, 0), "
    "coalesce(output_limit_kb, 0), coalesce(compile_time_limit_ms, 0), coalesce(compile_memory_limit_kb, 0), "
    "language_time_factors::text, checker, case_sensitive, space_change_sensitive, float_abs_tol, float_rel_tol, "
    "validator_flags, validator_language_id, validator_source, validator_file_name FROM tasks WHERE id = $1";
static const char groups_query[] =
    "SELECT id, parent_id, name, position, aggregation, points, on_reject = 'break', validator_flags "
    "FROM test_groups WHERE task_id = $1 ORDER BY position, name, id";
static const char files_query[] = "SELECT name, sha256 FROM task_validator_files WHERE task_id = $1 ORDER BY name";
static const char tests_query[] =
    "SELECT id, \"order\", weight, is_sample, group_id, name, input_sha256, answer_sha256 "
    "FROM tests WHERE task_id = $1 ORDER BY \"order\", id";

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
	if (task_redis_open(cfg, &store->redis, err, errlen) < 0) {
		free(store);
		return -1;
	}
	if (test_cache_open(cfg->test_cache_dir, (long long)cfg->test_cache_max_mb << 20, TEST_CACHE_GRACE_S,
			    &store->tests, err, errlen) < 0) {
		task_redis_close(store->redis);
		free(store);
		return -1;
	}
	pthread_mutex_init(&store->lock, NULL);
	if (pthread_create(&store->watcher, NULL, watcher_main, store) != 0) {
		snprintf(err, errlen, "cannot start the revision watcher: %s", strerror(errno));
		pthread_mutex_destroy(&store->lock);
		test_cache_close(store->tests);
		task_redis_close(store->redis);
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
	test_cache_close(store->tests);
	task_redis_close(store->redis);
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
	task_redis_conn_close(&conn->redis);
	free(conn);
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

static char *dup_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

static int is_true(const PGresult *res, int row, int col)
{
	return PQgetvalue(res, row, col)[0] == 't';
}

/* One of the task's reads; NULL with err on failure. */
static PGresult *read_rows(task_conn *conn, const char *query, const char *id_text, char *err, size_t errlen)
{
	const char *params[1] = {id_text};
	PGresult *res = PQexecParams(conn->pg, query, 1, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "loading task %s: %s", id_text, PQerrorMessage(conn->pg));
		stats_add(STAT_DB_ERRORS, 1);
		PQclear(res);
		return NULL;
	}
	return res;
}

static int fill_task(task_data *task, const PGresult *res)
{
	int kind = task_validator_parse(PQgetvalue(res, 0, 10)), type = task_type_parse(PQgetvalue(res, 0, 1));

	task->revision = atoi(PQgetvalue(res, 0, 0));
	task->type = type < 0 ? TASK_TYPE_SCORING : (task_type)type;
	task->judge_all = is_true(res, 0, 2);
	task->time_limit_ms = atoi(PQgetvalue(res, 0, 3));
	task->memory_limit_kb = atoi(PQgetvalue(res, 0, 4));
	task->wall_limit_ms = atoi(PQgetvalue(res, 0, 5));
	task->output_limit_kb = atoi(PQgetvalue(res, 0, 6));
	task->compile_time_limit_ms = atoi(PQgetvalue(res, 0, 7));
	task->compile_memory_limit_kb = atoi(PQgetvalue(res, 0, 8));
	task->validator = kind < 0 ? VALIDATOR_DEFAULT : (validator_kind)kind;
	task->case_sensitive = is_true(res, 0, 11);
	task->space_change_sensitive = is_true(res, 0, 12);
	if ((task->has_abs_tol = !PQgetisnull(res, 0, 13)))
		task->abs_tol = strtod(PQgetvalue(res, 0, 13), NULL);
	if ((task->has_rel_tol = !PQgetisnull(res, 0, 14)))
		task->rel_tol = strtod(PQgetvalue(res, 0, 14), NULL);
	task->validator_language_id = PQgetisnull(res, 0, 16) ? 0 : atoi(PQgetvalue(res, 0, 16));
	task->validator_source = dup_value(res, 0, 17);
	task->validator_source_len = task->validator_source ? strlen(task->validator_source) : 0;
	task->validator_file_name = dup_value(res, 0, 18);
	if (task_parse_time_factors(PQgetvalue(res, 0, 9), task) < 0)
		sv_log(SV_LOG_WARNING, "task %lld: language_time_factors %s ignored (not {\"id\": factor})", task->id,
		       PQgetvalue(res, 0, 9));
	return (task->validator_flags = strdup(PQgetvalue(res, 0, 15))) ? 0 : -1;
}

/* The index of the group with this id, -1 for the root (NULL) or an unknown id. */
static int group_index(const task_data *task, const PGresult *res, int row, int col)
{
	long long id;

	if (PQgetisnull(res, row, col))
		return -1;
	id = strtoll(PQgetvalue(res, row, col), NULL, 10);
	for (size_t i = 0; i < task->group_count; i++)
		if (task->groups[i].id == id)
			return (int)i;
	return -1;
}

static int fill_groups(task_data *task, const PGresult *res)
{
	size_t n = (size_t)PQntuples(res);

	if (!(task->groups = calloc(n ? n : 1, sizeof(task_group))))
		return -1;
	task->group_count = n;
	for (size_t i = 0; i < n; i++)
		task->groups[i].id = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	for (size_t i = 0; i < n; i++) {
		task_group *g = &task->groups[i];
		int r = (int)i, agg = task_aggregation_parse(PQgetvalue(res, r, 4));
		g->parent = group_index(task, res, r, 1);
		g->position = atoi(PQgetvalue(res, r, 3));
		g->aggregation = agg < 0 ? GROUP_SUM : (group_aggregation)agg;
		if ((g->has_points = !PQgetisnull(res, r, 5)))
			g->points = strtod(PQgetvalue(res, r, 5), NULL);
		g->break_on_reject = is_true(res, r, 6);
		if (!(g->name = strdup(PQgetvalue(res, r, 2))) || !(g->validator_flags = strdup(PQgetvalue(res, r, 7))))
			return -1;
	}
	return 0;
}

static int fill_files(task_data *task, const PGresult *res)
{
	size_t n = (size_t)PQntuples(res);

	if (!(task->validator_files = calloc(n ? n : 1, sizeof(task_file))))
		return -1;
	task->validator_file_count = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(task->validator_files[i].name, sizeof(task->validator_files[i].name), "%s",
			 PQgetvalue(res, (int)i, 0));
		snprintf(task->validator_files[i].sha256, 65, "%s", PQgetvalue(res, (int)i, 1));
	}
	return 0;
}

static int fill_tests(task_data *task, const PGresult *res)
{
	size_t n = (size_t)PQntuples(res);

	if (!(task->tests = calloc(n ? n : 1, sizeof(task_test))))
		return -1;
	task->test_count = n;
	for (size_t i = 0; i < n; i++) {
		task_test *t = &task->tests[i];
		int r = (int)i;
		t->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
		t->order = atoi(PQgetvalue(res, r, 1));
		t->weight = strtod(PQgetvalue(res, r, 2), NULL);
		t->is_sample = is_true(res, r, 3);
		t->group = group_index(task, res, r, 4);
		snprintf(t->input_sha256, sizeof(t->input_sha256), "%s", PQgetvalue(res, r, 6));
		snprintf(t->answer_sha256, sizeof(t->answer_sha256), "%s", PQgetvalue(res, r, 7));
		if (!(t->name = strdup(PQgetvalue(res, r, 5))))
			return -1;
	}
	return 0;
}

static task_status db_load(task_conn *conn, long long task_id, task_data *task, char *err, size_t errlen)
{
	static const char *const queries[] = {task_query, groups_query, files_query, tests_query};
	static int (*const fill[])(task_data *, const PGresult *) = {fill_task, fill_groups, fill_files, fill_tests};
	char id_text[24];
	task_status st = TASK_DB_DOWN;
	PGresult *res;

	memset(task, 0, sizeof(*task));
	if (!pg_ready(conn, err, errlen))
		return TASK_DB_DOWN;
	snprintf(id_text, sizeof(id_text), "%lld", task_id);
	task->id = task_id;
	stats_add(STAT_DB_TASK_LOADS, 1);
	PQclear(PQexec(conn->pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		if (!(res = read_rows(conn, queries[q], id_text, err, errlen)))
			goto out;
		if (q == 0 && PQntuples(res) == 0) {
			snprintf(err, errlen, "task %lld does not exist", task_id);
			PQclear(res);
			st = TASK_NOT_FOUND;
			goto out;
		}
		if (fill[q](task, res) < 0) {
			snprintf(err, errlen, "out of memory");
			PQclear(res);
			goto out;
		}
		PQclear(res);
	}
	st = TASK_OK;
out:
	PQclear(PQexec(conn->pg, st == TASK_OK ? "COMMIT" : "ROLLBACK"));
	if (st != TASK_OK)
		task_data_free(task);
	return st;
}

/* The test cache's source: the blobs table, read in slices with binary results. */
static test_cache_status fetch_blob(void *baton, const char *sha256, test_cache_sink *sink, char *err, size_t errlen)
{
	task_conn *conn = baton;
	const char *params[3] = {sha256, NULL, NULL};
	char from[24], slice[24];
	PGresult *res;
	long long size;

	if (!pg_ready(conn, err, errlen))
		return TEST_CACHE_UNAVAILABLE;
	res = PQexecParams(conn->pg, "SELECT size FROM blobs WHERE sha256 = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		int missing = PQresultStatus(res) == PGRES_TUPLES_OK;
		snprintf(err, errlen, missing ? "test file %s is not in the database" : "reading test file %s: %s",
			 sha256, PQerrorMessage(conn->pg));
		PQclear(res);
		return missing ? TEST_CACHE_BAD_DATA : TEST_CACHE_UNAVAILABLE;
	}
	size = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	for (long long at = 0; at < size; at += FETCH_SLICE) {
		long long want = size - at < FETCH_SLICE ? size - at : FETCH_SLICE;
		snprintf(from, sizeof(from), "%lld", at + 1);
		snprintf(slice, sizeof(slice), "%lld", want);
		params[1] = from;
		params[2] = slice;
		res = PQexecParams(
		    conn->pg, "SELECT substring(content from $2::integer for $3::integer) FROM blobs WHERE sha256 = $1",
		    3, NULL, params, NULL, NULL, 1);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQgetlength(res, 0, 0) != want) {
			snprintf(err, errlen, "reading test file %s at byte %lld: %s", sha256, at,
				 PQresultStatus(res) == PGRES_TUPLES_OK ? "removed or changed meanwhile"
									: PQerrorMessage(conn->pg));
			PQclear(res);
			stats_add(STAT_DB_ERRORS, 1);
			return TEST_CACHE_UNAVAILABLE;
		}
		if (test_cache_sink_write(sink, PQgetvalue(res, 0, 0), (size_t)want) < 0) {
			PQclear(res);
			return TEST_CACHE_OK; /* the cache reports the sink's failure */
		}
		PQclear(res);
	}
	return TEST_CACHE_OK;
}

/* Maps the task's test files from the local cache, fetching what it lacks. */
static task_status load_files(task_conn *conn, task_data *task, char *err, size_t errlen)
{
	test_cache_status st = test_cache_load_task(conn->store->tests, task, fetch_blob, conn, err, errlen);

	if (st == TEST_CACHE_OK)
		return TASK_OK;
	task_data_free(task);
	return st == TEST_CACHE_BAD_DATA ? TASK_NOT_FOUND : TASK_DB_DOWN;
}

/* A task from the cache with a custom or interactive validator gets its source from PostgreSQL
 * (it is never in Redis). 1: done (or not needed); 0: the task moved to another revision meanwhile
 * (freed: load it afresh); -2: PostgreSQL unavailable (freed, err set). */
static int with_validator_source(task_conn *conn, task_data *task, char *err, size_t errlen)
{
	char id_text[24], rev_text[16];
	const char *params[2] = {id_text, rev_text};
	PGresult *res;
	int rc;

	if (task->validator < VALIDATOR_CUSTOM)
		return 1;
	if (!pg_ready(conn, err, errlen)) {
		task_data_free(task);
		return -2;
	}
	snprintf(id_text, sizeof(id_text), "%lld", task->id);
	snprintf(rev_text, sizeof(rev_text), "%d", task->revision);
	res = PQexecParams(conn->pg, "SELECT validator_source FROM tasks WHERE id = $1 AND revision = $2", 2, NULL,
			   params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "loading task %lld's validator: %s", task->id, PQerrorMessage(conn->pg));
		stats_add(STAT_DB_ERRORS, 1);
		rc = -2;
	} else if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		rc = 0;
	} else if (!(task->validator_source = strdup(PQgetvalue(res, 0, 0)))) {
		snprintf(err, errlen, "out of memory");
		rc = -2;
	} else {
		task->validator_source_len = strlen(task->validator_source);
		rc = 1;
	}
	PQclear(res);
	if (rc != 1)
		task_data_free(task);
	return rc;
}

task_status task_store_get(task_conn *conn, long long task_id, int min_revision, task_data *task, char *err,
			   size_t errlen)
{
	task_store *store = conn->store;
	int revision = map_lookup(store, task_id);
	task_status st;
	char why[256];
	int use_cache = task_redis_ready(store->redis, &conn->redis);

	/* The submission says which revision it was made against: the watcher may not have seen
	 * that change yet, but the tests judged must never be older than it. */
	if (min_revision > revision) {
		revision = min_revision;
		map_update(store, task_id, min_revision);
	}

	if (use_cache && revision >= 0) {
		int rc = task_redis_get(store->redis, &conn->redis, task_id, revision, task);
		if (rc == 1 && (rc = with_validator_source(conn, task, err, errlen)) == 1) {
			stats_add(STAT_CACHE_HITS, 1);
			return load_files(conn, task, err, errlen);
		}
		if (rc == -2)
			return TASK_DB_DOWN;
		use_cache = rc == 0;
	}
	st = db_load(conn, task_id, task, err, errlen);
	if (st != TASK_OK)
		return st;
	/* The schema's CHECKs hold these; the same check as the cache's, should they ever part. */
	if (task_check_bounds(task, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "task %lld in PostgreSQL: %s", task_id, why);
		task_data_free(task);
		return TASK_NOT_FOUND;
	}
	if (use_cache)
		stats_add(STAT_CACHE_MISSES, 1);
	map_update(store, task_id, task->revision);
	if (use_cache && conn->redis.redis)
		task_redis_put(store->redis, &conn->redis, task);
	return load_files(conn, task, err, errlen);
}
