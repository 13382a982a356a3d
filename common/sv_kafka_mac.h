#ifndef SV_KAFKA_MAC_H
#define SV_KAFKA_MAC_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "sv_mac.h"
#include "sv_options.h"

/* Kafka messages signed and checked in one place for every producer and consumer of Solve-IT (the
 * module, solveit-admin, judge-worker, result-sink): the MAC (sv_mac.h, purpose "kafka") of the
 * exact value bytes under the label of what the message carries, in the headers
 * SV_MAC_HEADER_KEY_ID and SV_MAC_HEADER_MAC. See doc/security.md, "Kafka messages". */

/* Where an installed service looks for the keyring unless told otherwise. */
#define SV_KEY_FILE_DEFAULT "/etc/solveit/solveit.keys"

/* The one option row of the daemons' sv_option tables (sv_options.h) that names the keyring:
 * --key-file / SOLVEIT_KEY_FILE, into the char * field of cfg_type. */
#define SV_KEY_FILE_OPTION(cfg_type, field)                                                                            \
	{                                                                                                              \
		"key-file", 0, "SOLVEIT_KEY_FILE", SV_OPT_STRING, offsetof(cfg_type, field), 0, 0, 0, "PATH",          \
		    "the keyring that signs and checks Kafka messages (mode 0640 or 0600, the same file for every "    \
		    "service)",                                                                                        \
		    SV_OPT_REQUIRED                                                                                    \
	}

/* Loads the keyring a program was pointed at; NULL with a sentence naming the file, the reason and
 * the option (--key-file, SOLVEIT_KEY_FILE) in err. */
sv_keyring *sv_kafka_keyring_load(const char *path, char *err, size_t errlen);

/* Adds the headers that sign value[0..len) under label to headers. */
void sv_kafka_mac_add(rd_kafka_headers_t *headers, const sv_keyring *ring, const char *label, const void *value,
		      size_t len);

/* New headers holding only the signature of value under label (librdkafka owns them once a
 * message carrying them is queued; rd_kafka_headers_destroy them otherwise). */
rd_kafka_headers_t *sv_kafka_mac_headers(const sv_keyring *ring, const char *label, const void *value, size_t len);

/* Checks a consumed message's signature under label: SV_MAC_OK only when its key id is in ring and
 * its MAC is that key's MAC of the exact value bytes. A message without the headers, with either
 * header twice, or with an empty value checks as its payload bytes (empty) would. */
enum sv_mac_status sv_kafka_mac_check(const sv_keyring *ring, const rd_kafka_message_t *m, const char *label);

/* The same over headers and value bytes (NULL headers: none). */
enum sv_mac_status sv_kafka_mac_check_headers(const sv_keyring *ring, rd_kafka_headers_t *headers, const void *value,
					      size_t len, const char *label);

/* The dead-letter reason of a message refused by sv_kafka_mac_check: "unauthenticated <what>
 * message: <sv_mac_status_name>", in out. */
const char *sv_kafka_mac_reason(enum sv_mac_status status, const char *what, char *out, size_t outlen);

#endif
