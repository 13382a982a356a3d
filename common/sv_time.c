#include "sv_time.h"

void sv_time_iso8601(time_t when, char out[SV_ISO8601_LEN])
{
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(out, SV_ISO8601_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double sv_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
