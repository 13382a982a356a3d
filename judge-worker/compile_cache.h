#ifndef COMPILE_CACHE_H
#define COMPILE_CACHE_H

/* The local executor's compile cache (issue 16): what a compilation produced (every file it left in
 * /prog, or its compile error), kept by key so that rejudges and identical resubmissions skip the
 * compiler. The key is the SHA-256 of the language id, its toolchain identity (sv_sandbox_toolchain:
 * the compile command and the compiler's resolved path, size and mtime, computed once at start), the
 * compile limits and the source. Only deterministic outcomes are kept: a program compiled, or the
 * compiler exited with a non-zero status; a compile stopped by a limit or a signal is not.
 *
 * One file per key, <dir>/<64 hex digits>, written to a temporary file and renamed into place, with a
 * SHA-256 of its own contents at its end: an entry whose bytes do not match it (or that does not parse)
 * is a miss and is removed. Reads refresh the file's mtime; beyond max_bytes the least recently used
 * entries go. The directory is root's, not group or world accessible (0700): what it holds is run by
 * the sandbox as it is. Shared by the threads of a worker and by workers on the same directory. */

#include <stddef.h>

#include "sandbox/sandbox.h"

typedef struct compile_cache compile_cache;

#define COMPILE_CACHE_DEFAULT_DIR       "/var/cache/solveit/compile"
#define COMPILE_CACHE_DEFAULT_MAX_BYTES (512LL * 1024 * 1024)
#define COMPILE_CACHE_MAX_FILES         4096
#define COMPILE_CACHE_MAX_ENTRY         (64 * 1024 * 1024) /* a larger compiled program is not kept */

/* What one compilation gave. */
typedef struct {
	int compile_error; /* 1: the compiler refused the program (message and output say why) */
	char message[256]; /* sv_run_result.message of the compilation */
	int exit_code;     /* the compiler's */
	char *output;      /* the compile output (NUL-terminated), may be NULL */
	size_t output_len;
	sv_sandbox_artifact program; /* what /prog held afterwards (compiled programs only) */
} compile_cache_entry;

void compile_cache_entry_free(compile_cache_entry *e);

/* Opens (creating it and its parents when missing) the cache at dir. dir "none" or "" turns the cache
 * off: 0 with *out NULL. Refuses a directory that is not root's or is group/world accessible. Returns 0,
 * or -1 with err naming the directory. */
int compile_cache_open(const char *dir, long long max_bytes, compile_cache **out, char *err, size_t errlen);
void compile_cache_close(compile_cache *cache);

/* The key of a compilation into out (64 hex digits and a NUL). toolchain may be NULL (no identity). */
void compile_cache_key(int language_id, const char *toolchain, const sv_sandbox_limits *limits, const void *source,
		       size_t len, char out[65]);

/* 1 with *e filled (free with compile_cache_entry_free) on a hit, 0 on a miss (a damaged entry is removed
 * and counted as corrupt). */
int compile_cache_get(compile_cache *cache, const char *key, compile_cache_entry *e);

/* Stores e under key (atomically; then evicts beyond the bound). 0, or -1 (logged) when the disk failed. */
int compile_cache_put(compile_cache *cache, const char *key, const compile_cache_entry *e);

typedef struct {
	unsigned long hits, misses, stored, corrupt, evicted;
	long long bytes; /* what the directory holds, as last counted */
} compile_cache_counters;

void compile_cache_get_counters(compile_cache *cache, compile_cache_counters *out);

/* sv_sandbox_prepare() through the cache (cache NULL: straight through): same arguments, return values and
 * results (compile, not NULL here, filled and freed by the caller), the compile output and CE of a hit the same as the
 * compiler's were. Counts hits and misses in the worker's stats. */
int compile_cache_prepare(compile_cache *cache, sv_sandbox *sb, int language_id, const char *source, size_t source_len,
			  const sv_sandbox_limits *compile_limits, sv_sandbox_box **out, sv_run_result *compile,
			  char *err, size_t errlen);

#endif
