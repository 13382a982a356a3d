#ifndef SV_PROM_H
#define SV_PROM_H

#include <stddef.h>

/* The escaping of Prometheus' text format (0.0.4), shared by the module's <base>/api/metrics and the
 * daemons' /metrics: backslash and newline always, the double quote too when quotes (label values;
 * HELP text keeps it). Writes the escaped s into out when out is not NULL (room for the result and
 * its NUL) and returns the escaped length, so a first call with NULL sizes the buffer. */
size_t sv_prom_escape(char *out, const char *s, int quotes);

#endif
