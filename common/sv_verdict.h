#ifndef SV_VERDICT_H
#define SV_VERDICT_H

/* Verdicts of DESIGN.md §3; SV_VERDICT_NONE is "not judged yet". */
typedef enum {
	SV_VERDICT_NONE = 0,
	SV_VERDICT_AC,
	SV_VERDICT_WA,
	SV_VERDICT_TLE,
	SV_VERDICT_MLE,
	SV_VERDICT_RE,
	SV_VERDICT_OLE,
	SV_VERDICT_CE,
	SV_VERDICT_PA,
} sv_verdict;

/* Submission states: pending -> processing -> completed | failed. */
typedef enum {
	SV_STATUS_PENDING = 0,
	SV_STATUS_PROCESSING,
	SV_STATUS_COMPLETED,
	SV_STATUS_FAILED,
} sv_status;

#include <stddef.h>

/* The index of name in names[0..count) (NULL entries never match), or -1; also -1 for NULL or "".
 * The one lookup behind every enum-by-name parser. */
int sv_name_index(const char *const *names, size_t count, const char *name);

const char *sv_verdict_name(sv_verdict verdict);
/* Returns 0 and sets *out for a known name, -1 otherwise. */
int sv_verdict_parse(const char *name, sv_verdict *out);

const char *sv_status_name(sv_status status);
int sv_status_parse(const char *name, sv_status *out);
/* A final state never goes back: rank orders states so later ones win. */
int sv_status_is_final(sv_status status);

#endif
