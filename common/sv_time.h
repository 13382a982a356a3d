#ifndef SV_TIME_H
#define SV_TIME_H

#include <stddef.h>
#include <time.h>

/* "2025-11-28T12:00:00Z" (UTC, second precision) as the message contract writes it. */
#define SV_ISO8601_LEN 21
void sv_time_iso8601(time_t when, char out[SV_ISO8601_LEN]);

/* Reads the contract's "2025-11-28T12:00:05Z" (UTC, optional fraction of a second) into seconds
 * since the epoch; -1 when text is NULL or not such a time of an existing date. */
double sv_time_parse_iso8601(const char *text);

/* Monotonic milliseconds, for timeouts and measurements that must not jump with the clock. */
double sv_time_mono_ms(void);

/* The time on clock (the one a condition variable waits by) ms >= 0 milliseconds from now, whole
 * milliseconds, for pthread_cond_timedwait. */
void sv_time_deadline(clockid_t clock, double ms, struct timespec *ts);

#endif
