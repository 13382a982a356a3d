#define _GNU_SOURCE
#include "sandbox_verdict.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* Under RLIMIT_DATA an allocation fails instead of the process being killed; a program that then dies with its
 * peak this close to the limit ran out of memory. */
#define RLIMIT_MLE_FRACTION 0.8

sv_run_status sv_verdict_decide(const struct sv_run_facts *f, char *message, size_t len)
{
	int signaled = !f->killed_early && WIFSIGNALED(f->wait_status);
	int sig = signaled ? WTERMSIG(f->wait_status) : 0;
	int code = !f->killed_early && WIFEXITED(f->wait_status) ? WEXITSTATUS(f->wait_status) : 0;
	int failed = f->killed_early || signaled || code != 0;

	if (f->stdout_exceeded || f->stderr_exceeded) {
		snprintf(message, len, "Output limit exceeded (%s)", f->stdout_exceeded ? "stdout" : "stderr");
		return SV_RUN_OLE;
	}
	if (f->cpu_exceeded || f->cpu_time > f->cpu_limit || sig == SIGXCPU) {
		snprintf(message, len, "Time limit exceeded");
		return SV_RUN_TLE;
	}
	if (f->wall_exceeded) {
		snprintf(message, len, "Time limit exceeded (wall clock)");
		return SV_RUN_TLE;
	}
	if (f->oom_killed > 0 || (failed && f->runtime_oom) ||
	    (f->memory_by_rlimit && f->memory_limit_kb > 0 &&
	     (f->maxrss_kb > f->memory_limit_kb ||
	      (failed && (double)f->maxrss_kb >= RLIMIT_MLE_FRACTION * (double)f->memory_limit_kb)))) {
		snprintf(message, len, "Memory limit exceeded");
		return SV_RUN_MLE;
	}
	if (sig == SIGXFSZ) {
		snprintf(message, len, "File size limit exceeded");
		return SV_RUN_OLE;
	}
	if (f->killed_early) {
		snprintf(message, len, "Killed by the sandbox");
		return SV_RUN_RE;
	}
	if (signaled) {
		snprintf(message, len, "Killed by signal %d (SIG%s)", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		return SV_RUN_RE;
	}
	if (code != 0) {
		snprintf(message, len, "Exited with error status %d", code);
		return SV_RUN_RE;
	}
	message[0] = '\0';
	return SV_RUN_OK;
}
