/* solveit-sandbox: the local sandbox from the command line, for tests, benchmarks and operators.
 *
 *   solveit-sandbox run --language ID --source FILE [--stdin FILE]... [limits]   one JSON object on stdout
 *   solveit-sandbox languages                                                    the languages file, checked
 *   solveit-sandbox mode                                                         the limit mode in use
 *   solveit-sandbox bench --language ID --source FILE -n N [-- RAW COMMAND...]    overhead figures
 *   solveit-sandbox stress --language ID --source FILE --threads T -n N          T threads x N submissions
 *
 * Exit status: 0 a verdict was printed (whatever it is), 1 the sandbox failed, 2 usage error. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "sv_log.h"

#define MAX_STDIN 16

static const char usage[] =
    "usage: solveit-sandbox run --language ID --source FILE [--stdin FILE]... [options]\n"
    "       solveit-sandbox languages [options]\n"
    "       solveit-sandbox mode [options]\n"
    "       solveit-sandbox bench --language ID --source FILE [-n N] [options] [-- RAW-COMMAND...]\n"
    "\n"
    "run compiles the source if the language needs it (inside the sandbox), runs it once per --stdin (once with\n"
    "empty input if none) and prints one JSON object: status (OK TLE MLE RE OLE CE IE), time, wall_time,\n"
    "memory (KB), exit_code, signal, stdout, stderr, compile_output, message (and for TLE limit, \"cpu\" or\n"
    "\"wall\", and run_delay, the seconds it waited for a CPU, when known); with several --stdin, \"runs\"\n"
    "holds one such object per input as well.\n"
    "\n"
    "options:\n"
    "  --time-limit S        CPU seconds (default 2)\n"
    "  --wall-time-limit S   wall seconds (default CPU + max(0.5, 25% of CPU), the margin at most 5)\n"
    "  --memory-limit KB     memory (default 262144)\n"
    "  --stack-limit KB      stack (default 65536)\n"
    "  --processes N         processes and threads (default 64)\n"
    "  --file-size-limit KB  largest file written (default 16384)\n"
    "  --open-files N        open files (default 64)\n"
    "  --output-limit KB     stdout cap (default 8192)\n"
    "  --stderr-limit KB     stderr cap (default 1024)\n"
    "  --compile-time-limit S  compile CPU seconds (default 10)\n"
    "  --languages FILE      languages data file ($SOLVEIT_LANGUAGES)\n"
    "  --mode M              auto, v2, v1 or rlimit ($SOLVEIT_SANDBOX_MODE)\n"
    "  --state-dir DIR       where boxes live ($SOLVEIT_SANDBOX_DIR, default /run/solveit-sandbox)\n"
    "  --init PATH           solveit-sandbox-init ($SOLVEIT_SANDBOX_INIT)\n"
    "  --first-uid N         box n runs as uid/gid N + n (default 60000)\n"
    "  --max-boxes N         boxes (submissions prepared at once) in the state directory (default 256)\n"
    "  -n N                  bench: runs of each kind (default 100)\n"
    "  -v, --verbose         log at debug level to stderr\n"
    "  -h, --help            this text\n";

/* cJSON strings are C strings and the output is meant for JSON readers: NUL and invalid UTF-8 bytes become
 * U+FFFD. */
static char *utf8_clean(const char *s, size_t len)
{
	char *out = malloc(len * 3 + 1), *o = out;
	size_t i = 0;

	if (!out)
		return NULL;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		int ok = n > 0 && c != 0 && i + n <= len && !(n == 2 && c < 0xC2);

		for (size_t k = 1; ok && k < n; k++)
			ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
		if (ok) {
			memcpy(o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	return out;
}

static void add_text(cJSON *obj, const char *key, const char *s, size_t len)
{
	char *clean = utf8_clean(s ? s : "", s ? len : 0);

	cJSON_AddStringToObject(obj, key, clean ? clean : "");
	free(clean);
}

static cJSON *result_json(const sv_run_result *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", sv_run_status_name(r->status));
	cJSON_AddNumberToObject(o, "time", r->time);
	cJSON_AddNumberToObject(o, "wall_time", r->wall_time);
	cJSON_AddNumberToObject(o, "memory", (double)r->memory_kb);
	if (r->status == SV_RUN_TLE)
		cJSON_AddStringToObject(o, "limit", r->wall_exceeded ? "wall" : "cpu");
	if (r->status == SV_RUN_TLE && r->wall_exceeded && r->run_delay >= 0)
		cJSON_AddNumberToObject(o, "run_delay", r->run_delay);
	if (r->exit_code >= 0)
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	if (r->signal > 0)
		cJSON_AddNumberToObject(o, "signal", r->signal);
	else
		cJSON_AddNullToObject(o, "signal");
	add_text(o, "stdout", r->stdout_buf, r->stdout_len);
	add_text(o, "stderr", r->stderr_buf, r->stderr_len);
	cJSON_AddNumberToObject(o, "stdout_bytes", (double)r->stdout_len);
	cJSON_AddNumberToObject(o, "stderr_bytes", (double)r->stderr_len);
	cJSON_AddStringToObject(o, "message", r->message);
	return o;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			char *bigger = realloc(buf, cap = cap * 2 + 65536);

			if (!bigger) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* fork + execve + wait4 with stdout on /dev/null: the floor the sandbox is measured against. */
static double raw_run(char **argv)
{
	double t0 = now_s();
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return now_s() - t0;
}

/* stress: several threads of one process preparing, running and destroying boxes at once, as a worker with
 * several judging threads does; every run must be OK and nothing may hang. */
struct stress_job {
	sv_sandbox *sb;
	int language, n, ok;
	const char *source;
	size_t source_len;
	const sv_sandbox_limits *lim;
	pthread_t thread;
};

static void *stress_thread(void *arg)
{
	struct stress_job *job = arg;
	char err[512];

	for (int i = 0; i < job->n; i++) {
		sv_sandbox_box *box = NULL;
		sv_run_result r = {0};

		if (sv_sandbox_prepare(job->sb, job->language, job->source, job->source_len, NULL, &box, NULL, err,
				       sizeof(err)) != 0) {
			fprintf(stderr, "solveit-sandbox: prepare: %s\n", err);
			continue;
		}
		if (sv_sandbox_run(box, "", 0, job->lim, &r, err, sizeof(err)) == 0 && r.status == SV_RUN_OK)
			job->ok++;
		else
			fprintf(stderr, "solveit-sandbox: run: %s %s\n", sv_run_status_name(r.status), r.message);
		sv_run_result_free(&r);
		sv_sandbox_destroy(box);
	}
	return NULL;
}

static int stress(sv_sandbox *sb, int language, const char *source, size_t source_len, const sv_sandbox_limits *lim,
		  int threads, int n)
{
	struct stress_job jobs[64];
	int ok = 0;

	for (int t = 0; t < threads; t++) {
		jobs[t] = (struct stress_job){
		    .sb = sb, .language = language, .n = n, .source = source, .source_len = source_len, .lim = lim};
		if (pthread_create(&jobs[t].thread, NULL, stress_thread, &jobs[t]) != 0) {
			fprintf(stderr, "solveit-sandbox: cannot start thread %d\n", t);
			threads = t;
			break;
		}
	}
	for (int t = 0; t < threads; t++) {
		pthread_join(jobs[t].thread, NULL);
		ok += jobs[t].ok;
	}
	printf("{\"threads\": %d, \"runs\": %d, \"ok\": %d}\n", threads, threads * n, ok);
	return ok == threads * n ? 0 : 1;
}

enum {
	OPT_LANGUAGE = 256,
	OPT_SOURCE,
	OPT_STDIN,
	OPT_TIME,
	OPT_WALL,
	OPT_MEMORY,
	OPT_STACK,
	OPT_PROCESSES,
	OPT_FSIZE,
	OPT_NOFILE,
	OPT_OUTPUT,
	OPT_STDERR,
	OPT_COMPILE_TIME,
	OPT_LANGUAGES,
	OPT_MODE,
	OPT_STATE,
	OPT_INIT,
	OPT_FIRST_UID,
	OPT_MAX_BOXES,
	OPT_THREADS,
};

static int parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"language", required_argument, NULL, OPT_LANGUAGE},
	    {"source", required_argument, NULL, OPT_SOURCE},
	    {"stdin", required_argument, NULL, OPT_STDIN},
	    {"time-limit", required_argument, NULL, OPT_TIME},
	    {"wall-time-limit", required_argument, NULL, OPT_WALL},
	    {"memory-limit", required_argument, NULL, OPT_MEMORY},
	    {"stack-limit", required_argument, NULL, OPT_STACK},
	    {"processes", required_argument, NULL, OPT_PROCESSES},
	    {"file-size-limit", required_argument, NULL, OPT_FSIZE},
	    {"open-files", required_argument, NULL, OPT_NOFILE},
	    {"output-limit", required_argument, NULL, OPT_OUTPUT},
	    {"stderr-limit", required_argument, NULL, OPT_STDERR},
	    {"compile-time-limit", required_argument, NULL, OPT_COMPILE_TIME},
	    {"languages", required_argument, NULL, OPT_LANGUAGES},
	    {"mode", required_argument, NULL, OPT_MODE},
	    {"state-dir", required_argument, NULL, OPT_STATE},
	    {"init", required_argument, NULL, OPT_INIT},
	    {"first-uid", required_argument, NULL, OPT_FIRST_UID},
	    {"max-boxes", required_argument, NULL, OPT_MAX_BOXES},
	    {"threads", required_argument, NULL, OPT_THREADS},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	sv_sandbox_config cfg = {0};
	sv_sandbox_limits lim = {0}, clim = {0};
	const char *cmd, *source_path = NULL, *stdin_paths[MAX_STDIN];
	int language = -1, n_stdin = 0, bench_n = 100, c, verbose = 0, rc = 1, threads = 4;
	sv_sandbox *sb = NULL;
	sv_sandbox_box *box = NULL;
	sv_run_result compile = {0};
	char err[1024], *source = NULL;
	size_t source_len = 0;
	double v;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "n:vh", opts, NULL)) != -1) {
		const char *a = optarg;
		int bad = 0;

		switch (c) {
		case OPT_LANGUAGE:
			bad = parse_num(a, 1, 100000, &v) < 0;
			language = (int)v;
			break;
		case OPT_SOURCE:
			source_path = a;
			break;
		case OPT_STDIN:
			if (n_stdin == MAX_STDIN) {
				fprintf(stderr, "solveit-sandbox: at most %d --stdin\n", MAX_STDIN);
				return 2;
			}
			stdin_paths[n_stdin++] = a;
			break;
		case OPT_TIME:
			bad = parse_num(a, 0.001, 600, &lim.cpu_time) < 0;
			break;
		case OPT_WALL:
			bad = parse_num(a, 0.001, 1200, &lim.wall_time) < 0;
			break;
		case OPT_MEMORY:
			bad = parse_num(a, 1024, 64.0 * 1024 * 1024, &v) < 0;
			lim.memory_kb = (long)v;
			break;
		case OPT_STACK:
			bad = parse_num(a, 64, 16.0 * 1024 * 1024, &v) < 0;
			lim.stack_kb = (long)v;
			break;
		case OPT_PROCESSES:
			bad = parse_num(a, 1, 100000, &v) < 0;
			lim.processes = (int)v;
			break;
		case OPT_FSIZE:
			bad = parse_num(a, 1, 64.0 * 1024 * 1024, &v) < 0;
			lim.file_size_kb = (long)v;
			break;
		case OPT_NOFILE:
			bad = parse_num(a, 4, 1048576, &v) < 0;
			lim.open_files = (int)v;
			break;
		case OPT_OUTPUT:
			bad = parse_num(a, 1, 4.0 * 1024 * 1024, &v) < 0;
			lim.stdout_kb = (long)v;
			break;
		case OPT_STDERR:
			bad = parse_num(a, 1, 4.0 * 1024 * 1024, &v) < 0;
			lim.stderr_kb = (long)v;
			break;
		case OPT_COMPILE_TIME:
			bad = parse_num(a, 0.001, 600, &clim.cpu_time) < 0;
			break;
		case OPT_LANGUAGES:
			cfg.languages_path = a;
			break;
		case OPT_MODE:
			if (!strcmp(a, "auto"))
				cfg.mode = SV_SANDBOX_MODE_AUTO;
			else if (!strcmp(a, "v2"))
				cfg.mode = SV_SANDBOX_MODE_CGROUP_V2;
			else if (!strcmp(a, "v1"))
				cfg.mode = SV_SANDBOX_MODE_CGROUP_V1;
			else if (!strcmp(a, "rlimit"))
				cfg.mode = SV_SANDBOX_MODE_RLIMIT;
			else
				bad = 1;
			break;
		case OPT_STATE:
			cfg.state_dir = a;
			break;
		case OPT_INIT:
			cfg.init_path = a;
			break;
		case OPT_FIRST_UID:
			bad = parse_num(a, 1000, 4000000000.0, &v) < 0;
			cfg.first_uid = (unsigned)v;
			break;
		case OPT_MAX_BOXES:
			bad = parse_num(a, 1, 65536, &v) < 0;
			cfg.max_boxes = (unsigned)v;
			break;
		case OPT_THREADS:
			bad = parse_num(a, 1, 64, &v) < 0;
			threads = (int)v;
			break;
		case 'n':
			bad = parse_num(a, 1, 1000000, &v) < 0;
			bench_n = (int)v;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return 2;
		}
		if (bad) {
			fprintf(stderr, "solveit-sandbox: bad value for %s: %s\n", argv[optind - 1], a);
			return 2;
		}
	}
	sv_log_use_stderr_or_syslog("solveit-sandbox", 1, verbose ? SV_LOG_DEBUG : SV_LOG_NOTICE);

	if (strcmp(cmd, "run") && strcmp(cmd, "languages") && strcmp(cmd, "mode") && strcmp(cmd, "bench") &&
	    strcmp(cmd, "stress")) {
		fprintf(stderr, "solveit-sandbox: unknown command %s\n%s", cmd, usage);
		return 2;
	}
	if ((!strcmp(cmd, "run") || !strcmp(cmd, "bench") || !strcmp(cmd, "stress")) &&
	    (language < 0 || !source_path)) {
		fprintf(stderr, "solveit-sandbox: %s needs --language and --source\n", cmd);
		return 2;
	}
	if (source_path) {
		source = read_file(source_path, &source_len);
		if (!source) {
			fprintf(stderr, "solveit-sandbox: cannot read %s: %s\n", source_path, strerror(errno));
			return 2;
		}
	}
	if (sv_sandbox_open(&cfg, &sb, err, sizeof(err)) < 0) {
		fprintf(stderr, "solveit-sandbox: %s\n", err);
		free(source);
		return 1;
	}

	if (!strcmp(cmd, "mode")) {
		printf("%s\n", sv_sandbox_mode_name(sv_sandbox_mode_get(sb)));
		rc = 0;
	} else if (!strcmp(cmd, "languages")) {
		cJSON *arr = cJSON_CreateArray();
		char *text;

		for (size_t i = 0; i < sv_sandbox_language_count(sb); i++) {
			const sv_language *l = sv_sandbox_language_at(sb, i);
			cJSON *o = cJSON_CreateObject();

			cJSON_AddNumberToObject(o, "id", l->id);
			cJSON_AddStringToObject(o, "name", l->name);
			cJSON_AddStringToObject(o, "source_file", l->source_file);
			cJSON_AddBoolToObject(o, "compiled", l->compiled);
			cJSON_AddBoolToObject(o, "available", l->available);
			if (l->unavailable)
				cJSON_AddStringToObject(o, "unavailable", l->unavailable);
			cJSON_AddItemToArray(arr, o);
		}
		text = cJSON_Print(arr);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(arr);
		rc = 0;
	} else if (!strcmp(cmd, "stress")) {
		rc = stress(sb, language, source, source_len, &lim, threads, bench_n);
	} else {
		int prc = sv_sandbox_prepare(sb, language, source, source_len, &clim, &box, &compile, err, sizeof(err));

		if (prc < 0) {
			fprintf(stderr, "solveit-sandbox: %s\n", err);
			goto out;
		}
		if (!strcmp(cmd, "bench")) {
			double *sand = calloc((size_t)bench_n, sizeof(double)),
			       *raw = calloc((size_t)bench_n, sizeof(double));
			char **raw_argv = optind < argc ? argv + optind : NULL;
			int ok = prc == 0 && sand && raw;

			for (int i = 0; ok && i < bench_n; i++) {
				sv_run_result r;
				double t0 = now_s();

				if (sv_sandbox_run(box, "", 0, &lim, &r, err, sizeof(err)) < 0 ||
				    r.status != SV_RUN_OK) {
					fprintf(stderr, "solveit-sandbox: run %d: %s %s\n", i,
						sv_run_status_name(r.status), r.message);
					ok = 0;
				}
				sand[i] = now_s() - t0;
				sv_run_result_free(&r);
				if (ok && raw_argv && (raw[i] = raw_run(raw_argv)) < 0) {
					fprintf(stderr, "solveit-sandbox: raw run of %s failed\n", raw_argv[0]);
					ok = 0;
				}
			}
			if (ok) {
				double ms = median(sand, bench_n) * 1000;

				printf("{\"n\": %d, \"mode\": \"%s\", \"sandbox_median_ms\": %.3f", bench_n,
				       sv_sandbox_mode_name(sv_sandbox_mode_get(sb)), ms);
				if (raw_argv) {
					double mr = median(raw, bench_n) * 1000;

					printf(", \"raw_median_ms\": %.3f, \"overhead_ms\": %.3f, \"ratio\": %.2f", mr,
					       ms - mr, ms / mr);
				}
				printf("}\n");
				rc = 0;
			}
			free(sand);
			free(raw);
		} else {
			cJSON *top = NULL, *runs = cJSON_CreateArray();
			char *text;

			for (int i = 0; prc == 0 && i < (n_stdin ? n_stdin : 1); i++) {
				sv_run_result r;
				char *in = NULL;
				size_t in_len = 0;

				if (n_stdin && !(in = read_file(stdin_paths[i], &in_len))) {
					fprintf(stderr, "solveit-sandbox: cannot read %s: %s\n", stdin_paths[i],
						strerror(errno));
					cJSON_Delete(runs);
					goto out;
				}
				if (sv_sandbox_run(box, in ? in : "", in_len, &lim, &r, err, sizeof(err)) < 0) {
					fprintf(stderr, "solveit-sandbox: %s\n", err);
					free(in);
					sv_run_result_free(&r);
					cJSON_Delete(runs);
					goto out;
				}
				free(in);
				cJSON_AddItemToArray(runs, result_json(&r));
				sv_run_result_free(&r);
			}
			if (prc == 1) {
				top = result_json(&compile);
				cJSON_ReplaceItemInObject(top, "stdout", cJSON_CreateString(""));
			} else {
				top = cJSON_Duplicate(cJSON_GetArrayItem(runs, 0), 1);
			}
			add_text(top, "compile_output", compile.stdout_buf, compile.stdout_len);
			cJSON_AddNumberToObject(top, "compile_time", compile.time);
			cJSON_AddNumberToObject(top, "language_id", language);
			cJSON_AddStringToObject(top, "mode", sv_sandbox_mode_name(sv_sandbox_mode_get(sb)));
			if (n_stdin > 1)
				cJSON_AddItemToObject(top, "runs", runs);
			else
				cJSON_Delete(runs);
			text = cJSON_PrintUnformatted(top);
			printf("%s\n", text);
			free(text);
			cJSON_Delete(top);
			rc = 0;
		}
	}
out:
	sv_sandbox_destroy(box);
	sv_run_result_free(&compile);
	sv_sandbox_close(sb);
	free(source);
	return rc;
}
