/* The tests of one submission, several at once when the worker's cores are idle (issue 16).
 *
 * A box is used by one thread at a time (sandbox.h), so each lane (a thread running tests) has a box of
 * its own: lane 0 the prepared one, the others one made by sv_sandbox_share, which binds the compiled
 * /prog read-only (no copy, no second compile) and has its own slot, uid, cgroup and work directory: each
 * test keeps its own limits, cwd, stdin and stdout, and its CPU time is its cgroup's, whatever runs
 * beside it.
 *
 * The calling thread coordinates: it asks should_run in test order before a test starts, hands the test
 * to a lane, and delivers results in test order, asking should_run again first. The plan behind
 * should_run only ever stops more tests as failures are recorded, so a test it lets start early and
 * stops at delivery (a failure before it decided) is dropped, never counted, and the tests reported are
 * exactly those of a run one after another. One test always runs on the judgement's own slot of the
 * core budget; each more at once needs an idle slot, given back as soon as fewer run. */
#include "executor_local.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"
#include "worker_cores.h"

typedef enum { SLOT_WAITING = 0, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE, SLOT_NOT_RUN } slot_state;

typedef struct {
	slot_state state;
	int rc; /* local_judge_test's */
	sv_run_result run;
	validator_result vr;
	exec_test_result res;
	exec_outcome out; /* its error only */
} test_slot;

typedef struct lanes lanes;

typedef struct {
	lanes *ls;
	pthread_t thread;
	sv_sandbox_box *box; /* lane 0: the prepared box; the others: shared from it on first use */
	int index;
} lane;

struct lanes {
	local_state *st;
	const exec_request *req;
	const sv_sandbox_limits *limits;
	sv_sandbox_box *prepared;
	pthread_mutex_t lock;
	pthread_cond_t work; /* a test queued, or the end */
	pthread_cond_t done; /* a test finished, or a lane gave one back */
	test_slot *slots;
	size_t n;
	size_t queue_head; /* no test before it is queued */
	size_t next_start; /* the next test to ask should_run about */
	int in_flight;     /* queued or running */
	int extras;        /* idle slots of the budget held beyond the judgement's own */
	int max_lanes;
	int alive; /* lanes started and not gone */
	int end;
	lane *lane;
	int lanes_started;
};

const local_runner local_sandbox_runner = {local_judge_test, sv_sandbox_share, sv_sandbox_destroy};

static int take_queued(lanes *ls, size_t *index)
{
	while (ls->queue_head < ls->next_start && ls->slots[ls->queue_head].state != SLOT_QUEUED)
		ls->queue_head++;
	if (ls->queue_head >= ls->next_start)
		return 0;
	*index = ls->queue_head;
	return 1;
}

/* Gives back extra slots while fewer tests are in flight than the slots held. Locked. */
static void shrink_extras(lanes *ls)
{
	while (ls->extras > 0 && ls->in_flight < ls->extras + 1) {
		core_budget_give_extra(ls->st->budget);
		ls->extras--;
	}
}

static void *lane_main(void *arg)
{
	lane *ln = arg;
	lanes *ls = ln->ls;
	size_t i;

	pthread_mutex_lock(&ls->lock);
	for (;;) {
		test_slot *s;

		while (!ls->end && !take_queued(ls, &i))
			pthread_cond_wait(&ls->work, &ls->lock);
		if (ls->end)
			break;
		s = &ls->slots[i];
		s->state = SLOT_RUNNING;
		pthread_mutex_unlock(&ls->lock);
		if (!ln->box) {
			char err[512];

			if (ls->st->runner->share(ls->prepared, &ln->box, err, sizeof(err)) < 0) {
				/* Boxes ran out, say: the other lanes (lane 0 at least) run the rest. */
				sv_log(SV_LOG_WARNING, "a box for tests run at once: %s; running fewer at once", err);
				ln->box = NULL;
				pthread_mutex_lock(&ls->lock);
				s->state = SLOT_QUEUED;
				if (i < ls->queue_head)
					ls->queue_head = i;
				ls->alive--;
				ls->max_lanes = ls->alive;
				pthread_cond_broadcast(&ls->work);
				pthread_cond_broadcast(&ls->done);
				break;
			}
		}
		sv_log(SV_LOG_DEBUG, "task %lld test %d: started on lane %d", ls->req->task->id,
		       ls->req->task->tests[i].order, ln->index);
		s->rc = ls->st->runner->judge_test(ls->req, ln->box, ls->limits, i, ls->st->starved_reruns, &s->run,
						   &s->vr, &s->res, &s->out);
		pthread_mutex_lock(&ls->lock);
		s->state = SLOT_DONE;
		ls->in_flight--;
		shrink_extras(ls);
		pthread_cond_broadcast(&ls->done);
	}
	pthread_mutex_unlock(&ls->lock);
	return NULL;
}

/* A lane more, when every lane has a test and more may run at once. Locked. */
static void add_lane(lanes *ls)
{
	lane *ln;

	if (ls->in_flight < ls->alive || ls->lanes_started >= ls->max_lanes)
		return;
	ln = &ls->lane[ls->lanes_started];
	ln->ls = ls;
	ln->index = ls->lanes_started;
	ln->box = ln->index == 0 ? ls->prepared : NULL;
	if (pthread_create(&ln->thread, NULL, lane_main, ln) != 0) {
		ls->max_lanes = ls->lanes_started; /* the lanes there are take the queue */
		return;
	}
	ls->lanes_started++;
	ls->alive++;
}

/* Starts what may start: tests in order while a slot is free and the window of undelivered tests is
 * not full. Locked; unlocks around should_run. Returns 1 when cancelled. */
static int start_tests(lanes *ls, size_t delivered)
{
	const exec_request *req = ls->req;
	/* Results wait for their turn in memory: at most this many started and not delivered. */
	size_t window = 2 * (size_t)(ls->max_lanes > 0 ? ls->max_lanes : 1);

	while (ls->next_start < ls->n && ls->next_start < delivered + window) {
		size_t i = ls->next_start;
		int run;

		if (req->cancel && *req->cancel)
			return 1;
		if (ls->in_flight >= (ls->max_lanes > 0 ? ls->max_lanes : 1))
			break;
		/* A first test on the judgement's own slot; every one more at once on an idle slot. */
		if (ls->in_flight >= ls->extras + 1) {
			if (!core_budget_try_extra(ls->st->budget))
				break;
			ls->extras++;
		}
		pthread_mutex_unlock(&ls->lock);
		run = !req->should_run || req->should_run(req->baton, i);
		pthread_mutex_lock(&ls->lock);
		ls->next_start++;
		if (!run) {
			ls->slots[i].state = SLOT_NOT_RUN;
			shrink_extras(ls);
			continue;
		}
		ls->slots[i].state = SLOT_QUEUED;
		ls->in_flight++;
		add_lane(ls);
		pthread_cond_signal(&ls->work);
	}
	shrink_extras(ls);
	return 0;
}

/* After a result that stops the plan: queued tests it no longer runs are dropped before they start. */
static void drop_queued(lanes *ls)
{
	const exec_request *req = ls->req;

	for (size_t i = ls->queue_head; i < ls->next_start; i++) {
		int run;

		if (ls->slots[i].state != SLOT_QUEUED)
			continue;
		pthread_mutex_unlock(&ls->lock);
		run = !req->should_run || req->should_run(req->baton, i);
		pthread_mutex_lock(&ls->lock);
		if (!run && ls->slots[i].state == SLOT_QUEUED) {
			ls->slots[i].state = SLOT_NOT_RUN;
			ls->in_flight--;
		}
	}
	shrink_extras(ls);
}

/* Delivers test i, due now. Unlocked. Returns the judgement's status so far. */
static exec_status deliver(lanes *ls, size_t i, exec_outcome *out)
{
	const exec_request *req = ls->req;
	test_slot *s = &ls->slots[i];
	exec_status status = EXEC_DONE;

	/* A test started before an earlier one's failure stopped it is dropped, its error too. */
	int wanted = !req->should_run || req->should_run(req->baton, i);

	if (!wanted)
		sv_log(SV_LOG_DEBUG, "task %lld test %d: dropped (an earlier test's failure stopped it)", req->task->id,
		       req->task->tests[i].order);
	if (wanted && s->rc < 0) {
		snprintf(out->error, sizeof(out->error), "%s", s->out.error);
		status = EXEC_FAILED;
	} else if (wanted && req->on_test(req->baton, i, &s->res)) {
		status = EXEC_CANCELLED;
	}
	sv_run_result_free(&s->run);
	validator_result_free(&s->vr);
	return status;
}

exec_status local_run_tests(local_state *st, const exec_request *req, sv_sandbox_box *prepared,
			    const sv_sandbox_limits *limits, exec_outcome *out)
{
	size_t n = req->task->test_count, delivered = 0;
	exec_status status = EXEC_DONE;
	lanes ls;

	memset(&ls, 0, sizeof(ls));
	ls.st = st;
	ls.req = req;
	ls.limits = limits;
	ls.prepared = prepared;
	ls.n = n;
	ls.max_lanes = st->parallel_tests < 1 ? 1 : st->parallel_tests;
	if ((size_t)ls.max_lanes > n)
		ls.max_lanes = n > 0 ? (int)n : 1;
	ls.slots = calloc(n ? n : 1, sizeof(*ls.slots));
	ls.lane = calloc((size_t)ls.max_lanes, sizeof(*ls.lane));
	if (!ls.slots || !ls.lane) {
		free(ls.slots);
		free(ls.lane);
		snprintf(out->error, sizeof(out->error), "out of memory");
		return EXEC_FAILED;
	}
	pthread_mutex_init(&ls.lock, NULL);
	pthread_cond_init(&ls.work, NULL);
	pthread_cond_init(&ls.done, NULL);
	core_budget_enter(st->budget);

	pthread_mutex_lock(&ls.lock);
	while (delivered < n && status == EXEC_DONE) {
		test_slot *s = &ls.slots[delivered];

		/* What is due first, so that the next start sees every result before it. */
		if (s->state == SLOT_NOT_RUN) {
			delivered++;
			continue;
		}
		if (s->state == SLOT_DONE) {
			pthread_mutex_unlock(&ls.lock);
			status = deliver(&ls, delivered, out);
			pthread_mutex_lock(&ls.lock);
			delivered++;
			if (status == EXEC_DONE)
				drop_queued(&ls);
			continue;
		}
		if (start_tests(&ls, delivered)) {
			status = EXEC_CANCELLED;
			break;
		}
		if (s->state == SLOT_NOT_RUN || s->state == SLOT_DONE)
			continue;
		if (ls.alive == 0 && s->state == SLOT_QUEUED) {
			/* No lane could start (no thread, no box): nothing would ever run it. */
			snprintf(out->error, sizeof(out->error), "no thread could be started to run the tests");
			status = EXEC_FAILED;
		} else {
			pthread_cond_wait(&ls.done, &ls.lock);
		}
	}
	/* Whatever is still queued is not run; what runs cannot be stopped and is waited for. */
	for (size_t i = 0; i < n; i++)
		if (ls.slots[i].state == SLOT_QUEUED) {
			ls.slots[i].state = SLOT_NOT_RUN;
			ls.in_flight--;
		}
	while (ls.in_flight > 0)
		pthread_cond_wait(&ls.done, &ls.lock);
	ls.end = 1;
	pthread_cond_broadcast(&ls.work);
	pthread_mutex_unlock(&ls.lock);
	for (int i = 0; i < ls.lanes_started; i++) {
		pthread_join(ls.lane[i].thread, NULL);
		if (i > 0)
			st->runner->destroy(ls.lane[i].box);
	}
	for (size_t i = delivered; i < n; i++) {
		sv_run_result_free(&ls.slots[i].run);
		validator_result_free(&ls.slots[i].vr);
	}
	shrink_extras(&ls);
	core_budget_leave(st->budget);
	pthread_cond_destroy(&ls.done);
	pthread_cond_destroy(&ls.work);
	pthread_mutex_destroy(&ls.lock);
	free(ls.lane);
	free(ls.slots);
	return status;
}
