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
	double wall_time;  /* seconds; 0 = sv_sandbox_wall_default(cpu_time) */
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
	unsigned first_uid;         /* 0: $SOLVEIT_SANDBOX_FIRST_UID, else 60000; box n runs as uid/gid first_uid + n */
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

#define SV_SANDBOX_MAX_FEEDBACK 4 /* files read back from a feedback directory */
#define SV_SANDBOX_MAX_FILES    8 /* extra files of a prepare or a run */

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
	int aborted;       /* stopped because the other side of an interactive run ended (sv_sandbox_interact) */
	double end_time;   /* monotonic seconds when the program ended, for ordering the two sides of a run */
	/* TLE: 1 when the wall clock ran out (the CPU time did not), 0 when the CPU time did. */
	int wall_exceeded;
	/* At a wall-clock kill: seconds the box's tasks spent runnable but waiting for a CPU (the kernel's
	 * schedstat run_delay), which tells a starved program from one that slept; < 0 when unknown. */
	double run_delay;
	/* sv_sandbox_run_ex: the files of sv_sandbox_run_opts.feedback_names read back after the run, in that
	 * order (NULL when the program did not write it as a regular file), NUL-terminated, cut to feedback_max */
	char *feedback[SV_SANDBOX_MAX_FEEDBACK];
	size_t feedback_len[SV_SANDBOX_MAX_FEEDBACK];
} sv_run_result;

/* The wall clock a run gets when its limits do not say: the CPU limit plus a margin, not a multiple of it
 * (issue 14, finding 6), so that a program that sleeps holds its slot for barely longer than one that
 * computes. The margin, max(0.5 s, 25 % of the CPU limit) capped at 5 s, covers start-up (a JVM, an
 * interpreter) and input reading; a run the host starved of CPU is told apart by run_delay and re-run by the
 * judge, never reported as TLE. */
static inline double sv_sandbox_wall_default(double cpu_time)
{
	double margin = cpu_time * 0.25;

	return cpu_time + (margin < 0.5 ? 0.5 : margin > 5.0 ? 5.0 : margin);
}

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

/* A file written next to the source before compiling (a validator's headers). name is a plain file name
 * ([A-Za-z0-9_.+-], not starting with '.') other than the language's source file. */
typedef struct {
	const char *name;
	const void *data;
	size_t len;
} sv_sandbox_file;

/* 1 when name may be an extra file's or a feedback file's: [A-Za-z0-9_.+-], 1 to 128 bytes, not starting
 * with '.' or '-'. */
int sv_sandbox_file_name_ok(const char *name);

/* sv_sandbox_prepare() with up to SV_SANDBOX_MAX_FILES extra files in /prog. A bad name is -1 with err. */
int sv_sandbox_prepare_files(sv_sandbox *sb, int language_id, const char *source, size_t source_len,
			     const sv_sandbox_file *files, size_t n_files, const sv_sandbox_limits *compile_limits,
			     sv_sandbox_box **out, sv_run_result *compile, char *err, size_t errlen);

/* A new box (its own slot, uid, network namespace and work directory) that runs the program of a prepared
 * box: the prepared /prog is bound read-only into its runs, never copied. For running one compiled program
 * in several threads at once (one box per thread). The prepared box must outlive it; as always, each box
 * (the prepared one too) is used by one thread at a time. */
int sv_sandbox_share(sv_sandbox_box *prepared, sv_sandbox_box **out, char *err, size_t errlen);

/* A file made visible read-only inside the box for one run, at an absolute box path ("/judge/input"): a
 * host file bound read-only (host_path; copied instead when the box user could not read it), or bytes
 * (data, len) written into a per-run file. */
typedef struct {
	const char *box_path;
	const char *host_path;
	const void *data;
	size_t len;
} sv_sandbox_run_file;

/* What a run may add to sv_sandbox_run(). Zero fields add nothing. */
typedef struct {
	const char *const *args; /* extra argv words after the language's run command */
	size_t n_args;
	const void *stdin_data; /* standard input from a buffer ... */
	size_t stdin_len;
	const char *stdin_path; /* ... or from a host file, opened read-only by the supervisor */
	const sv_sandbox_run_file *files;
	size_t n_files;
	/* An empty directory writable by the program at this box path ("/feedback"), on a per-run tmpfs of
	 * feedback_kb (0: 1024 KB); afterwards the files feedback_names (plain names, at most
	 * SV_SANDBOX_MAX_FEEDBACK) are read back into result->feedback[], each cut to feedback_max bytes
	 * (0: 4096). Links, directories and other non-regular files are ignored, never followed. */
	const char *feedback_dir;
	long feedback_kb;
	const char *const *feedback_names;
	size_t n_feedback;
	size_t feedback_max;
} sv_sandbox_run_opts;

/* sv_sandbox_run() with the options above (opts NULL: none). Same return values. */
int sv_sandbox_run_ex(sv_sandbox_box *box, const sv_sandbox_run_opts *opts, const sv_sandbox_limits *limits,
		      sv_run_result *result, char *err, size_t errlen);

/* How an interactive run ends: the validator side decides. */
typedef struct {
	int accept_code; /* the validator's exit code that lets the program finish on its own (Kattis: 42); any
			  * other end of the validator stops the program at once */
	double grace;    /* seconds the validator may run on after the program's limits ended it (0: 2 s) */
} sv_sandbox_interaction;

/* An interactive run: program and validator, each in its own box under its own limits and options
 * (their stdin settings are ignored), started together, the validator's stdout joined to the program's
 * stdin and the program's stdout to the validator's stdin by pipes; SIGPIPE is ignored on both sides (a
 * write to a side that is gone fails with EPIPE). When the validator ends first without accept_code, the
 * program is stopped (presult->aborted); when the program's limits end it (TLE, MLE, OLE), the validator has
 * `grace` seconds more and is then stopped. *validator_first is 1 when the validator ended first. Returns 0
 * when both results hold a verdict, -1 on a sandbox failure (err says which side). Both results are filled
 * and must be freed in every case. */
int sv_sandbox_interact(sv_sandbox_box *program, const sv_sandbox_run_opts *program_opts,
			const sv_sandbox_limits *program_limits, sv_sandbox_box *validator,
			const sv_sandbox_run_opts *validator_opts, const sv_sandbox_limits *validator_limits,
			const sv_sandbox_interaction *how, sv_run_result *presult, sv_run_result *vresult,
			int *validator_first, char *err, size_t errlen);

/* ---- compiled programs kept for later (the judge-worker's compile cache) ---- */

/* What a compilation left in /prog: every directory and regular file, parents before children, paths
 * relative to /prog ("a.out", "classes", "classes/Main.class"). */
typedef struct {
	char *path;
	int is_dir;
	unsigned mode; /* permission bits (07777 masked to 0777) */
	char *data;    /* regular files: the bytes (NULL when empty) */
	size_t len;
} sv_sandbox_artifact_file;

typedef struct {
	sv_sandbox_artifact_file *files;
	size_t n;
	size_t bytes; /* the files' bytes together */
} sv_sandbox_artifact;

/* The toolchain identity of a compiled language (its compile command; the resolved path, size and mtime of
 * each of its "toolchain" files, by default the compiler), computed once at open: a cached compilation is
 * valid for the same text only. NULL for an interpreted or unknown language. */
const char *sv_sandbox_toolchain(const sv_sandbox *sb, int language_id);

/* Reads back what the compilation of a prepared box left in its /prog (no process of the box is alive then),
 * through descriptors only: each entry opened relative to its directory, never following a link, regular
 * files and directories only. Returns 0 with *out filled; 1 when it cannot be kept (a link, a device, a fifo,
 * more than max_files entries or max_bytes bytes: err says which); -1 on a failure (err). */
int sv_sandbox_artifact_read(sv_sandbox_box *box, size_t max_files, size_t max_bytes, sv_sandbox_artifact *out,
			     char *err, size_t errlen);

/* Creates a box whose /prog holds art exactly (contents and modes, owned by the box user as after a
 * compilation), written before anything untrusted runs there, and no compilation: the box is ready to run.
 * Paths must be relative, with no "." or ".." component, parents listed before children. compile_limits
 * (NULL: the defaults) give the size of the box's tmpfs, as in sv_sandbox_prepare. Returns 0 with *out, or -1
 * with err. */
int sv_sandbox_prepare_artifact(sv_sandbox *sb, int language_id, const sv_sandbox_artifact *art,
				const sv_sandbox_limits *compile_limits, sv_sandbox_box **out, char *err,
				size_t errlen);

/* Frees what an artifact holds (not the struct). Safe on a zeroed one. */
void sv_sandbox_artifact_free(sv_sandbox_artifact *art);

/* 1 when path is a relative artifact path: 1 to 512 bytes, no leading or doubled '/', no "." or ".."
 * component. */
int sv_sandbox_artifact_path_ok(const char *path);

/* Unmounts and removes the box without following anything the sandboxed code created, frees its slot.
 * NULL is allowed. */
void sv_sandbox_destroy(sv_sandbox_box *box);

/* Frees the buffers of a result (not the struct). Safe on a zeroed or already freed result. */
void sv_run_result_free(sv_run_result *result);

/* "OK", "TLE", "MLE", "RE", "OLE", "CE", "IE". */
const char *sv_run_status_name(sv_run_status status);

#endif
