/* solveit-judge-driver: the local executor and the validators (judge-worker/executor_local.c,
 * validator.c) from a JSON description of a task, for tests/sandbox/test_validators.py. Not installed.
 *
 *   solveit-judge-driver SPEC.json     prints one JSON object per judgement on stdout
 *
 * SPEC: {"validator": "default"|"custom"|"interactive", "validator_language": 54, "validator_source": PATH,
 *        "validator_files": [{"name": "v.h", "path": PATH}], "validator_flags": "", "task_id": 1,
 *        "revision": 1, "time_limit_ms": 1000, "wall_limit_ms": 0, "memory_limit_kb": 262144,
 *        "output_limit_kb": 0, "factors": {"71": 2.0}, "language": 54, "source": PATH,
 *        "tests": [{"input": PATH, "answer": PATH, "flags": ""}], "paths": true (the validator sees the
 *        files by path; false: from memory), "stop_after_failure": false, "threads": 1, "repeat": 1,
 *        "bump_revision": false (one thread: each repetition judges the next revision of the task),
 *        "compile_cache": DIR (the executor's compile cache; missing: off), "compile_cache_max_bytes": N}
 * Each judgement: {"status": "DONE"|"CE"|"FAILED"|"CANCELLED", "error", "compiler_output",
 *        "tests": [{"index", "verdict", "checked", "score", "judge_message", "team_message", "message",
 *        "stderr", "exit_code", "time", "memory", "validator_error"}]}
 * The custom validator is called from the test callback, as the worker does. The worker's counters end
 * stderr as one line "stats: received=0 ... compile_cache_hits=N compile_cache_misses=M". Exit 0, or 2 on a
 * bad spec. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor.h"
#include "sv_log.h"
#include "validator.h"
#include "worker_config.h"
#include "worker_stats.h"

struct judgement {
	const exec_request *base;
	cJSON *tests;
	validator_cache *cache;
	int stop_after_failure, failed;
	cJSON *out;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void add_text(cJSON *o, const char *key, const char *s, size_t len)
{
	char *copy = s ? strndup(s, len) : NULL;

	if (copy)
		cJSON_AddStringToObject(o, key, copy);
	else
		cJSON_AddNullToObject(o, key);
	free(copy);
}

static int should_run(void *baton, size_t index)
{
	struct judgement *j = baton;

	(void)index;
	return !(j->stop_after_failure && j->failed);
}

static int on_test(void *baton, size_t index, const exec_test_result *r)
{
	struct judgement *j = baton;
	const task_data *task = j->base->task;
	cJSON *o = cJSON_CreateObject();
	sv_verdict v = r->verdict;
	validator_result vr;

	memset(&vr, 0, sizeof(vr));
	cJSON_AddNumberToObject(o, "index", (double)index);
	cJSON_AddBoolToObject(o, "checked", r->checked);
	if (!r->checked && v == SV_VERDICT_NONE && task->validator == VALIDATOR_CUSTOM) {
		const task_test *t = &task->tests[index];
		const char *flags = t->group >= 0 ? task->groups[t->group].validator_flags : "";

		if (validator_check(j->cache, task, t, flags, r->output, r->output_len, &vr) < 0)
			cJSON_AddStringToObject(o, "validator_error", vr.error);
		v = vr.verdict;
		if (vr.has_score)
			cJSON_AddNumberToObject(o, "score", vr.score);
		add_text(o, "judge_message", vr.judge_message, vr.judge_message ? strlen(vr.judge_message) : 0);
		add_text(o, "team_message", vr.team_message, vr.team_message ? strlen(vr.team_message) : 0);
	} else {
		if (r->has_score)
			cJSON_AddNumberToObject(o, "score", r->score);
		add_text(o, "judge_message", r->judge_message, r->judge_message ? strlen(r->judge_message) : 0);
		add_text(o, "team_message", r->team_message, r->team_message ? strlen(r->team_message) : 0);
	}
	if (v == SV_VERDICT_NONE && task->validator == VALIDATOR_DEFAULT)
		v = SV_VERDICT_AC; /* this driver does not check default outputs: the tests look at "output" */
	cJSON_AddStringToObject(o, "verdict", v == SV_VERDICT_NONE ? "NONE" : sv_verdict_name(v));
	add_text(o, "message", r->message, strlen(r->message));
	add_text(o, "output", r->output, r->output_len);
	add_text(o, "stderr", r->stderr_head, r->stderr_len);
	cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	cJSON_AddNumberToObject(o, "time", r->time);
	cJSON_AddNumberToObject(o, "memory", (double)r->memory);
	cJSON_AddItemToArray(j->tests, o);
	if (v != SV_VERDICT_AC)
		j->failed = 1;
	validator_result_free(&vr);
	return 0;
}

struct worker {
	const executor_ops *ops;
	void *state;
	exec_request req;
	validator_cache *cache;
	int stop_after_failure, repeat, bump_revision;
	cJSON *results;
	pthread_mutex_t *lock;
};

static void *judge_thread(void *arg)
{
	struct worker *w = arg;
	static const char *const status[] = {"DONE", "CE", "FAILED", "REJECTED", "CANCELLED"};

	for (int k = 0; k < w->repeat; k++) {
		if (k > 0 && w->bump_revision)
			((task_data *)w->req.task)->revision++; /* one thread only: a new revision of the task */
		struct judgement j = {.base = &w->req,
				      .tests = cJSON_CreateArray(),
				      .cache = w->cache,
				      .stop_after_failure = w->stop_after_failure};
		exec_request req = w->req;
		exec_outcome out;
		cJSON *o = cJSON_CreateObject();

		req.baton = &j;
		req.on_test = on_test;
		req.should_run = should_run;
		w->ops->judge(w->state, &req, &out);
		cJSON_AddStringToObject(o, "status", status[out.status]);
		cJSON_AddStringToObject(o, "error", out.error);
		add_text(o, "compiler_output", out.compiler_output,
			 out.compiler_output ? strlen(out.compiler_output) : 0);
		cJSON_AddItemToObject(o, "tests", j.tests);
		free(out.compiler_output);
		pthread_mutex_lock(w->lock);
		cJSON_AddItemToArray(w->results, o);
		pthread_mutex_unlock(w->lock);
	}
	return NULL;
}

static int num(const cJSON *spec, const char *key, int def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);

	return cJSON_IsNumber(v) ? v->valueint : def;
}

static const char *str(const cJSON *spec, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int load_task(const cJSON *spec, task_data *task)
{
	const char *kind = str(spec, "validator"), *vs = str(spec, "validator_source");
	const cJSON *tests = cJSON_GetObjectItemCaseSensitive(spec, "tests"), *t;
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(spec, "validator_files"), *f;
	const cJSON *factors = cJSON_GetObjectItemCaseSensitive(spec, "factors");
	int paths = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(spec, "paths"));
	size_t i = 0;

	memset(task, 0, sizeof(*task));
	task->id = num(spec, "task_id", 1);
	task->revision = num(spec, "revision", 1);
	task->type = TASK_TYPE_PASS_FAIL;
	task->time_limit_ms = num(spec, "time_limit_ms", 1000);
	task->wall_limit_ms = num(spec, "wall_limit_ms", 0);
	task->memory_limit_kb = num(spec, "memory_limit_kb", 262144);
	task->output_limit_kb = num(spec, "output_limit_kb", 0);
	task->validator = !kind || !strcmp(kind, "default") ? VALIDATOR_DEFAULT
			  : !strcmp(kind, "custom")         ? VALIDATOR_CUSTOM
							    : VALIDATOR_INTERACTIVE;
	task->validator_flags = (char *)(str(spec, "validator_flags") ? str(spec, "validator_flags") : "");
	task->validator_language_id = num(spec, "validator_language", 54);
	if (vs && !(task->validator_source = slurp(vs, &task->validator_source_len)))
		return -1;
	task->validator_file_count = (size_t)cJSON_GetArraySize(files);
	task->validator_files = calloc(task->validator_file_count + 1, sizeof(task_file));
	cJSON_ArrayForEach(f, files)
	{
		task_file *tf = &task->validator_files[i++];

		snprintf(tf->name, sizeof(tf->name), "%s", str(f, "name"));
		snprintf(tf->sha256, sizeof(tf->sha256), "%s", str(f, "path"));
		if (!(tf->data = slurp(str(f, "path"), &tf->data_len)))
			return -1;
	}
	task->factor_count = (size_t)cJSON_GetArraySize(factors);
	task->factor_language_ids = calloc(task->factor_count + 1, sizeof(int));
	task->factors = calloc(task->factor_count + 1, sizeof(double));
	i = 0;
	cJSON_ArrayForEach(f, factors)
	{
		task->factor_language_ids[i] = atoi(f->string);
		task->factors[i++] = f->valuedouble;
	}
	task->test_count = (size_t)cJSON_GetArraySize(tests);
	task->tests = calloc(task->test_count + 1, sizeof(task_test));
	task->groups = calloc(task->test_count + 1, sizeof(task_group));
	task->group_count = task->test_count;
	i = 0;
	cJSON_ArrayForEach(t, tests)
	{
		task_test *tt = &task->tests[i];

		/* One group per test, for its validator flags. */
		task->groups[i].validator_flags = (char *)(str(t, "flags") ? str(t, "flags") : "");
		task->groups[i].parent = -1;
		tt->group = (int)i;
		tt->order = (int)i + 1;
		if (!(tt->input = slurp(str(t, "input"), &tt->input_len)) ||
		    !(tt->expected = slurp(str(t, "answer"), &tt->expected_len)))
			return -1;
		if (paths) {
			tt->input_path = (char *)str(t, "input");
			tt->answer_path = (char *)str(t, "answer");
		}
		i++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t len;
	char *text = argc == 2 ? slurp(argv[1], &len) : NULL, err[512];
	cJSON *spec = text ? cJSON_Parse(text) : NULL, *results = cJSON_CreateArray();
	task_data task;
	struct worker w = {0};
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_t threads[16];
	int nthreads;
	char *code, *printed, stats[2048];
	size_t code_len;
	worker_config cfg;
	const char *cache_dir;

	sv_log_use_stderr_or_syslog("solveit-judge-driver", 1, SV_LOG_NOTICE);
	if (!spec || load_task(spec, &task) < 0 || !str(spec, "source") ||
	    !(code = slurp(str(spec, "source"), &code_len))) {
		fprintf(stderr, "usage: solveit-judge-driver SPEC.json (a readable spec naming readable files)\n");
		return 2;
	}
	w.ops = &executor_local;
	worker_config_init(&cfg);
	cache_dir = str(spec, "compile_cache");
	free(cfg.compile_cache_dir);
	cfg.compile_cache_dir = strdup(cache_dir ? cache_dir : "none");
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(spec, "compile_cache_max_bytes")))
		cfg.compile_cache_max_bytes =
		    (long)cJSON_GetObjectItemCaseSensitive(spec, "compile_cache_max_bytes")->valuedouble;
	if (w.ops->open(&cfg, &w.state, err, sizeof(err)) < 0 ||
	    validator_cache_open(NULL, &w.cache, err, sizeof(err))) {
		fprintf(stderr, "solveit-judge-driver: %s\n", err);
		return 1;
	}
	w.req.language_id = num(spec, "language", 54);
	w.req.code = code;
	w.req.code_len = code_len;
	w.req.task = &task;
	w.req.validators = w.cache;
	w.stop_after_failure = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "stop_after_failure"));
	w.repeat = num(spec, "repeat", 1);
	w.results = results;
	w.lock = &lock;
	nthreads = num(spec, "threads", 1);
	if (nthreads < 1 || nthreads > 16)
		nthreads = 1;
	w.bump_revision = nthreads == 1 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "bump_revision"));
	for (int i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, judge_thread, &w);
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	printed = cJSON_PrintUnformatted(results);
	printf("%s\n", printed);
	free(printed);
	cJSON_Delete(results);
	validator_cache_close(w.cache);
	w.ops->close(w.state);
	stats_format(stats, sizeof(stats));
	fprintf(stderr, "stats: %s\n", stats);
	worker_config_free(&cfg);
	return 0;
}
