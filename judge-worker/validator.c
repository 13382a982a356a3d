/* Custom and interactive output validators (validator.h): compiled once per task revision and source
 * inside the sandbox, kept in a small cache, run inside the sandbox with the Kattis interface.
 *
 * Concurrency: the cache's lock guards only its lists. A validator is compiled by the first thread that
 * needs it (the others of that task wait for it; other tasks are not held up), into one prepared box kept
 * as long as the entry lives; every use then runs in a box of its own that binds that compiled /prog
 * read-only (sv_sandbox_share), taken from the entry's free list or made anew, so several tests of one
 * task are validated at once. */
#define _GNU_SOURCE
#include "validator.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"

#define MAX_ENTRIES       32 /* compiled validators kept (least recently used go first) */
#define MAX_FREE_BOXES    8  /* idle run boxes kept per validator */
#define MAX_FLAG_WORDS    24
#define MESSAGE_MAX       4096
#define VALIDATOR_EXIT_AC 42
#define VALIDATOR_EXIT_WA 43

enum entry_state { ENTRY_COMPILING, ENTRY_READY, ENTRY_FAILED };

struct entry {
	long long task_id;
	int revision, language_id;
	char *source; /* the key's bytes: source and the extra files' names and hashes */
	size_t source_len;
	char *files_key;
	enum entry_state state;
	int stale; /* a newer revision exists, or compiling failed for a passing reason: free when unused */
	int refs;
	unsigned long used;
	char error[512];
	sv_sandbox_box *prepared;
	sv_sandbox_box *free_boxes[MAX_FREE_BOXES];
	int n_free;
	struct entry *next;
};

struct validator_cache {
	sv_sandbox *sb;
	pthread_mutex_t lock;
	pthread_cond_t compiled;
	struct entry *entries;
	size_t n_entries;
	unsigned long clock;
};

/* Generous limits: a validator is the task author's code and may be slow, but it is still bounded. */
static void validation_limits(sv_sandbox_limits *l)
{
	sv_sandbox_limits_run_defaults(l);
	l->cpu_time = 30.0;
	l->wall_time = 60.0;
	l->memory_kb = 1024 * 1024;
	l->stdout_kb = 16 * 1024;
	l->stderr_kb = 1024;
	l->file_size_kb = 64 * 1024;
	l->work_kb = 256 * 1024;
}

int validator_cache_open(const worker_config *cfg, validator_cache **out, char *err, size_t errlen)
{
	validator_cache *c = calloc(1, sizeof(*c));

	(void)cfg;
	*out = NULL;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sv_sandbox_open(NULL, &c->sb, err, errlen) < 0) {
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->compiled, NULL);
	*out = c;
	return 0;
}

static void entry_free(struct entry *e)
{
	for (int i = 0; i < e->n_free; i++)
		sv_sandbox_destroy(e->free_boxes[i]);
	sv_sandbox_destroy(e->prepared);
	free(e->source);
	free(e->files_key);
	free(e);
}

void validator_cache_close(validator_cache *c)
{
	if (!c)
		return;
	while (c->entries) {
		struct entry *e = c->entries;

		c->entries = e->next;
		entry_free(e);
	}
	pthread_cond_destroy(&c->compiled);
	pthread_mutex_destroy(&c->lock);
	sv_sandbox_close(c->sb);
	free(c);
}

void validator_result_free(validator_result *r)
{
	free(r->judge_message);
	free(r->team_message);
	r->judge_message = r->team_message = NULL;
}

/* "name:sha256\n" per extra file: two validators with the same source and other headers differ. */
static char *files_key(const task_data *task)
{
	size_t len = 1;
	char *key, *p;

	for (size_t i = 0; i < task->validator_file_count; i++)
		len += strlen(task->validator_files[i].name) + 67;
	key = p = malloc(len);
	if (!key)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < task->validator_file_count; i++)
		p += sprintf(p, "%s:%s\n", task->validator_files[i].name, task->validator_files[i].sha256);
	return key;
}

static int entry_matches(const struct entry *e, const task_data *task, const char *fkey)
{
	return !e->stale && e->task_id == task->id && e->revision == task->revision &&
	       e->language_id == task->validator_language_id && e->source_len == task->validator_source_len &&
	       !memcmp(e->source, task->validator_source, e->source_len) && !strcmp(e->files_key, fkey);
}

/* Unlinks and frees the entries nobody uses that are stale, and the least recently used beyond the cap. */
static void sweep_locked(validator_cache *c)
{
	for (;;) {
		struct entry **pp, **victim = NULL;

		for (pp = &c->entries; *pp; pp = &(*pp)->next) {
			struct entry *e = *pp;

			if (e->refs > 0 || e->state == ENTRY_COMPILING)
				continue;
			if (e->stale) {
				victim = pp;
				break;
			}
			if (c->n_entries > MAX_ENTRIES && (!victim || e->used < (*victim)->used))
				victim = pp;
		}
		if (!victim)
			return;
		struct entry *e = *victim;

		*victim = e->next;
		c->n_entries--;
		entry_free(e);
	}
}

/* 1 when the task's validator can be compiled here; 0 with the reason when it never can. */
static int can_compile(validator_cache *c, const task_data *task, char *why, size_t len)
{
	const sv_language *lang = sv_sandbox_language(c->sb, task->validator_language_id);

	if (!lang || !lang->available) {
		snprintf(why, len, "the validator's language %d is %s", task->validator_language_id,
			 lang ? "not available on this judge" : "unknown");
		return 0;
	}
	if (task->validator_file_count > SV_SANDBOX_MAX_FILES) {
		snprintf(why, len, "the validator has %zu extra files, at most %d are supported",
			 task->validator_file_count, SV_SANDBOX_MAX_FILES);
		return 0;
	}
	for (size_t i = 0; i < task->validator_file_count; i++) {
		const char *name = task->validator_files[i].name;

		if (!sv_sandbox_file_name_ok(name) || !strcmp(name, lang->source_file)) {
			snprintf(why, len, "the validator's file %.100s: %s", name,
				 sv_sandbox_file_name_ok(name)
				     ? "has the name of the main source file"
				     : "not a plain file name (letters, digits, _ . + -, not starting with . or -)");
			return 0;
		}
	}
	return 1;
}

static void compile_entry(validator_cache *c, struct entry *e, const task_data *task)
{
	sv_sandbox_file files[SV_SANDBOX_MAX_FILES];
	size_t n = task->validator_file_count;
	sv_run_result compile;
	sv_sandbox_limits lim;
	char err[512];
	int rc;

	sv_sandbox_limits_compile_defaults(&lim);
	lim.cpu_time = 60.0; /* a validator with a big header library (testlib) compiles slowly */
	lim.wall_time = 120.0;
	/* What the task itself gets wrong fails for good (and is said once), unlike a failing sandbox. */
	if (!can_compile(c, task, e->error, sizeof(e->error))) {
		pthread_mutex_lock(&c->lock);
		e->state = ENTRY_FAILED;
		pthread_cond_broadcast(&c->compiled);
		pthread_mutex_unlock(&c->lock);
		sv_log(SV_LOG_WARNING, "validator of task %lld revision %d: %s", task->id, task->revision, e->error);
		return;
	}
	for (size_t i = 0; i < n; i++)
		files[i] = (sv_sandbox_file){task->validator_files[i].name, task->validator_files[i].data,
					     task->validator_files[i].data_len};
	rc = sv_sandbox_prepare_files(c->sb, task->validator_language_id, task->validator_source,
				      task->validator_source_len, files, n, &lim, &e->prepared, &compile, err,
				      sizeof(err));
	pthread_mutex_lock(&c->lock);
	if (rc == 0) {
		e->state = ENTRY_READY;
		sv_log(SV_LOG_NOTICE, "validator of task %lld revision %d compiled (%.2f s CPU)", task->id,
		       task->revision, compile.time);
	} else {
		const char *out = compile.stdout_len ? compile.stdout_buf : compile.message;

		e->state = ENTRY_FAILED;
		if (rc == 1) {
			snprintf(e->error, sizeof(e->error), "the validator does not compile: %.440s", out);
		} else {
			/* The sandbox failed, not the validator: try again next time. */
			snprintf(e->error, sizeof(e->error), "the validator could not be compiled: %.440s", err);
			e->stale = 1;
		}
		sv_log(SV_LOG_WARNING, "validator of task %lld revision %d: %s", task->id, task->revision, e->error);
	}
	pthread_cond_broadcast(&c->compiled);
	pthread_mutex_unlock(&c->lock);
	sv_run_result_free(&compile);
}

/* The task's compiled validator, compiling it first when needed; NULL with r->error when there is none. */
static struct entry *acquire(validator_cache *c, const task_data *task, validator_result *r)
{
	char *fkey = files_key(task);
	struct entry *e, *found = NULL;
	int compile = 0;

	if (!fkey || !task->validator_source) {
		snprintf(r->error, sizeof(r->error), "%s", fkey ? "the task has no validator source" : "out of memory");
		free(fkey);
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	for (e = c->entries; e; e = e->next) {
		if (entry_matches(e, task, fkey))
			found = e;
		else if (e->task_id == task->id)
			e->stale = 1; /* another revision: goes once its last user is done */
	}
	if (!found && (found = calloc(1, sizeof(*found))) && (found->source = malloc(task->validator_source_len + 1))) {
		memcpy(found->source, task->validator_source, task->validator_source_len);
		found->source_len = task->validator_source_len;
		found->files_key = fkey;
		fkey = NULL;
		found->task_id = task->id;
		found->revision = task->revision;
		found->language_id = task->validator_language_id;
		found->state = ENTRY_COMPILING;
		found->next = c->entries;
		c->entries = found;
		c->n_entries++;
		compile = 1;
	} else if (found && !found->files_key) {
		free(found);
		found = NULL;
	}
	if (found) {
		found->refs++;
		found->used = ++c->clock;
	}
	sweep_locked(c);
	pthread_mutex_unlock(&c->lock);
	free(fkey);
	if (!found) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return NULL;
	}
	if (compile)
		compile_entry(c, found, task);
	pthread_mutex_lock(&c->lock);
	while (found->state == ENTRY_COMPILING)
		pthread_cond_wait(&c->compiled, &c->lock);
	pthread_mutex_unlock(&c->lock);
	return found;
}

static void release(validator_cache *c, struct entry *e, sv_sandbox_box *box)
{
	pthread_mutex_lock(&c->lock);
	if (box && !e->stale && e->n_free < MAX_FREE_BOXES) {
		e->free_boxes[e->n_free++] = box;
		box = NULL;
	}
	e->refs--;
	sweep_locked(c);
	pthread_mutex_unlock(&c->lock);
	sv_sandbox_destroy(box);
}

/* A box to run the entry's validator in, used by this thread alone. */
static sv_sandbox_box *take_box(validator_cache *c, struct entry *e, validator_result *r)
{
	sv_sandbox_box *box = NULL;
	char err[256];

	pthread_mutex_lock(&c->lock);
	if (e->n_free > 0)
		box = e->free_boxes[--e->n_free];
	pthread_mutex_unlock(&c->lock);
	if (!box && sv_sandbox_share(e->prepared, &box, err, sizeof(err)) < 0)
		snprintf(r->error, sizeof(r->error), "no box to run the validator in: %.400s", err);
	return box;
}

/* Splits the task's and the group's flags on spaces into words, pointing into buf. */
static size_t split_flags(const char *a, const char *b, char *buf, size_t buflen, const char **words, size_t max)
{
	size_t n = 0;
	char *save = NULL, *w;

	snprintf(buf, buflen, "%s %s", a ? a : "", b ? b : "");
	for (w = strtok_r(buf, " \t\n", &save); w && n < max; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	return n;
}

struct validation {
	const char *args[3 + MAX_FLAG_WORDS];
	char flag_buf[2100];
	sv_sandbox_run_file files[2];
	sv_sandbox_run_opts opts;
};

static const char *const feedback_names[] = {"score.txt", "judgemessage.txt", "teammessage.txt"};

/* The Kattis call: `validator /judge/input /judge/answer /judge/feedback/ [flags...]`. */
static void validation_opts(struct validation *v, const task_data *task, const task_test *test, const char *flags)
{
	size_t n;

	memset(v, 0, sizeof(*v));
	v->args[0] = "/judge/input";
	v->args[1] = "/judge/answer";
	v->args[2] = "/judge/feedback/";
	n = split_flags(task->validator_flags, flags, v->flag_buf, sizeof(v->flag_buf), v->args + 3, MAX_FLAG_WORDS);
	v->files[0] = (sv_sandbox_run_file){"/judge/input", test->input_path, test->input, test->input_len};
	v->files[1] = (sv_sandbox_run_file){"/judge/answer", test->answer_path, test->expected, test->expected_len};
	v->opts.args = v->args;
	v->opts.n_args = 3 + n;
	v->opts.files = v->files;
	v->opts.n_files = 2;
	v->opts.feedback_dir = "/judge/feedback";
	v->opts.feedback_names = feedback_names;
	v->opts.n_feedback = 3;
	v->opts.feedback_max = MESSAGE_MAX;
}

/* score.txt holds one number (surrounding white space allowed). */
static int parse_score(const char *text, double *out)
{
	char *end;
	double v;

	while (isspace((unsigned char)*text))
		text++;
	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno || !isfinite(v))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* Reads the validator's verdict from its run: 0 with AC or WA and the feedback, -1 with r->error. */
static int read_verdict(const sv_run_result *run, validator_result *r)
{
	char why[320];
	int n;

	if (run->status == SV_RUN_TLE || run->status == SV_RUN_MLE || run->status == SV_RUN_OLE) {
		snprintf(why, sizeof(why), "the validator failed: %s", run->message);
	} else if (run->status == SV_RUN_RE && run->exit_code == VALIDATOR_EXIT_AC) {
		r->verdict = SV_VERDICT_AC;
	} else if (run->status == SV_RUN_RE && run->exit_code == VALIDATOR_EXIT_WA) {
		r->verdict = SV_VERDICT_WA;
	} else if (run->exit_code >= 0) {
		snprintf(why, sizeof(why), "the validator exited with code %d (42 is accepted, 43 wrong answer)",
			 run->exit_code);
	} else {
		snprintf(why, sizeof(why), "the validator failed: %s", run->message);
	}
	if (r->verdict == SV_VERDICT_NONE) {
		n = snprintf(r->error, sizeof(r->error), "%s", why);
		if (run->stderr_len && n > 0 && (size_t)n < sizeof(r->error) - 16)
			snprintf(r->error + n, sizeof(r->error) - (size_t)n, "; its stderr: %.*s",
				 (int)(sizeof(r->error) - (size_t)n - 16), run->stderr_buf);
		return -1;
	}
	if (run->feedback[0]) {
		if (parse_score(run->feedback[0], &r->score) < 0) {
			snprintf(r->error, sizeof(r->error), "the validator's score.txt is not a number: %.100s",
				 run->feedback[0]);
			r->verdict = SV_VERDICT_NONE;
			return -1;
		}
		r->has_score = 1;
	}
	if (run->feedback[1])
		r->judge_message = strndup(run->feedback[1], run->feedback_len[1]);
	if (run->feedback[2])
		r->team_message = strndup(run->feedback[2], run->feedback_len[2]);
	return 0;
}

/* One use of a task's validator: its cache entry, a box of this thread's, the call and the limits. */
struct use {
	struct entry *e;
	sv_sandbox_box *box;
	struct validation v;
	sv_sandbox_limits lim;
	sv_run_result run;
	char err[512];
};

/* The task's compiled validator and a box to run it in: 0, or -1 with r->error (nothing to release). */
static int begin_use(validator_cache *cache, const task_data *task, const task_test *test, const char *flags,
		     validator_result *r, struct use *u)
{
	struct entry **e = &u->e;
	sv_sandbox_box **box = &u->box;

	memset(r, 0, sizeof(*r));
	memset(&u->run, 0, sizeof(u->run));
	validation_opts(&u->v, task, test, flags);
	validation_limits(&u->lim);
	*box = NULL;
	if (!(*e = acquire(cache, task, r)))
		return -1;
	if ((*e)->state != ENTRY_READY)
		snprintf(r->error, sizeof(r->error), "%s", (*e)->error);
	else
		*box = take_box(cache, *e, r);
	if (!*box) {
		release(cache, *e, NULL);
		return -1;
	}
	return 0;
}

static int end_use(validator_cache *cache, struct use *u, validator_result *r, int rc)
{
	sv_run_result_free(&u->run);
	release(cache, u->e, u->box);
	if (rc < 0)
		r->verdict = SV_VERDICT_NONE;
	return rc;
}

int validator_check(validator_cache *cache, const task_data *task, const task_test *test, const char *flags,
		    const char *output, size_t output_len, validator_result *r)
{
	struct use u;
	int rc = -1;

	if (begin_use(cache, task, test, flags, r, &u) < 0)
		return -1;
	u.v.opts.stdin_data = output;
	u.v.opts.stdin_len = output_len;
	if (sv_sandbox_run_ex(u.box, &u.v.opts, &u.lim, &u.run, u.err, sizeof(u.err)) < 0)
		snprintf(r->error, sizeof(r->error), "the validator could not run: %.400s", u.err);
	else
		rc = read_verdict(&u.run, r);
	return end_use(cache, &u, r, rc);
}

sv_verdict validator_run_verdict(sv_run_status status)
{
	switch (status) {
	case SV_RUN_OK:
		return SV_VERDICT_NONE;
	case SV_RUN_TLE:
		return SV_VERDICT_TLE;
	case SV_RUN_MLE:
		return SV_VERDICT_MLE;
	case SV_RUN_OLE:
		return SV_VERDICT_OLE;
	default:
		return SV_VERDICT_RE;
	}
}

/* The rules of an interactive verdict (reference §3.4, as problemtools decides): a validator that failed is
 * a judge error; its WA wins when it ended first, whatever the program did next; otherwise a program that
 * failed has its own verdict; otherwise the validator's. */
int validator_interact_verdict(const sv_run_result *prog, const sv_run_result *val, int validator_first,
			       validator_result *r)
{
	sv_verdict pv = validator_run_verdict(prog->status);

	/* Stopped by us after the program's limits had ended it: the program's verdict stands. */
	if (val->aborted && !validator_first && pv != SV_VERDICT_NONE) {
		r->verdict = pv;
		return 0;
	}
	if (read_verdict(val, r) < 0)
		return -1;
	if (r->verdict == SV_VERDICT_WA && validator_first)
		return 0;
	if (pv != SV_VERDICT_NONE) {
		r->verdict = pv;
		r->has_score = 0;
	}
	return 0;
}

int validator_interact(validator_cache *cache, const task_data *task, const task_test *test, const char *flags,
		       sv_sandbox_box *program, const sv_sandbox_limits *limits, sv_run_result *prog,
		       validator_result *r)
{
	static const sv_sandbox_interaction kattis = {.accept_code = VALIDATOR_EXIT_AC};
	double prog_wall = !limits ? 0 : limits->wall_time > 0 ? limits->wall_time : 2 * limits->cpu_time + 1;
	struct use u;
	int rc = -1, validator_first = 0;

	memset(prog, 0, sizeof(*prog));
	if (begin_use(cache, task, test, flags, r, &u) < 0)
		return -1;
	/* It waits for the program: its clock must outlast the program's. */
	if (u.lim.wall_time < prog_wall + 5)
		u.lim.wall_time = prog_wall + 5;
	if (sv_sandbox_interact(program, NULL, limits, u.box, &u.v.opts, &u.lim, &kattis, prog, &u.run,
				&validator_first, u.err, sizeof(u.err)) < 0)
		snprintf(r->error, sizeof(r->error), "the interactive run failed: %.400s", u.err);
	else
		rc = validator_interact_verdict(prog, &u.run, validator_first, r);
	return end_use(cache, &u, r, rc);
}
