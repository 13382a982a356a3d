/* The judge-worker's job queue and fair scheduling (judge-worker/worker_queue.h), with the PostgreSQL
 * hooks replaced by a table of who each job is for and a set of held user slots (what advisory locks
 * of all worker processes together would hold). */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"
#include "worker_queue.h"
#include "worker_stats.h"

Suite *queue_suite(void);

#define JOBS_MAX 64

/* Who job (by offset) is for, and which (user, kind, slot) are held: by this process's threads or,
 * with held_elsewhere, by another worker. */
static long long user_of[JOBS_MAX];
static wq_class class_of[JOBS_MAX];
static struct {
	long long user;
	int rerun;
	int slot;
} held[JOBS_MAX];
static size_t held_count;
static int classified_calls;

static void fake_classify(void *ctx, const job *j, long long *user, wq_class *cls)
{
	(void)ctx;
	classified_calls++;
	*user = user_of[j->offset];
	*cls = class_of[j->offset];
}

static int held_at(long long user, wq_class cls, int slot)
{
	for (size_t i = 0; i < held_count; i++)
		if (held[i].user == user && held[i].rerun == (cls == WQ_RERUN) && held[i].slot == slot)
			return (int)i;
	return -1;
}

static void hold(long long user, wq_class cls, int slot)
{
	held[held_count].user = user;
	held[held_count].rerun = cls == WQ_RERUN;
	held[held_count].slot = slot;
	held_count++;
}

static int fake_claim(void *ctx, long long user, wq_class cls, int per_user, int *slot)
{
	(void)ctx;
	for (int s = 0; s < per_user; s++)
		if (held_at(user, cls, s) < 0) {
			hold(user, cls, s);
			*slot = s;
			return 1;
		}
	return 0;
}

static void fake_release(void *ctx, long long user, wq_class cls, int slot)
{
	int i = held_at(user, cls, slot);

	(void)ctx;
	ck_assert_int_ge(i, 0);
	held[i] = held[--held_count];
}

static wq_thread hooks = {fake_classify, fake_claim, fake_release, NULL};
static job jobs[JOBS_MAX];

static void reset(void)
{
	memset(user_of, 0, sizeof(user_of));
	memset(class_of, 0, sizeof(class_of));
	memset(jobs, 0, sizeof(jobs));
	held_count = 0;
	classified_calls = 0;
	stats_reset();
}

static job *add(worker_queue *q, int id, long long user, wq_class cls)
{
	job *j = &jobs[id];

	user_of[id] = user;
	class_of[id] = cls;
	j->offset = id;
	wq_push(q, j);
	return j;
}

static worker_queue *queue_with(int per_user, int students, int staff, int reruns)
{
	wq_config cfg = {{students, staff, reruns}, per_user};

	return wq_new(&cfg);
}

/* A thread that takes one job and returns it. */
static void *take_one(void *q)
{
	return wq_take(q, &hooks);
}

/* While held (a Judge0 outage) a queued job does not start and there is no room; a cancelled one is
 * still handed out, to be given back; after the release the waiting thread gets the queued job. */
START_TEST(a_hold_starts_nothing_until_released)
{
	worker_queue *q;
	pthread_t taker;
	void *got;

	reset();
	q = queue_with(0, 4, 4, 1);
	wq_hold("the executor is down");
	wq_hold("the executor is down"); /* once: a second hold changes nothing */
	ck_assert(wq_held());
	ck_assert_int_eq(stats_get(STAT_CONSUMPTION_PAUSED), 1);
	ck_assert_int_eq(stats_get(STAT_CONSUMPTION_PAUSES), 1);
	jobs[1].cancel = 1;
	add(q, 1, 7, WQ_STUDENT);
	jobs[1].cancel = 1; /* wq_push clears it */
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]);
	wq_done(q, &jobs[1], &hooks);
	add(q, 2, 8, WQ_STUDENT);
	ck_assert(!wq_wait_room(q, 4, 0));
	ck_assert_int_eq(pthread_create(&taker, NULL, take_one, q), 0);
	wq_release();
	ck_assert(!wq_held());
	ck_assert_int_eq(pthread_join(taker, &got), 0);
	ck_assert_ptr_eq(got, &jobs[2]);
	ck_assert_int_eq(stats_get(STAT_CONSUMPTION_PAUSED), 0);
	ck_assert(wq_wait_room(q, 4, 0));
	wq_done(q, &jobs[2], &hooks);
	wq_free(q);
}
END_TEST

/* Four sleepers of one user, then another user's A+B: with two threads the second sleeper waits and
 * the A+B starts (the finding's stall: 4 x sleep(100) held both slots). */
START_TEST(one_submission_per_user_in_flight)
{
	worker_queue *q;

	reset();
	q = queue_with(1, 4, 4, 1);
	for (int i = 1; i <= 4; i++)
		add(q, i, 7, WQ_STUDENT);
	add(q, 5, 8, WQ_STUDENT);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[5]);
	ck_assert_int_eq(stats_get(STAT_DEFERRED), 3); /* sleepers 2, 3, 4: each counted once */
	ck_assert_int_eq(wq_count(q, NULL, NULL), 5);
	/* Deferred jobs leave room for other users' messages. */
	ck_assert(wq_wait_room(q, 2, 0));
	wq_done(q, &jobs[5], &hooks);
	wq_done(q, &jobs[1], &hooks);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[2]); /* in arrival order */
	ck_assert_int_eq(stats_get(STAT_DEFERRED), 3);
	wq_done(q, &jobs[2], &hooks);
	ck_assert_int_eq(held_count, 0);
	wq_free(q);
}
END_TEST

/* Another worker process judges user 7 (its advisory lock is held there): 7's job is deferred, 8's
 * runs, and 7's starts once the slot is free there. */
START_TEST(a_user_busy_elsewhere_is_deferred)
{
	worker_queue *q;

	reset();
	q = queue_with(1, 4, 4, 1);
	hold(7, WQ_STUDENT, 0);
	add(q, 1, 7, WQ_STUDENT);
	add(q, 2, 8, WQ_STUDENT);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[2]);
	ck_assert_int_eq(stats_get(STAT_DEFERRED), 1);
	ck_assert(!jobs[1].running);
	fake_release(NULL, 7, WQ_STUDENT, 0);           /* released there */
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]); /* after its retry delay */
	ck_assert_int_eq(jobs[1].sched.claimed, 1);
	wq_done(q, &jobs[1], &hooks);
	wq_done(q, &jobs[2], &hooks);
	wq_free(q);
}
END_TEST

/* per_user 2: two of one user at once, the third waits. A rerun of the user's submission is staff's
 * doing and is bounded apart. */
START_TEST(per_user_slots_and_reruns_apart)
{
	worker_queue *q;

	reset();
	q = queue_with(2, 4, 4, 1);
	add(q, 1, 7, WQ_STUDENT);
	add(q, 2, 7, WQ_STUDENT);
	add(q, 3, 7, WQ_STUDENT);
	add(q, 4, 7, WQ_RERUN);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[4]); /* the reruns' turn: the students had one */
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[2]);
	ck_assert_int_eq(jobs[2].sched.slot, 1);
	ck_assert(!jobs[3].running);
	for (int i = 1; i <= 4; i++)
		if (jobs[i].running)
			wq_done(q, &jobs[i], &hooks);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[3]);
	wq_done(q, &jobs[3], &hooks);
	wq_free(q);
}
END_TEST

/* The position (1-based) at which job id starts when the queue's jobs are judged one at a time. */
static void judge_one_by_one(worker_queue *q, int n, int *started_at)
{
	for (int k = 1; k <= n; k++) {
		job *j = wq_take(q, &hooks);

		ck_assert_ptr_nonnull(j);
		started_at[j->offset] = k;
		wq_done(q, j, &hooks);
	}
}

/* A flood of students' submissions does not hold a rejudge back to the end, and 20 reruns do not hold
 * students back: shares 4:4:1. */
START_TEST(classes_share_the_threads)
{
	int started_at[JOBS_MAX] = {0};
	worker_queue *q;

	reset();
	q = queue_with(1, 4, 4, 1);
	for (int i = 1; i <= 20; i++)
		add(q, i, 100 + i, WQ_STUDENT);
	add(q, 21, 500, WQ_RERUN);
	add(q, 22, 501, WQ_STAFF);
	judge_one_by_one(q, 22, started_at);
	ck_assert_int_le(started_at[21], 6);
	ck_assert_int_le(started_at[22], 2);
	wq_free(q);

	reset();
	memset(started_at, 0, sizeof(started_at));
	q = queue_with(1, 4, 4, 1);
	for (int i = 1; i <= 20; i++)
		add(q, i, 100 + i, WQ_RERUN);
	add(q, 21, 7, WQ_STUDENT);
	add(q, 22, 8, WQ_STUDENT);
	judge_one_by_one(q, 22, started_at);
	ck_assert_int_le(started_at[21], 2);
	ck_assert_int_le(started_at[22], 3);
	wq_free(q);
}
END_TEST

/* Sample runs start only when no submission could; cancelled jobs are handed out first. */
START_TEST(runs_last_cancelled_first)
{
	worker_queue *q;

	reset();
	q = queue_with(1, 4, 4, 1);
	jobs[1].is_run = 1;
	add(q, 1, 0, WQ_STUDENT);
	add(q, 2, 7, WQ_STUDENT);
	add(q, 3, 8, WQ_STUDENT);
	jobs[3].cancel = 1;
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[3]);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[2]);
	ck_assert(!wq_thread_free(q, 2)); /* the run waits for a thread with nothing else to do */
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]);
	ck_assert_int_eq(classified_calls, 1); /* neither the run nor the cancelled job asked PostgreSQL */
	wq_done(q, &jobs[1], &hooks);
	wq_done(q, &jobs[2], &hooks);
	wq_done(q, &jobs[3], &hooks);
	wq_stop(q);
	ck_assert_ptr_null(wq_take(q, &hooks));
	wq_free(q);
}
END_TEST

/* No bound (per_user 0), or a user PostgreSQL could not name (0): nothing is claimed, all run. */
START_TEST(unbounded_claims_nothing)
{
	worker_queue *q;

	reset();
	q = queue_with(0, 4, 4, 1);
	add(q, 1, 7, WQ_STUDENT);
	add(q, 2, 7, WQ_STUDENT);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[2]);
	ck_assert_int_eq(held_count, 0);
	wq_done(q, &jobs[1], &hooks);
	wq_done(q, &jobs[2], &hooks);
	wq_free(q);

	reset();
	q = queue_with(1, 4, 4, 1);
	add(q, 1, 0, WQ_STUDENT);
	add(q, 2, 0, WQ_STUDENT);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[1]);
	ck_assert_ptr_eq(wq_take(q, &hooks), &jobs[2]);
	wq_done(q, &jobs[1], &hooks);
	wq_done(q, &jobs[2], &hooks);
	wq_free(q);
}
END_TEST

START_TEST(lock_keys_by_kind_and_slot)
{
	int a1, a2, b1, b2, c1, c2;

	wq_lock_keys(42, WQ_STUDENT, 0, &a1, &a2);
	wq_lock_keys(42, WQ_STAFF, 0, &b1, &b2);
	wq_lock_keys(42, WQ_RERUN, 1, &c1, &c2);
	ck_assert_int_eq(a1, b1); /* a staff account's own submissions are its own */
	ck_assert_int_eq(a2, 42);
	ck_assert_int_ne(a1, c1);
	ck_assert_int_eq(c2, 42);
	wq_lock_keys(9000000000LL, WQ_STUDENT, 0, &a1, &a2);
	ck_assert_int_ge(a2, 0);
}
END_TEST

Suite *queue_suite(void)
{
	Suite *s = suite_create("worker_queue");
	TCase *tc = tcase_create("fair");

	tcase_add_test(tc, one_submission_per_user_in_flight);
	tcase_add_test(tc, a_user_busy_elsewhere_is_deferred);
	tcase_add_test(tc, per_user_slots_and_reruns_apart);
	tcase_add_test(tc, classes_share_the_threads);
	tcase_add_test(tc, runs_last_cancelled_first);
	tcase_add_test(tc, unbounded_claims_nothing);
	tcase_add_test(tc, lock_keys_by_kind_and_slot);
	tcase_add_test(tc, a_hold_starts_nothing_until_released);
	suite_add_tcase(s, tc);
	return s;
}
