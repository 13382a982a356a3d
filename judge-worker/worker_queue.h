#ifndef WORKER_QUEUE_H
#define WORKER_QUEUE_H

#include <stddef.h>

#include <libpq-fe.h>

/* The judge-worker's job queue and its fair scheduling (issue 14, finding 6; doc/security.md "Judging
 * under load"): the jobs taken from Kafka and not finished, queued and running, in arrival order.
 *
 * - At most per_user submissions of one user are judged at once by every worker process together: a
 *   judging thread takes a PostgreSQL advisory lock for the user (on its own connection, held while
 *   it judges; a crash drops it with the connection) and a job whose user is busy is deferred, left
 *   queued while other users' jobs run. Its offset is not stored meanwhile (worker_offsets.h).
 * - Who a submission is for comes from PostgreSQL (the submission's user, the user's staff flag, its
 *   attempt and origin), never from the message: students' submissions, staff accounts' own ones and
 *   reruns (rejudges, package verification) are three classes that share the threads by their
 *   shares (stride scheduling), so no class waits behind a flood of another.
 * - Sample runs (job.is_run) start only when no submission could start.
 * Thread-safe. */

typedef struct job job; /* worker.h */
typedef struct worker_queue worker_queue;

typedef enum { WQ_STUDENT = 0, WQ_STAFF, WQ_RERUN, WQ_CLASSES } wq_class;

/* A job's scheduling state, kept in the job (worker.h) and owned by the queue. */
typedef struct {
	int classified;  /* user and cls are known */
	long long user;  /* 0: unknown, not bounded */
	wq_class cls;    /* what the submission is */
	int busy;        /* a thread is classifying it or claiming its user right now */
	int deferred;    /* its user was busy when last tried */
	double retry_ms; /* deferred by another process: not tried again before this (monotonic); 0: when woken */
	unsigned tries;  /* claims refused so far */
	int counted;     /* counted in STAT_DEFERRED */
	int claimed;     /* holds the user's slot */
	int slot;
	/* The submission and attempt of the message (0: a run or not a submission message). Two jobs of one
	 * attempt (a sweeper's re-send, a redelivery) are never judged at once: the later one waits while the
	 * other runs, and when that one's final was delivered, until PostgreSQL has it (so judging it finds
	 * it judged). */
	long long submission;
	int attempt;
	int twin;             /* waited behind a job of the same attempt */
	double twin_retry_ms; /* not tried again before this (monotonic) */
} wq_sched;

/* Most jobs held beyond the room the poll loop asks for: deferred jobs do not count against that room,
 * so one user's flood cannot fill the queue and keep others' submissions in Kafka, but their messages
 * (up to the largest source each) stay in memory. */
#define WQ_DEFERRED_MAX 200

typedef struct {
	int shares[WQ_CLASSES]; /* >= 1 each */
	int per_user;           /* 0: no bound */
} wq_config;

/* What the queue asks of the judging thread that takes a job (its own PostgreSQL connection). Called
 * without the queue's lock. */
typedef struct {
	/* Who the job's submission is for; *user 0 when it cannot be said (then not bounded). */
	void (*classify)(void *ctx, const job *j, long long *user, wq_class *cls);
	/* Takes one of the user's per_user slots of the class's kind: 1 with *slot, 0 when all are busy,
	 * -1 when it cannot be asked (then judged unbounded). */
	int (*claim)(void *ctx, long long user, wq_class cls, int per_user, int *slot);
	void (*release)(void *ctx, long long user, wq_class cls, int slot);
	void *ctx;
} wq_thread;

worker_queue *wq_new(const wq_config *cfg);
void wq_free(worker_queue *q);

/* Appends a job (running 0, cancel 0) and wakes a thread. */
void wq_push(worker_queue *q, job *j);

/* The next job for this thread, marked running: a cancelled one first (to give it back), else by the
 * rules above. Blocks while there is none; NULL once wq_stop was called and none is left. */
job *wq_take(worker_queue *q, wq_thread *t);

/* The thread finished j (judged or given back): releases its user's slot, removes it (the caller
 * frees it) and wakes the threads and waiters. */
void wq_done(worker_queue *q, job *j, wq_thread *t);

/* While the service the executor runs programs on is down (a Judge0 outage: judge0_http.c), consumption
 * is held, in every queue of the process: no queued job starts (a cancelled one is still handed out, to
 * be given back), there is no room (wq_wait_room), so the poll loop takes nothing more from Kafka but
 * what was fetched before judge_worker.c paused the partitions, and no thread is free for a run. The jobs stay pending,
 * their offsets not stored. wq_hold logs the pause once (why says what is down), wq_release the resumption once;
 * repeated calls change nothing. */
void wq_hold(const char *why);
void wq_release(void);
int wq_held(void);

/* Threads take no more work once the queue is empty. */
void wq_stop(worker_queue *q);

/* Jobs matching (match NULL: all). */
size_t wq_count(worker_queue *q, int (*match)(const job *j, void *arg), void *arg);

/* Sets cancel on the matching jobs: only the queued ones, or the running ones too. Wakes the threads. */
void wq_cancel(worker_queue *q, int (*match)(const job *j, void *arg), void *arg, int running_too);

/* Waits until no job matches or until deadline_ms (monotonic); returns how many still match. */
size_t wq_wait_gone(worker_queue *q, int (*match)(const job *j, void *arg), void *arg, double deadline_ms);

/* Waits up to timeout_ms for room: the jobs that are not deferred at most limit, and all of them
 * below limit + WQ_DEFERRED_MAX. Returns 1 when there is room. */
int wq_wait_room(worker_queue *q, size_t limit, int timeout_ms);

/* 1 when fewer than threads jobs are running or could start (a free thread with nothing to do). */
int wq_thread_free(worker_queue *q, int threads);

/* The hooks on PostgreSQL (conninfo: libpq's; with them the queue also asks whether a twin's final result is
 * stored: with other hooks a twin starts once its sibling is gone): classify from submissions and users, claim with
 * pg_try_advisory_lock, release with pg_advisory_unlock, on a connection of the thread's
 * own (pg, initially NULL; wq_pg_close it at the end). */
typedef struct {
	PGconn *pg;
	const char *conninfo;
	double retry_ms; /* after a failed connect, not before this */
	int warned;
} wq_pg;

void wq_pg_hooks(wq_thread *t, wq_pg *pg, const char *conninfo);
void wq_pg_close(wq_pg *pg);

/* The advisory lock keys of a user's slot (two int4 keys: a Solve-IT namespace with the kind and the
 * slot, and the user id folded into int4; a collision only makes two users share a slot). */
void wq_lock_keys(long long user, wq_class cls, int slot, int *key1, int *key2);

#endif
