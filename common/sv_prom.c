#include "sv_prom.h"

size_t sv_prom_escape(char *out, const char *s, int quotes)
{
	size_t n = 0;

	for (; *s; s++) {
		int escaped = *s == '\\' || *s == '\n' || (quotes && *s == '"');

		if (out) {
			if (escaped)
				out[n] = '\\';
			out[n + escaped] = *s == '\n' ? 'n' : *s;
		}
		n += 1 + escaped;
	}
	if (out)
		out[n] = '\0';
	return n;
}
