#include "sv_log.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static sv_log_sink *log_sink;
static void *log_baton;
static sv_log_level log_max = SV_LOG_INFO;
static int log_foreground = 1;

void sv_log_set_sink(sv_log_sink *sink, void *baton, sv_log_level max_level)
{
	log_sink = sink;
	log_baton = baton;
	log_max = max_level;
}

void sv_vlog(sv_log_level level, const char *fmt, va_list ap)
{
	char line[2048];

	if (level > log_max)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_sink)
		log_sink(log_baton, level, line);
	else
		fprintf(stderr, "%s\n", line);
}

void sv_log(sv_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_vlog(level, fmt, ap);
	va_end(ap);
}

static const char *level_name(sv_log_level level)
{
	switch (level) {
	case SV_LOG_ERR:
		return "error";
	case SV_LOG_WARNING:
		return "warn";
	case SV_LOG_NOTICE:
		return "notice";
	case SV_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

static void daemon_sink(void *baton, sv_log_level level, const char *message)
{
	const char *ident = baton;

	if (log_foreground) {
		char stamp[32];
		struct timespec now;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ %s[%s] %s\n", stamp, now.tv_nsec / 1000000, ident, level_name(level),
			message);
		fflush(stderr);
	} else {
		syslog((int)level, "%s", message);
	}
}

void sv_log_use_stderr_or_syslog(const char *ident, int foreground, sv_log_level max_level)
{
	log_foreground = foreground;
	if (!foreground)
		openlog(ident, LOG_PID, LOG_DAEMON);
	sv_log_set_sink(daemon_sink, (void *)ident, max_level);
}
