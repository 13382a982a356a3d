#include "sv_kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sv_log.h"

static void kafka_log(const rd_kafka_t *rk, int level, const char *facility, const char *message)
{
	/* librdkafka's levels are syslog levels, like ours; its debug chatter stays at debug. */
	sv_log(level <= 3   ? SV_LOG_ERR
	       : level == 4 ? SV_LOG_WARNING
			    : SV_LOG_DEBUG,
	       "kafka %s: %s: %s", rd_kafka_name(rk), facility, message);
}

int sv_kafka_conf_set_option(rd_kafka_conf_t *conf, const char *option, char *err, size_t errlen)
{
	const char *eq = strchr(option, '=');
	char key[256], reason[512];

	if (!eq || eq == option || (size_t)(eq - option) >= sizeof(key)) {
		snprintf(err, errlen, "\"%s\" is not key=value", option);
		return -1;
	}
	memcpy(key, option, (size_t)(eq - option));
	key[eq - option] = '\0';
	if (rd_kafka_conf_set(conf, key, eq + 1, reason, sizeof(reason)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "%s: %s", key, reason);
		return -1;
	}
	return 0;
}

rd_kafka_conf_t *sv_kafka_conf_new(const char *brokers, const char *const *options, size_t option_count, char *err,
				   size_t errlen)
{
	/* Reconnect quickly after a broker outage; the defaults back off for up to 10 s. */
	static const char *const defaults[] = {
	    "reconnect.backoff.ms=100",
	    "reconnect.backoff.max.ms=1000",
	    "socket.keepalive.enable=true",
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char reason[512];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, reason, sizeof(reason)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "bootstrap.servers: %s", reason);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (sv_kafka_conf_set_option(conf, defaults[i], err, errlen) < 0)
			goto fail;
	for (size_t i = 0; i < option_count; i++)
		if (sv_kafka_conf_set_option(conf, options[i], err, errlen) < 0)
			goto fail;
	rd_kafka_conf_set_log_cb(conf, kafka_log);
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int sv_kafka_reachable(rd_kafka_t *rk, int timeout_ms, char *err, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t rc;

	rc = rd_kafka_metadata(rk, 0, NULL, &md, timeout_ms);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "%s", rd_kafka_err2str(rc));
		return 0;
	}
	rd_kafka_metadata_destroy(md);
	return 1;
}
