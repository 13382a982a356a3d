#ifndef SV_LOG_H
#define SV_LOG_H

#include <stdarg.h>

/* Levels numerically equal to httpd's APLOG_* so the module can pass them through. */
typedef enum {
	SV_LOG_ERR = 3,
	SV_LOG_WARNING = 4,
	SV_LOG_NOTICE = 5,
	SV_LOG_INFO = 6,
	SV_LOG_DEBUG = 7,
} sv_log_level;

/* Where common/ code sends its log lines: the module routes them to ap_log_error, the daemons
 * to stderr (foreground) or syslog. */
typedef void sv_log_sink(void *baton, sv_log_level level, const char *message);

void sv_log_set_sink(sv_log_sink *sink, void *baton, sv_log_level max_level);
void sv_log(sv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_vlog(sv_log_level level, const char *fmt, va_list ap);

/* The daemons' sink: stderr with a timestamp when foreground is set, else syslog under ident. */
void sv_log_use_stderr_or_syslog(const char *ident, int foreground, sv_log_level max_level);

#endif
