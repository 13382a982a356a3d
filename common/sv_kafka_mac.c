#include "sv_kafka_mac.h"

#include <stdio.h>
#include <string.h>

sv_keyring *sv_kafka_keyring_load(const char *path, char *err, size_t errlen)
{
	char why[512];
	sv_keyring *ring;

	if (!path || !*path) {
		snprintf(err, errlen,
			 "no key file: set --key-file or SOLVEIT_KEY_FILE to the keyring that signs Kafka messages "
			 "(see doc/security.md)");
		return NULL;
	}
	ring = sv_keyring_load(path, why, sizeof(why));
	if (!ring)
		snprintf(err, errlen, "cannot use the key file given by --key-file or SOLVEIT_KEY_FILE: %s", why);
	return ring;
}

void sv_kafka_mac_add(rd_kafka_headers_t *headers, const sv_keyring *ring, const char *label, const void *value,
		      size_t len)
{
	char hex[SV_MAC_HEX_LEN + 1];

	sv_mac_sign(ring, SV_MAC_PURPOSE_KAFKA, label, value ? value : "", len, hex);
	rd_kafka_header_add(headers, SV_MAC_HEADER_KEY_ID, -1, sv_keyring_signing_id(ring), -1);
	rd_kafka_header_add(headers, SV_MAC_HEADER_MAC, -1, hex, SV_MAC_HEX_LEN);
}

rd_kafka_headers_t *sv_kafka_mac_headers(const sv_keyring *ring, const char *label, const void *value, size_t len)
{
	rd_kafka_headers_t *headers = rd_kafka_headers_new(2);

	sv_kafka_mac_add(headers, ring, label, value, len);
	return headers;
}

/* The only value of header name: NULL when absent or repeated (which of two would count is the
 * attacker's choice). */
static const void *single_header(rd_kafka_headers_t *headers, const char *name, size_t *len)
{
	const void *value = NULL, *second = NULL;
	size_t second_len;

	if (rd_kafka_header_get(headers, 0, name, &value, len) != RD_KAFKA_RESP_ERR_NO_ERROR || !value)
		return NULL;
	if (rd_kafka_header_get(headers, 1, name, &second, &second_len) == RD_KAFKA_RESP_ERR_NO_ERROR)
		return NULL;
	return value;
}

enum sv_mac_status sv_kafka_mac_check_headers(const sv_keyring *ring, rd_kafka_headers_t *headers, const void *value,
					      size_t len, const char *label)
{
	const void *key_id, *mac;
	size_t key_id_len = 0, mac_len = 0;

	if (!ring || !headers)
		return SV_MAC_MALFORMED;
	key_id = single_header(headers, SV_MAC_HEADER_KEY_ID, &key_id_len);
	mac = single_header(headers, SV_MAC_HEADER_MAC, &mac_len);
	if (!key_id || !mac)
		return SV_MAC_MALFORMED;
	return sv_mac_verify(ring, key_id, key_id_len, SV_MAC_PURPOSE_KAFKA, label, value ? value : "", value ? len : 0,
			     mac, mac_len);
}

enum sv_mac_status sv_kafka_mac_check(const sv_keyring *ring, const rd_kafka_message_t *m, const char *label)
{
	rd_kafka_headers_t *headers = NULL;

	/* The headers stay the message's (rd_kafka_message_headers does not detach them). */
	if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR)
		headers = NULL;
	return sv_kafka_mac_check_headers(ring, headers, m->payload, m->len, label);
}

const char *sv_kafka_mac_reason(enum sv_mac_status status, const char *what, char *out, size_t outlen)
{
	snprintf(out, outlen, "unauthenticated %s message: %s", what, sv_mac_status_name(status));
	return out;
}
