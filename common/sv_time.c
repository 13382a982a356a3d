#include "sv_time.h"

#include <ctype.h>
#include <string.h>

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

void sv_time_deadline(clockid_t clock, double ms, struct timespec *ts)
{
	long long whole = (long long)ms;

	clock_gettime(clock, ts);
	ts->tv_sec += (time_t)(whole / 1000);
	ts->tv_nsec += (long)(whole % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

double sv_time_parse_iso8601(const char *text)
{
	struct tm tm;
	double fraction = 0;
	const char *p;
	time_t t;
	int year, mon, day, hour, min, sec;

	if (!text || strlen(text) < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
	    text[16] != ':')
		return -1;
	year = digits(text, 4);
	mon = digits(text + 5, 2);
	day = digits(text + 8, 2);
	hour = digits(text + 11, 2);
	min = digits(text + 14, 2);
	sec = digits(text + 17, 2);
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || min < 0 || min > 59 ||
	    sec < 0 || sec > 60)
		return -1;
	p = text + 19;
	if (*p == '.') {
		double scale = 0.1;

		if (!isdigit((unsigned char)p[1]))
			return -1;
		for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
			fraction += (*p - '0') * scale;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm normalises 31 February into March: refuse dates that do not exist. */
	if (t == (time_t)-1 || tm.tm_mday != day || tm.tm_mon != mon - 1)
		return -1;
	return (double)t + fraction;
}
