/* The /metrics listener: libmicrohttpd on a socket of our own, so that a bad or taken address is
 * a start-up error with the system's reason. */
#include "sv_metrics.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "sv_log.h"
#include "sv_parse.h"

struct sv_metrics_server {
	sv_metrics *reg;
	int owns_reg; /* made by sv_metrics_serve */
	struct MHD_Daemon *mhd;
};

/* Splits "host:port" or "[v6]:port" into host and port. */
static int split(const char *text, const char *who, char *host, size_t hostlen, char *port, size_t portlen, char *err,
		 size_t errlen)
{
	const char *colon, *h = text;
	size_t n;
	long long p;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "%s: \"%s\" is not [IPv6-address]:PORT", who, text);
			return -1;
		}
		h = text + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon) {
			snprintf(err, errlen,
				 "%s: \"%s\" is not ADDRESS:PORT (an IPv6 address goes in brackets: [::1]:9464)", who,
				 text);
			return -1;
		}
		n = (size_t)(colon - text);
	}
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "%s: \"%s\" has no address before the port (0.0.0.0 listens on every one)", who,
			 text);
		return -1;
	}
	if (sv_parse_ll(colon + 1, 1, 65535, &p) < 0) {
		snprintf(err, errlen, "%s: \"%s\": the port is not a number from 1 to 65535", who, text);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, portlen, "%lld", p);
	return 0;
}

static struct addrinfo *resolve(const char *text, const char *who, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], port[8];
	int rc;

	if (!text || split(text, who, host, sizeof(host), port, sizeof(port), err, errlen) < 0)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (text[0] == '[' ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "%s: \"%s\": %s", who, text, gai_strerror(rc));
		return NULL;
	}
	return ai;
}

int sv_metrics_listen_check(const char *text, const char *who, char *err, size_t errlen)
{
	char host[256], port[8];

	return split(text, who, host, sizeof(host), port, sizeof(port), err, errlen);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result rc;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_len, void **state)
{
	static char not_found[] = "Not found: the metrics are at /metrics\n";
	static char not_allowed[] = "Only GET and HEAD are served here\n";
	static const char plain[] = "text/plain; charset=utf-8";
	sv_metrics_server *srv = cls;
	char *body;
	size_t len;

	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, plain, not_found, strlen(not_found), MHD_RESPMEM_PERSISTENT);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, plain, not_allowed, strlen(not_allowed),
			     MHD_RESPMEM_PERSISTENT);
	body = sv_metrics_render(srv->reg, &len);
	if (!body)
		return MHD_NO;
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len, MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	sv_log(SV_LOG_WARNING, "metrics listener: %s", line);
}

sv_metrics_server *sv_metrics_listen(sv_metrics *reg, const char *text, const char *who, char *err, size_t errlen)
{
	struct addrinfo *ai = resolve(text, who, err, errlen);
	sv_metrics_server *srv;
	sigset_t all, previous;
	int fd, one = 1, saved;

	if (!ai)
		return NULL;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: cannot make a socket: %s", who, text, strerror(errno));
		freeaddrinfo(ai);
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		saved = errno;
		snprintf(err, errlen, "%s %s: cannot listen there: %s", who, text, strerror(saved));
		close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "%s: out of memory", who);
		close(fd);
		return NULL;
	}
	srv->reg = reg;
	/* The listener's thread takes no signals: the daemon's own threads wait for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &previous);
	/* A scrape takes microseconds; a handful of connections and a short timeout keep a stuck
	 * client from holding any of the daemon's resources. */
	srv->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, srv,
				    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
				    MHD_OPTION_CONNECTION_LIMIT, 16, MHD_OPTION_CONNECTION_TIMEOUT, 10, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &previous, NULL);
	if (!srv->mhd) {
		snprintf(err, errlen, "%s %s: the HTTP listener did not start", who, text);
		close(fd);
		free(srv);
		return NULL;
	}
	return srv;
}

sv_metrics_server *sv_metrics_serve(const char *addr, int (*fill)(sv_metrics *reg), char *err, size_t errlen)
{
	sv_metrics *reg = sv_metrics_new();
	sv_metrics_server *srv;

	if (!reg || fill(reg) < 0) {
		snprintf(err, errlen, "%s: out of memory", SV_METRICS_OPTION);
		sv_metrics_free(reg);
		return NULL;
	}
	srv = sv_metrics_listen(reg, addr, SV_METRICS_OPTION, err, errlen);
	if (!srv) {
		sv_metrics_free(reg);
		return NULL;
	}
	srv->owns_reg = 1;
	return srv;
}

void sv_metrics_stop(sv_metrics_server *srv)
{
	if (!srv)
		return;
	/* MHD_stop_daemon closes the listen socket it was given too. */
	MHD_stop_daemon(srv->mhd);
	if (srv->owns_reg)
		sv_metrics_free(srv->reg);
	free(srv);
}
