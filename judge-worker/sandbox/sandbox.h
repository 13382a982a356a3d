#ifndef SV_SANDBOX_H
#define SV_SANDBOX_H

/* The local sandbox (issue 4): runs untrusted programs, compilers included, as an unprivileged uid in fresh
 * PID/network/IPC/UTS/mount namespaces on a private read-only root, under cgroup (v2 or v1) or rlimit limits,
 * behind a seccomp filter, and measures them.
 *
 * Life cycle:
 *     sv_sandbox_open()          once per process (needs root); loads the languages file, picks the limit mode
 *     sv_sandbox_prepare()       once per submission: writes the source, compiles it inside the sandbox
 *     sv_sandbox_run()           once per test case, any number of times, each on a fresh work directory
 *     sv_sandbox_destroy()       once per submission: unmounts and removes the box
 *     sv_sandbox_close()         at exit
 *
 * Threads: an sv_sandbox is read-only after open and may be shared; one box must be used by one thread at a time.
 * Boxes are unique across processes (a lock file per box), so several workers may share one state directory.
 * Children: each run forks one child and reaps it by pid, so the caller must not set SIGCHLD to SIG_IGN nor reap
 * with waitpid(-1) in another thread. Between fork and exec the child makes raw system calls only, so a
 * multithreaded caller is fine. Logging goes through common/sv_log.h (link common/libsvcommon.la).
 * Link: judge-worker/sandbox/libsvsandbox.la $(SECCOMP_LIBS) $(CJSON_LIBS) -lm. */

#include <stddef.h>

typedef struct sv_sandbox sv_sandbox;
typedef struct sv_sandbox_box sv_sandbox_box;

/* How limits are enforced. AUTO picks v2 when its memory and pids controllers are usable, else v1 when its
 * memory and pids hierarchies are, else rlimits alone. */
typedef enum {
	SV_SANDBOX_MODE_AUTO = 0,
	SV_SANDBOX_MODE_CGROUP_V2,
	SV_SANDBOX_MODE_CGROUP_V1,
	SV_SANDBOX_MODE_RLIMIT,
} sv_sandbox_mode;

/* Outcome of one sandboxed execution. AC/WA are the checker's business: a program that exited 0 in time is OK. */
typedef enum {
	SV_RUN_OK = 0,
	SV_RUN_TLE, /* CPU or wall time limit */
	SV_RUN_MLE, /* memory limit (an OOM kill, never reported as RE) */
	SV_RUN_RE,  /* non-zero exit or fatal signal */
	SV_RUN_OLE, /* stdout/stderr cap or file size limit */
	SV_RUN_CE,  /* compilation failed (prepare only) */
	SV_RUN_IE,  /* the sandbox itself failed; the message says why */
} sv_run_status;

/* Limits of one execution. Zero in any field means "the default" of sv_sandbox_limits_run_defaults(). */
typedef struct {
	double cpu_time;   /* seconds of CPU, all processes together */
	double wall_time;  /* seconds; 0 = 2 * cpu_time + 1 */
	long memory_kb;    /* peak memory of the whole run (cgroup), RLIMIT_DATA in rlimit mode */
	long stack_kb;     /* RLIMIT_STACK */
	int processes;     /* processes and threads together */
	long file_size_kb; /* largest file written (RLIMIT_FSIZE) */
	int open_files;    /* RLIMIT_NOFILE */
	long stdout_kb;    /* captured stdout; more is OLE (for compilation: output is truncated instead) */
	long stderr_kb;    /* captured stderr; more is OLE */
	long work_kb;      /* size of the private tmpfs holding /box and /tmp */
} sv_sandbox_limits;

/* Paths and mode. Any NULL/zero field takes the default named in the comment. */
typedef struct {
	const char *languages_path; /* $SOLVEIT_LANGUAGES, else the origin's languages.json (below) */
	const char *state_dir;      /* $SOLVEIT_SANDBOX_DIR, else /run/solveit-sandbox (boxes, locks) */
	const char *init_path;      /* $SOLVEIT_SANDBOX_INIT, else the origin's solveit-sandbox-init (below) */
	sv_sandbox_mode mode;       /* AUTO: $SOLVEIT_SANDBOX_MODE ("v2", "v1", "rlimit") if set, else detect */
	unsigned first_uid;         /* 0 = 60000; box n runs as uid/gid first_uid + n */
	unsigned max_boxes;         /* 0 = 256 */
} sv_sandbox_config;

/* Whose files a program uses when no path is given: a program of the build tree the tree's
 * (languages.json of the source tree, solveit-sandbox-init of the build tree), any other the
 * installed ones ($(pkgdatadir), $(pkglibexecdir)); never the other's when its own are missing. */
enum { SV_SANDBOX_FROM_INSTALL = 0, SV_SANDBOX_FROM_TREE = 1 };

/* The origin of the executable exe (an absolute, resolved path) for a build tree and an install
 * prefix: FROM_TREE when exe is below tree and not more deeply below prefix. */
int sv_sandbox_origin(const char *exe, const char *tree, const char *prefix);

/* A language of the data file, keyed by its Judge0 id. */
typedef struct {
	int id;
	const char *name;        /* "C (GCC 12.2.0)" */
	const char *source_file; /* "main.c" */
	int compiled;            /* 1 if it has a compile step */
	int available;           /* 0 if a toolchain binary is missing on this machine */
	const char *unavailable; /* why, when !available; NULL otherwise */
} sv_language;

/* Result of sv_sandbox_run() or of the compilation in sv_sandbox_prepare(). Buffers are NUL-terminated
 * (the length excludes the NUL), owned by the result, freed by sv_run_result_free(). For a compilation,
 * stdout and stderr are merged into stdout_buf (the compile output). */
typedef struct {
	sv_run_status status;
	double time;      /* CPU seconds, user + system, all processes */
	double wall_time; /* seconds */
	long memory_kb;   /* peak resident memory (largest process; the limit itself on MLE) */
	int exit_code;    /* -1 when killed by a signal */
	int signal;       /* 0 when it exited */
	char *stdout_buf;
	size_t stdout_len;
	char *stderr_buf;
	size_t stderr_len;
	char message[256]; /* human text: "Time limit exceeded (wall clock)", "Killed by signal 11 (SIGSEGV)" */
} sv_run_result;

/* Fills defaults for a test run: 2 s CPU, 256 MB memory, 64 MB stack, 64 processes, 16 MB files, 64 open
 * files, 8 MB stdout, 1 MB stderr, 64 MB work directory. */
void sv_sandbox_limits_run_defaults(sv_sandbox_limits *limits);

/* Fills defaults for a compilation: 10 s CPU, 30 s wall, 1 GB memory, 128 processes, 128 MB files, 256 open
 * files, 64 KB of compile output kept, 256 MB work directory. */
void sv_sandbox_limits_compile_defaults(sv_sandbox_limits *limits);

/* Opens the sandbox: loads and checks the languages file (logging each unavailable language), builds the
 * seccomp filter, chooses the limit mode and logs it ("sandbox: limit mode cgroup-v1 (...)"). Returns 0, or -1
 * with a message in err. cfg may be NULL. Must run as root. */
int sv_sandbox_open(const sv_sandbox_config *cfg, sv_sandbox **out, char *err, size_t errlen);

/* Releases what sv_sandbox_open() took. Every box must have been destroyed before. */
void sv_sandbox_close(sv_sandbox *sb);

/* The limit mode actually in use (never AUTO), and its name: "cgroup-v2", "cgroup-v1", "rlimit". */
sv_sandbox_mode sv_sandbox_mode_get(const sv_sandbox *sb);
const char *sv_sandbox_mode_name(sv_sandbox_mode mode);

/* One language by Judge0 id, or NULL if the data file does not know it (check ->available before use). */
const sv_language *sv_sandbox_language(const sv_sandbox *sb, int id);

/* All languages of the data file in file order, for listing: index 0 .. count-1. */
size_t sv_sandbox_language_count(const sv_sandbox *sb);
const sv_language *sv_sandbox_language_at(const sv_sandbox *sb, size_t index);

/* Creates a box for one submission: takes a free box slot (uid), writes the source before anything untrusted
 * runs, and compiles it inside the sandbox when the language needs it (limits NULL = compile defaults).
 * Returns 0 with *out set when the program is ready to run; 1 on a compilation error (*out NULL, compile has
 * status CE (or TLE/MLE/OLE/RE text in message) and the compile output); -1 on an internal or usage error
 * (unknown or unavailable language: err says which). compile may be NULL; if not, it is always filled and must
 * be freed with sv_run_result_free(). */
int sv_sandbox_prepare(sv_sandbox *sb, int language_id, const char *source, size_t source_len,
		       const sv_sandbox_limits *compile_limits, sv_sandbox_box **out, sv_run_result *compile, char *err,
		       size_t errlen);

/* Runs the prepared program once with stdin_data as its standard input (a sealed in-memory file), on a fresh
 * work directory, and fills result. Returns 0 when result holds a verdict (OK, TLE, MLE, RE, OLE), -1 on a
 * sandbox failure (result->status IE, err says why). limits NULL = run defaults. */
int sv_sandbox_run(sv_sandbox_box *box, const void *stdin_data, size_t stdin_len, const sv_sandbox_limits *limits,
		   sv_run_result *result, char *err, size_t errlen);

/* Unmounts and removes the box without following anything the sandboxed code created, frees its slot.
 * NULL is allowed. */
void sv_sandbox_destroy(sv_sandbox_box *box);

/* Frees the buffers of a result (not the struct). Safe on a zeroed or already freed result. */
void sv_run_result_free(sv_run_result *result);

/* "OK", "TLE", "MLE", "RE", "OLE", "CE", "IE". */
const char *sv_run_status_name(sv_run_status status);

#endif
