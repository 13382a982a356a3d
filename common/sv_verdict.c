#include "sv_verdict.h"

#include <stddef.h>
#include <string.h>

static const char *const verdict_names[] = {
    [SV_VERDICT_NONE] = "",   [SV_VERDICT_AC] = "AC",   [SV_VERDICT_WA] = "WA",
    [SV_VERDICT_TLE] = "TLE", [SV_VERDICT_MLE] = "MLE", [SV_VERDICT_RE] = "RE",
    [SV_VERDICT_OLE] = "OLE", [SV_VERDICT_CE] = "CE",   [SV_VERDICT_PA] = "PA",
};

static const char *const status_names[] = {
    [SV_STATUS_PENDING] = "pending",
    [SV_STATUS_PROCESSING] = "processing",
    [SV_STATUS_COMPLETED] = "completed",
    [SV_STATUS_FAILED] = "failed",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sv_verdict_name(sv_verdict verdict)
{
	if ((size_t)verdict >= COUNT(verdict_names))
		return "";
	return verdict_names[verdict];
}

int sv_name_index(const char *const *names, size_t count, const char *name)
{
	if (!name || !*name)
		return -1;
	for (size_t i = 0; i < count; i++)
		if (names[i] && strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

int sv_verdict_parse(const char *name, sv_verdict *out)
{
	int i = sv_name_index(verdict_names, COUNT(verdict_names), name);

	if (i <= 0) /* "" is no verdict */
		return -1;
	*out = (sv_verdict)i;
	return 0;
}

const char *sv_status_name(sv_status status)
{
	if ((size_t)status >= COUNT(status_names))
		return "";
	return status_names[status];
}

int sv_status_parse(const char *name, sv_status *out)
{
	int i = sv_name_index(status_names, COUNT(status_names), name);

	if (i < 0)
		return -1;
	*out = (sv_status)i;
	return 0;
}

int sv_status_is_final(sv_status status)
{
	return status == SV_STATUS_COMPLETED || status == SV_STATUS_FAILED;
}
