#include "verdict_map.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Signal numbers on Linux x86-64 and arm64, where Judge0 and our sandbox run. */
enum { SIG_KILL = 9, SIG_XCPU = 24, SIG_XFSZ = 25 };

static const char *const judge0_descriptions[] = {
    [JUDGE0_IN_QUEUE] = "In Queue",
    [JUDGE0_PROCESSING] = "Processing",
    [JUDGE0_ACCEPTED] = "Accepted",
    [JUDGE0_WRONG_ANSWER] = "Wrong Answer",
    [JUDGE0_TIME_LIMIT_EXCEEDED] = "Time Limit Exceeded",
    [JUDGE0_COMPILATION_ERROR] = "Compilation Error",
    [JUDGE0_RE_SIGSEGV] = "Runtime Error (SIGSEGV)",
    [JUDGE0_RE_SIGXFSZ] = "Runtime Error (SIGXFSZ)",
    [JUDGE0_RE_SIGFPE] = "Runtime Error (SIGFPE)",
    [JUDGE0_RE_SIGABRT] = "Runtime Error (SIGABRT)",
    [JUDGE0_RE_NZEC] = "Runtime Error (NZEC)",
    [JUDGE0_RE_OTHER] = "Runtime Error (Other)",
    [JUDGE0_INTERNAL_ERROR] = "Internal Error",
    [JUDGE0_EXEC_FORMAT_ERROR] = "Exec Format Error",
};

static const char *const signal_names[] = {
    [1] = "SIGHUP",   [2] = "SIGINT",   [3] = "SIGQUIT",  [4] = "SIGILL",   [5] = "SIGTRAP",  [6] = "SIGABRT",
    [7] = "SIGBUS",   [8] = "SIGFPE",   [9] = "SIGKILL",  [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
    [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM", [24] = "SIGXCPU", [25] = "SIGXFSZ", [31] = "SIGSYS",
};

const char *verdict_map_judge0_description(int status_id)
{
	if (status_id < JUDGE0_IN_QUEUE || status_id > JUDGE0_EXEC_FORMAT_ERROR)
		return NULL;
	return judge0_descriptions[status_id];
}

void verdict_map_describe_exit(int exit_code, int signal, char *out, size_t outlen)
{
	const char *name = signal > 0 && (size_t)signal < COUNT(signal_names) ? signal_names[signal] : NULL;

	if (!out || outlen == 0)
		return;
	if (signal > 0 && name)
		snprintf(out, outlen, "killed by signal %d (%s)", signal, name);
	else if (signal > 0)
		snprintf(out, outlen, "killed by signal %d", signal);
	else
		snprintf(out, outlen, "exited with code %d", exit_code);
}

static void set_reason(char *reason, size_t reasonlen, const char *text)
{
	if (reason && reasonlen)
		snprintf(reason, reasonlen, "%s", text);
}

/* The signal that ended a Judge0 runtime error, or 0 when the program exited by itself. */
static int judge0_signal(const judge0_run *run)
{
	switch (run->status_id) {
	case JUDGE0_RE_SIGSEGV:
		return 11;
	case JUDGE0_RE_SIGXFSZ:
		return SIG_XFSZ;
	case JUDGE0_RE_SIGFPE:
		return 8;
	case JUDGE0_RE_SIGABRT:
		return 6;
	default:
		break;
	}
	if (run->has_exit_signal && run->exit_signal > 0)
		return run->exit_signal;
	/* The program runs under "/bin/bash run", which exits with 128+n when its child dies of signal n. */
	if (run->has_exit_code && run->exit_code > 128 && run->exit_code <= 128 + 64)
		return run->exit_code - 128;
	return 0;
}

static verdict_map_outcome judge0_runtime_error(const judge0_run *run, sv_verdict *verdict, char *reason,
						size_t reasonlen)
{
	int signal = judge0_signal(run);
	int memory_known = run->memory >= 0 && run->memory_limit > 0;
	char text[128];

	if (memory_known &&
	    (run->memory >= run->memory_limit ||
	     (signal == SIG_KILL && (double)run->memory >= VERDICT_MAP_OOM_SHARE * (double)run->memory_limit))) {
		*verdict = SV_VERDICT_MLE;
		snprintf(text, sizeof(text), "memory limit exceeded (used %lld KB of %lld KB)", run->memory,
			 run->memory_limit);
	} else if (signal == SIG_XFSZ ||
		   (signal == 0 && run->stderr_text && strstr(run->stderr_text, "File too large"))) {
		*verdict = SV_VERDICT_OLE;
		snprintf(text, sizeof(text), "output limit exceeded");
	} else if (signal == SIG_XCPU) {
		*verdict = SV_VERDICT_TLE;
		snprintf(text, sizeof(text), "time limit exceeded (SIGXCPU)");
	} else {
		*verdict = SV_VERDICT_RE;
		verdict_map_describe_exit(run->has_exit_code ? run->exit_code : 0, signal, text, sizeof(text));
	}
	set_reason(reason, reasonlen, text);
	return VERDICT_MAP_FINAL;
}

verdict_map_outcome verdict_map_judge0(const judge0_run *run, sv_verdict *verdict, char *reason, size_t reasonlen)
{
	char text[256];

	set_reason(reason, reasonlen, "");
	switch (run->status_id) {
	case JUDGE0_IN_QUEUE:
	case JUDGE0_PROCESSING:
		return VERDICT_MAP_PENDING;
	case JUDGE0_ACCEPTED:
	case JUDGE0_WRONG_ANSWER:
		return VERDICT_MAP_CHECK;
	case JUDGE0_TIME_LIMIT_EXCEEDED:
		*verdict = SV_VERDICT_TLE;
		set_reason(reason, reasonlen, run->message && *run->message ? run->message : "Time limit exceeded");
		return VERDICT_MAP_FINAL;
	case JUDGE0_COMPILATION_ERROR:
		*verdict = SV_VERDICT_CE;
		set_reason(reason, reasonlen, "compilation failed");
		return VERDICT_MAP_FINAL;
	case JUDGE0_RE_SIGSEGV:
	case JUDGE0_RE_SIGXFSZ:
	case JUDGE0_RE_SIGFPE:
	case JUDGE0_RE_SIGABRT:
	case JUDGE0_RE_NZEC:
	case JUDGE0_RE_OTHER:
		return judge0_runtime_error(run, verdict, reason, reasonlen);
	case JUDGE0_EXEC_FORMAT_ERROR:
		*verdict = SV_VERDICT_RE;
		snprintf(text, sizeof(text), "the program could not be executed (Exec Format Error%s%.200s)",
			 run->message && *run->message ? ": " : "", run->message ? run->message : "");
		set_reason(reason, reasonlen, text);
		return VERDICT_MAP_FINAL;
	case JUDGE0_INTERNAL_ERROR:
		snprintf(text, sizeof(text), "Judge0 internal error%s%.200s", run->message && *run->message ? ": " : "",
			 run->message ? run->message : "");
		set_reason(reason, reasonlen, text);
		return VERDICT_MAP_ERROR;
	default:
		snprintf(text, sizeof(text), "unknown Judge0 status id %d", run->status_id);
		set_reason(reason, reasonlen, text);
		return VERDICT_MAP_ERROR;
	}
}

static const char *const sandbox_outcome_names[] = {
    [SANDBOX_OUTCOME_OK] = "OK", [SANDBOX_OUTCOME_TLE] = "TLE", [SANDBOX_OUTCOME_MLE] = "MLE",
    [SANDBOX_OUTCOME_RE] = "RE", [SANDBOX_OUTCOME_OLE] = "OLE", [SANDBOX_OUTCOME_CE] = "CE",
    [SANDBOX_OUTCOME_IE] = "IE",
};

int verdict_map_sandbox_outcome_parse(const char *name, sandbox_outcome *out)
{
	int i = sv_name_index(sandbox_outcome_names, COUNT(sandbox_outcome_names), name);

	if (i < 0)
		return -1;
	*out = (sandbox_outcome)i;
	return 0;
}

sv_verdict verdict_map_sandbox(sandbox_outcome outcome, sv_verdict checked)
{
	switch (outcome) {
	case SANDBOX_OUTCOME_OK:
		return checked == SV_VERDICT_AC ? SV_VERDICT_AC : SV_VERDICT_WA;
	case SANDBOX_OUTCOME_TLE:
		return SV_VERDICT_TLE;
	case SANDBOX_OUTCOME_MLE:
		return SV_VERDICT_MLE;
	case SANDBOX_OUTCOME_OLE:
		return SV_VERDICT_OLE;
	case SANDBOX_OUTCOME_CE:
		return SV_VERDICT_CE;
	case SANDBOX_OUTCOME_RE:
		return SV_VERDICT_RE;
	case SANDBOX_OUTCOME_IE:
	default:
		return SV_VERDICT_NONE;
	}
}

wall_kill verdict_map_wall_kill(double cpu, double cpu_limit, double wall, double run_delay)
{
	if (!(cpu < VERDICT_MAP_SUSPECT_CPU * cpu_limit))
		return WALL_KILL_OWN;
	if (run_delay < 0 || !(wall > 0))
		return WALL_KILL_SUSPECT;
	return run_delay >= VERDICT_MAP_STARVED_DELAY * wall ? WALL_KILL_STARVED : WALL_KILL_OWN;
}

const char *verdict_map_judge0_limit(const judge0_run *run, double time, double cpu_limit)
{
	if (run->message && strstr(run->message, "wall clock"))
		return VERDICT_MAP_LIMIT_WALL;
	if (run->status_id != JUDGE0_TIME_LIMIT_EXCEEDED || (run->message && *run->message))
		return VERDICT_MAP_LIMIT_CPU;
	return time < cpu_limit ? VERDICT_MAP_LIMIT_WALL : VERDICT_MAP_LIMIT_CPU;
}
