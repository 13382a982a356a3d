/* The job queue and fair scheduling: see worker_queue.h and doc/security.md "Judging under load". */
#include "worker_queue.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sv_log.h"
#include "sv_message.h"
#include "sv_pg.h"
#include "sv_time.h"
#include "worker.h"
#include "worker_stats.h"

/* A deferred job whose user another process judges is tried again after this, doubling up to the
 * most: a slot freed elsewhere is seen within a second, at a few queries a second per user. */
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 1000

struct worker_queue {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job may be startable */
	pthread_cond_t done; /* a job left */
	job *head, *tail;
	size_t count;
	int stop;
	wq_config cfg;
	/* Stride scheduling over the classes: each start adds 1/share to its class's pass; the class with
	 * the lowest pass (never below vtime, so an idle class banks no credit) starts next. */
	double pass[WQ_CLASSES];
	double vtime;
	worker_queue *next_live; /* the process's queues, for wq_hold and wq_release */
};

/* The hold (wq_hold): one for the process, as the executor's service is. Lock order: hold.lock, then a
 * queue's lock. */
static struct {
	pthread_mutex_t lock;
	int held;
	double since; /* monotonic ms */
	worker_queue *live;
} hold = {PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL};

static int is_held(void)
{
	return __atomic_load_n(&hold.held, __ATOMIC_ACQUIRE);
}

int wq_held(void)
{
	return is_held();
}

/* Under hold.lock: wakes every thread and waiter of every queue, and counts their jobs. */
static size_t wake_all(void)
{
	size_t jobs = 0;

	for (worker_queue *q = hold.live; q; q = q->next_live) {
		pthread_mutex_lock(&q->lock);
		jobs += q->count;
		pthread_cond_broadcast(&q->work);
		pthread_cond_broadcast(&q->done);
		pthread_mutex_unlock(&q->lock);
	}
	return jobs;
}

void wq_hold(const char *why)
{
	size_t jobs;

	pthread_mutex_lock(&hold.lock);
	if (hold.held) {
		pthread_mutex_unlock(&hold.lock);
		return;
	}
	__atomic_store_n(&hold.held, 1, __ATOMIC_RELEASE);
	hold.since = sv_time_mono_ms();
	jobs = wake_all();
	pthread_mutex_unlock(&hold.lock);
	stats_set(STAT_CONSUMPTION_PAUSED, 1);
	stats_add(STAT_CONSUMPTION_PAUSES, 1);
	sv_log(SV_LOG_WARNING,
	       "consumption paused: %s; no submission starts and no more are taken from Kafka until it is back (%zu "
	       "taken already wait, pending, their offsets not committed)",
	       why, jobs);
}

void wq_release(void)
{
	double since;
	size_t jobs;

	pthread_mutex_lock(&hold.lock);
	if (!hold.held) {
		pthread_mutex_unlock(&hold.lock);
		return;
	}
	__atomic_store_n(&hold.held, 0, __ATOMIC_RELEASE);
	since = hold.since;
	jobs = wake_all();
	pthread_mutex_unlock(&hold.lock);
	stats_set(STAT_CONSUMPTION_PAUSED, 0);
	sv_log(SV_LOG_NOTICE, "consumption resumed after %.0f s: %zu waiting submission(s) start now",
	       (sv_time_mono_ms() - since) / 1000.0, jobs);
}

worker_queue *wq_new(const wq_config *cfg)
{
	worker_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->done, NULL);
	q->cfg = *cfg;
	for (int c = 0; c < WQ_CLASSES; c++)
		if (q->cfg.shares[c] < 1)
			q->cfg.shares[c] = 1;
	pthread_mutex_lock(&hold.lock);
	q->next_live = hold.live;
	hold.live = q;
	pthread_mutex_unlock(&hold.lock);
	return q;
}

void wq_free(worker_queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&hold.lock);
	for (worker_queue **pp = &hold.live; *pp; pp = &(*pp)->next_live)
		if (*pp == q) {
			*pp = q->next_live;
			break;
		}
	pthread_mutex_unlock(&hold.lock);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->done);
	free(q);
}

/* The submission and attempt a message is about, into j->sched (left 0 for anything else). */
static void identify(job *j)
{
	sv_submission_msg msg;
	cJSON *tree = NULL;
	char err[256];

	if (!j->is_run && j->msg &&
	    sv_submission_msg_parse(j->msg->payload ? j->msg->payload : "", j->msg->len, &msg, &tree, err,
				    sizeof(err)) == SV_MSG_OK) {
		j->sched.submission = msg.submission_id;
		j->sched.attempt = msg.attempt;
	}
	cJSON_Delete(tree);
}

void wq_push(worker_queue *q, job *j)
{
	j->next = NULL;
	memset(&j->sched, 0, sizeof(j->sched));
	identify(j);
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	q->count++;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

/* Reruns are bounded apart from the user's own submissions: a rejudge is staff's doing, not the user's. */
static int same_slots(const job *a, const job *b)
{
	return a->sched.user == b->sched.user && (a->sched.cls == WQ_RERUN) == (b->sched.cls == WQ_RERUN);
}

static int running_for(const worker_queue *q, const job *j)
{
	int n = 0;

	for (const job *o = q->head; o; o = o->next)
		n += o != j && (o->running || o->sched.busy) && o->sched.classified && same_slots(o, j);
	return n;
}

/* An earlier job of the same user and kind is still waiting: this one waits behind it. */
static int behind_own(const worker_queue *q, const job *j)
{
	for (const job *o = q->head; o && o != j; o = o->next)
		if (!o->running && !o->is_run && o->sched.classified && o->sched.user && same_slots(o, j))
			return 1;
	return 0;
}

static void defer(job *j, double retry_ms)
{
	j->sched.deferred = 1;
	j->sched.retry_ms = retry_ms;
	if (!j->sched.counted) {
		j->sched.counted = 1;
		stats_add(STAT_DEFERRED, 1);
	}
}

static double effective_pass(const worker_queue *q, wq_class c)
{
	return q->pass[c] > q->vtime ? q->pass[c] : q->vtime;
}

/* Another job of the same attempt is being judged (or classified, or claimed) now. */
static int twin_running(const worker_queue *q, const job *j)
{
	if (!j->sched.submission)
		return 0;
	for (const job *o = q->head; o; o = o->next)
		if (o != j && (o->running || o->sched.busy) && o->sched.submission == j->sched.submission &&
		    o->sched.attempt == j->sched.attempt)
			return 1;
	return 0;
}

/* Under the lock: the job a thread should handle next, or NULL with *wake the monotonic time a
 * deferred job may be tried again (INFINITY: none). */
static job *pick(worker_queue *q, double now, double *wake)
{
	job *best[WQ_CLASSES] = {NULL}, *run = NULL, *chosen = NULL;

	*wake = INFINITY;
	for (job *j = q->head; j; j = j->next) {
		if (j->running || j->sched.busy)
			continue;
		if (j->cancel)
			return j; /* given back at once */
		if (is_held())
			continue; /* nothing starts while the executor's service is down */
		if (twin_running(q, j)) {
			j->sched.twin = 1; /* tried again when that one ends (wq_done wakes the threads) */
			continue;
		}
		if (j->sched.twin_retry_ms > now) {
			if (j->sched.twin_retry_ms < *wake)
				*wake = j->sched.twin_retry_ms;
			continue;
		}
		if (j->is_run) {
			if (!run)
				run = j;
			continue;
		}
		if (!j->sched.classified)
			return j;
		if (j->sched.user && q->cfg.per_user > 0) {
			if (j->sched.deferred && j->sched.retry_ms > now) {
				if (j->sched.retry_ms < *wake)
					*wake = j->sched.retry_ms;
				continue;
			}
			if (running_for(q, j) >= q->cfg.per_user || behind_own(q, j)) {
				defer(j, 0); /* tried again when one of the user's jobs ends */
				continue;
			}
		}
		if (!best[j->sched.cls])
			best[j->sched.cls] = j;
	}
	for (int c = 0; c < WQ_CLASSES; c++)
		if (best[c] && (!chosen || effective_pass(q, (wq_class)c) < effective_pass(q, chosen->sched.cls)))
			chosen = best[c];
	return chosen ? chosen : run;
}

static void charge(worker_queue *q, wq_class c)
{
	double at = effective_pass(q, c);

	q->vtime = at;
	q->pass[c] = at + 1.0 / q->cfg.shares[c];
}

static void wait_work(worker_queue *q, double wake)
{
	struct timespec ts;
	double ms;

	if (isinf(wake)) {
		pthread_cond_wait(&q->work, &q->lock);
		return;
	}
	ms = wake - sv_time_mono_ms();
	if (ms <= 0)
		return;
	sv_time_deadline(CLOCK_REALTIME, ms, &ts);
	pthread_cond_timedwait(&q->work, &q->lock, &ts);
}

static void pg_classify(void *ctx, const job *j, long long *user, wq_class *cls);
static int pg_final_stored(void *ctx, long long submission, int attempt);

/* A twin whose sibling delivered its final result starts only once PostgreSQL has that result (then
 * judging it finds the attempt judged and stores its offset without judging it again); until then it is
 * tried again with back-off. Without the database, or when the sibling was given back, it starts. Called
 * without the lock. */
static int twin_may_start(job *j, wq_thread *t)
{
	int stored;

	if (!stats_final_known(j->sched.submission, j->sched.attempt) || t->classify != pg_classify)
		return 1;
	stored = pg_final_stored(t->ctx, j->sched.submission, j->sched.attempt);
	if (stored != 0)
		return 1;
	j->sched.tries++;
	j->sched.twin_retry_ms =
	    sv_time_mono_ms() + RETRY_MIN_MS * (double)(1u << (j->sched.tries < 4 ? j->sched.tries : 4));
	return 0;
}

job *wq_take(worker_queue *q, wq_thread *t)
{
	pthread_mutex_lock(&q->lock);
	for (;;) {
		double wake;
		job *j = pick(q, sv_time_mono_ms(), &wake);
		long long user = 0;
		wq_class cls = WQ_STUDENT;
		int got, slot = 0;

		if (!j) {
			if (q->stop && q->count == 0)
				break;
			if (q->stop && isinf(wake)) {
				/* Stopping: whatever is still queued waits for its cancel (drain) or its turn. */
				pthread_cond_wait(&q->work, &q->lock);
				continue;
			}
			wait_work(q, wake);
			continue;
		}
		if (j->cancel || j->is_run) {
			j->running = 1;
			pthread_mutex_unlock(&q->lock);
			return j;
		}
		j->sched.busy = 1;
		pthread_mutex_unlock(&q->lock);
		if (j->sched.twin && !twin_may_start(j, t)) {
			pthread_mutex_lock(&q->lock);
			j->sched.busy = 0;
			continue;
		}
		if (!j->sched.classified) {
			t->classify(t->ctx, j, &user, &cls);
			pthread_mutex_lock(&q->lock);
			j->sched.user = user;
			j->sched.cls = cls;
			j->sched.classified = 1;
			j->sched.busy = 0;
			continue;
		}
		got = j->sched.user && q->cfg.per_user > 0
			  ? t->claim(t->ctx, j->sched.user, j->sched.cls, q->cfg.per_user, &slot)
			  : -1;
		pthread_mutex_lock(&q->lock);
		j->sched.busy = 0;
		if (got == 0) {
			unsigned shift = j->sched.tries < 4 ? j->sched.tries : 4;
			double delay = RETRY_MIN_MS * (double)(1u << shift);

			j->sched.tries++;
			defer(j, sv_time_mono_ms() + (delay < RETRY_MAX_MS ? delay : RETRY_MAX_MS));
			continue;
		}
		j->sched.claimed = got == 1;
		j->sched.slot = slot;
		j->sched.deferred = 0;
		j->running = 1;
		charge(q, j->sched.cls);
		pthread_mutex_unlock(&q->lock);
		return j;
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

void wq_done(worker_queue *q, job *j, wq_thread *t)
{
	job **pp = &q->head, *prev = NULL;

	if (j->sched.claimed)
		t->release(t->ctx, j->sched.user, j->sched.cls, j->sched.slot);
	pthread_mutex_lock(&q->lock);
	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = j->next;
		if (q->tail == j)
			q->tail = prev;
		q->count--;
	}
	/* The user's next job may start now, here at once. */
	for (job *o = q->head; o; o = o->next)
		if (o->sched.deferred && o->sched.classified && same_slots(o, j))
			o->sched.retry_ms = 0;
	pthread_cond_broadcast(&q->work);
	pthread_cond_broadcast(&q->done);
	pthread_mutex_unlock(&q->lock);
}

void wq_stop(worker_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
}

static size_t count_locked(const worker_queue *q, int (*match)(const job *j, void *arg), void *arg)
{
	size_t n = 0;

	for (const job *j = q->head; j; j = j->next)
		n += !match || match(j, arg);
	return n;
}

size_t wq_count(worker_queue *q, int (*match)(const job *j, void *arg), void *arg)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = count_locked(q, match, arg);
	pthread_mutex_unlock(&q->lock);
	return n;
}

void wq_cancel(worker_queue *q, int (*match)(const job *j, void *arg), void *arg, int running_too)
{
	pthread_mutex_lock(&q->lock);
	for (job *j = q->head; j; j = j->next)
		if ((running_too || !j->running) && (!match || match(j, arg)))
			j->cancel = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->lock);
}

size_t wq_wait_gone(worker_queue *q, int (*match)(const job *j, void *arg), void *arg, double deadline_ms)
{
	size_t left;

	pthread_mutex_lock(&q->lock);
	while ((left = count_locked(q, match, arg)) > 0) {
		double now = sv_time_mono_ms();
		struct timespec ts;

		if (now >= deadline_ms)
			break;
		sv_time_deadline(CLOCK_REALTIME, deadline_ms - now < 100 ? deadline_ms - now : 100, &ts);
		pthread_cond_timedwait(&q->done, &q->lock, &ts);
	}
	pthread_mutex_unlock(&q->lock);
	return left;
}

static int room_locked(const worker_queue *q, size_t limit)
{
	size_t waiting = 0;

	if (is_held())
		return 0;
	for (const job *j = q->head; j; j = j->next)
		waiting += !(j->sched.deferred && !j->running);
	return waiting <= limit && q->count < limit + WQ_DEFERRED_MAX;
}

int wq_wait_room(worker_queue *q, size_t limit, int timeout_ms)
{
	struct timespec until;
	int room;

	sv_time_deadline(CLOCK_REALTIME, timeout_ms, &until);
	pthread_mutex_lock(&q->lock);
	while (!(room = room_locked(q, limit)))
		if (pthread_cond_timedwait(&q->done, &q->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&q->lock);
	return room;
}

int wq_thread_free(worker_queue *q, int threads)
{
	size_t busy = 0;

	if (is_held())
		return 0;
	pthread_mutex_lock(&q->lock);
	for (const job *j = q->head; j; j = j->next)
		busy += j->running || !j->sched.deferred;
	pthread_mutex_unlock(&q->lock);
	return busy < (size_t)threads;
}

/* ---- the hooks on PostgreSQL ---- */

void wq_lock_keys(long long user, wq_class cls, int slot, int *key1, int *key2)
{
	/* 'S' 'V' in the top bytes, the kind in bit 8, the slot below. */
	*key1 = (int)(0x53560000u | (cls == WQ_RERUN ? 0x100u : 0u) | ((unsigned)slot & 0xffu));
	*key2 = (int)(user % 2147483647LL);
}

static PGconn *pg_conn(wq_pg *p)
{
	if (sv_time_mono_ms() < p->retry_ms)
		return NULL;
	p->pg = sv_pg_reconnect(p->pg, p->conninfo, "judge-worker scheduling");
	if (PQstatus(p->pg) == CONNECTION_OK) {
		p->warned = 0;
		return p->pg;
	}
	if (!p->warned++)
		sv_log(SV_LOG_WARNING, "fair scheduling: PostgreSQL unavailable (%s); judging without it meanwhile",
		       PQerrorMessage(p->pg));
	p->retry_ms = sv_time_mono_ms() + 5000;
	return NULL;
}

static void pg_classify(void *ctx, const job *j, long long *user, wq_class *cls)
{
	static const char query[] =
	    "SELECT s.user_id, u.is_staff, s.attempt > 1 OR s.package_submission_id IS NOT NULL"
	    " OR s.rejudged_at IS NOT NULL FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id = $1::bigint";
	sv_submission_msg msg;
	cJSON *tree = NULL;
	char err[256], id[24];
	const char *values[1] = {id};
	PGconn *pg;
	PGresult *res;

	*user = 0;
	*cls = WQ_STUDENT;
	if (!j->msg || sv_submission_msg_parse(j->msg->payload ? j->msg->payload : "", j->msg->len, &msg, &tree, err,
					       sizeof(err)) != SV_MSG_OK) {
		cJSON_Delete(tree);
		return; /* judging it reports or dead-letters it */
	}
	snprintf(id, sizeof(id), "%lld", msg.submission_id);
	cJSON_Delete(tree);
	if (!(pg = pg_conn(ctx)))
		return;
	res = PQexecParams(pg, query, 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		*user = atoll(PQgetvalue(res, 0, 0));
		*cls = !strcmp(PQgetvalue(res, 0, 2), "t")   ? WQ_RERUN
		       : !strcmp(PQgetvalue(res, 0, 1), "t") ? WQ_STAFF
							     : WQ_STUDENT;
	}
	PQclear(res);
}

static int pg_claim(void *ctx, long long user, wq_class cls, int per_user, int *slot)
{
	PGconn *pg = pg_conn(ctx);

	if (!pg)
		return -1;
	for (int s = 0; s < per_user; s++) {
		char k1[16], k2[16];
		const char *values[2] = {k1, k2};
		int key1, key2, rc = -1;
		PGresult *res;

		wq_lock_keys(user, cls, s, &key1, &key2);
		snprintf(k1, sizeof(k1), "%d", key1);
		snprintf(k2, sizeof(k2), "%d", key2);
		res = PQexecParams(pg, "SELECT pg_try_advisory_lock($1::integer, $2::integer)", 2, NULL, values, NULL,
				   NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			rc = !strcmp(PQgetvalue(res, 0, 0), "t");
		PQclear(res);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			*slot = s;
			return 1;
		}
	}
	return 0;
}

static void pg_release(void *ctx, long long user, wq_class cls, int slot)
{
	wq_pg *p = ctx;
	char k1[16], k2[16];
	const char *values[2] = {k1, k2};
	int key1, key2;

	/* A connection that broke meanwhile took the lock with it. */
	if (!p->pg || PQstatus(p->pg) != CONNECTION_OK)
		return;
	wq_lock_keys(user, cls, slot, &key1, &key2);
	snprintf(k1, sizeof(k1), "%d", key1);
	snprintf(k2, sizeof(k2), "%d", key2);
	PQclear(
	    PQexecParams(p->pg, "SELECT pg_advisory_unlock($1::integer, $2::integer)", 2, NULL, values, NULL, NULL, 0));
}

static int pg_final_stored(void *ctx, long long submission, int attempt)
{
	static const char query[] = "SELECT 1 FROM submissions WHERE id = $1::bigint AND attempt = $2::integer"
				    " AND status IN ('completed', 'failed')";
	char id[24], at[16];
	const char *values[2] = {id, at};
	PGconn *pg = pg_conn(ctx);
	PGresult *res;
	int stored = -1;

	if (!pg)
		return -1;
	snprintf(id, sizeof(id), "%lld", submission);
	snprintf(at, sizeof(at), "%d", attempt);
	res = PQexecParams(pg, query, 2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		stored = PQntuples(res) == 1;
	PQclear(res);
	return stored;
}

void wq_pg_hooks(wq_thread *t, wq_pg *pg, const char *conninfo)
{
	memset(pg, 0, sizeof(*pg));
	pg->conninfo = conninfo;
	t->classify = pg_classify;
	t->claim = pg_claim;
	t->release = pg_release;
	t->ctx = pg;
}

void wq_pg_close(wq_pg *pg)
{
	PQfinish(pg->pg);
	pg->pg = NULL;
}
