#ifndef VERDICT_MAP_H
#define VERDICT_MAP_H

#include <stddef.h>

#include "sv_verdict.h"

/* From what an executor reports to our verdicts (DESIGN.md §3). Judge0 facts:
 * reference/judge0-api.md §1.6 (status ids) and §3.5 (how each is reached). */

/* Judge0 CE 1.13 status ids. Terminal iff > JUDGE0_PROCESSING. */
enum {
	JUDGE0_IN_QUEUE = 1,
	JUDGE0_PROCESSING = 2,
	JUDGE0_ACCEPTED = 3,
	JUDGE0_WRONG_ANSWER = 4,
	JUDGE0_TIME_LIMIT_EXCEEDED = 5,
	JUDGE0_COMPILATION_ERROR = 6,
	JUDGE0_RE_SIGSEGV = 7,
	JUDGE0_RE_SIGXFSZ = 8,
	JUDGE0_RE_SIGFPE = 9,
	JUDGE0_RE_SIGABRT = 10,
	JUDGE0_RE_NZEC = 11,
	JUDGE0_RE_OTHER = 12,
	JUDGE0_INTERNAL_ERROR = 13,
	JUDGE0_EXEC_FORMAT_ERROR = 14,
};

/* Judge0's exact description of a status id ("Runtime Error (NZEC)"), NULL for an unknown id. */
const char *verdict_map_judge0_description(int status_id);

/* One finished (or not yet finished) Judge0 submission, as GET /submissions reports it. */
typedef struct {
	int status_id;
	int has_exit_code; /* exit_code is null until the run ends and on CE */
	int exit_code;
	int has_exit_signal; /* exit_signal is null in practice (§3.5): signals arrive as 128+n */
	int exit_signal;
	long long memory;        /* KB; < 0 when null */
	long long memory_limit;  /* KB; the limit we sent, <= 0 when unknown */
	const char *message;     /* Judge0's message, decoded; may be NULL */
	const char *stderr_text; /* decoded stderr; may be NULL */
} judge0_run;

typedef enum {
	VERDICT_MAP_PENDING, /* In Queue / Processing: poll again */
	VERDICT_MAP_CHECK,   /* ran to the end: our checker decides AC or WA (Judge0's compare is not used) */
	VERDICT_MAP_FINAL,   /* *verdict is decided: TLE, MLE, RE, OLE or CE */
	VERDICT_MAP_ERROR,   /* Judge0 failed (Internal Error, unknown status): retry, then mark failed */
} verdict_map_outcome;

/* A run that ends with SIGKILL (exit 137) while its peak memory is at least this share of the
 * limit was killed by the cgroup OOM killer: Judge0 has no MLE status (issue #298). */
#define VERDICT_MAP_OOM_SHARE 0.95

/* Maps a Judge0 result. For VERDICT_MAP_FINAL sets *verdict; for FINAL and ERROR writes a short
 * reason ("killed by signal 11 (SIGSEGV)", "exited with code 1", ...) to reason (may be NULL).
 *  - 3 Accepted and 4 Wrong Answer both mean "ran cleanly": CHECK.
 *  - 5 -> TLE, 6 -> CE, 8 (SIGXFSZ) -> OLE.
 *  - 7, 9, 10, 11, 12: the signal comes from the status, exit_signal, or exit_code 128+n (the
 *    bash wrapper). SIGKILL with memory near the limit -> MLE; any run whose peak memory reached
 *    the limit -> MLE; SIGXFSZ or "File too large" on stderr -> OLE; SIGXCPU -> TLE; else RE.
 *  - 13 Internal Error -> ERROR: the judge failed, not the program, so the worker retries within
 *    its budget and then reports the submission as failed with the reason.
 *  - 14 Exec Format Error -> RE: isolate could not execve the program, which for a compiled or
 *    uploaded executable is the submission's doing; retrying would give the same answer. */
verdict_map_outcome verdict_map_judge0(const judge0_run *run, sv_verdict *verdict, char *reason, size_t reasonlen);

/* The local sandbox's run statuses (judge-worker/sandbox: the CLI's "status" and, in the same order,
 * the library's sv_run_status). */
typedef enum {
	SANDBOX_OUTCOME_OK = 0, /* exited 0 within the limits: check the output */
	SANDBOX_OUTCOME_TLE,
	SANDBOX_OUTCOME_MLE,
	SANDBOX_OUTCOME_RE,
	SANDBOX_OUTCOME_OLE,
	SANDBOX_OUTCOME_CE,
	SANDBOX_OUTCOME_IE, /* the sandbox itself failed: not a verdict */
} sandbox_outcome;

/* "OK", "TLE", "MLE", "RE", "OLE", "CE", "IE" -> 0 and *out; -1 for anything else. */
int verdict_map_sandbox_outcome_parse(const char *name, sandbox_outcome *out);

/* The test's verdict: OK takes the checker's verdict (AC or WA; anything else counts as WA, since
 * an unchecked output must never pass), TLE/MLE/RE/OLE/CE map one to one, and IE (or an unknown
 * value) gives SV_VERDICT_NONE: the judge failed, so the worker retries and then reports the
 * submission as failed, like a Judge0 Internal Error. */
sv_verdict verdict_map_sandbox(sandbox_outcome outcome, sv_verdict checked);

/* Load never becomes a verdict (issue 14, finding 7; doc/security.md "Judging under load"). A test
 * killed by the wall clock after less than VERDICT_MAP_SUSPECT_CPU of its CPU limit either slept (or
 * blocked) or was starved of CPU by the host; it was starved when its threads waited, runnable, for a
 * CPU at least VERDICT_MAP_STARVED_DELAY of its wall time (the kernel's run_delay). */
#define VERDICT_MAP_SUSPECT_CPU   0.5
#define VERDICT_MAP_STARVED_DELAY 0.1

typedef enum {
	WALL_KILL_OWN,     /* the program's doing (it used its CPU, or slept): TLE (wall clock) */
	WALL_KILL_STARVED, /* measured: the host kept it off the CPU; run it again */
	WALL_KILL_SUSPECT, /* little CPU and no measure of waiting (Judge0, rlimit mode): run it again, TLE after */
} wall_kill;

/* Classifies a wall-clock kill: cpu and cpu_limit in seconds, wall the run's wall time, run_delay its
 * waiting for a CPU (< 0: unknown). */
wall_kill verdict_map_wall_kill(double cpu, double cpu_limit, double wall, double run_delay);

/* The per-test "limit" of a TLE: "wall" when the wall clock ran out, "cpu" when the CPU time did. */
#define VERDICT_MAP_LIMIT_CPU  "cpu"
#define VERDICT_MAP_LIMIT_WALL "wall"

/* Judge0's TLE (status 5, or SIGXCPU): which limit ran out, from isolate's message ("Time limit
 * exceeded (wall clock)") or else from the CPU time against the limit. */
const char *verdict_map_judge0_limit(const judge0_run *run, double time, double cpu_limit);

/* "exited with code 3", "killed by signal 11 (SIGSEGV)": for a test's message. signal <= 0 means
 * the program exited. */
void verdict_map_describe_exit(int exit_code, int signal, char *out, size_t outlen);

#endif
