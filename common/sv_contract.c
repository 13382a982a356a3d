#include "sv_contract.h"

#include <stdio.h>

#include "sv_parse.h"

int sv_msg_schema(const cJSON *root, int *schema, char *err, size_t errlen)
{
	long long v;

	if (sv_msg_int(root, "v", 1, SV_JSON_INT_MAX, 0, 0, &v, err, errlen) < 0)
		return SV_MSG_BAD;
	*schema = v > SV_MESSAGE_SCHEMA ? SV_MESSAGE_SCHEMA + 1 : (int)v;
	if (v > SV_MESSAGE_SCHEMA) {
		snprintf(err, errlen,
			 "schema version %lld is newer than this program reads (up to %d): upgrade it to read "
			 "this message",
			 v, SV_MESSAGE_SCHEMA);
		return SV_MSG_NEWER;
	}
	return SV_MSG_OK;
}

int sv_msg_int(const cJSON *obj, const char *name, long long min, long long max, int required, long long def,
	       long long *out, char *err, size_t errlen)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!item || cJSON_IsNull(item)) {
		if (required) {
			snprintf(err, errlen, "missing field \"%s\"", name);
			return -1;
		}
		*out = def;
		return 0;
	}
	if (sv_json_ll(item, min, max, out) < 0) {
		if (min == 1 && max == SV_JSON_INT_MAX)
			snprintf(err, errlen, "field \"%s\" must be a positive integer", name);
		else
			snprintf(err, errlen, "field \"%s\" must be a whole number from %lld to %lld", name, min, max);
		return -1;
	}
	return 0;
}

int sv_msg_id(const cJSON *obj, const char *name, int required, long long *out, char *err, size_t errlen)
{
	return sv_msg_int(obj, name, 1, SV_JSON_INT_MAX, required, 0, out, err, errlen);
}
