#ifndef SV_MAC_H
#define SV_MAC_H

#include <stddef.h>

/* Keyed MACs (HMAC-SHA-256) for everything Solve-IT stores or sends outside PostgreSQL: Kafka
 * messages and Redis values. Anyone who reaches the broker or the cache can write there; a value
 * counts only when its MAC verifies under a key of the keyring.
 *
 * A keyring is a file readable only by the services (no access for others: mode 0600 or 0640), one
 * key per line:
 *
 *     <key id> <secret as hex, at least 32 bytes (64 hex digits)>
 *
 * Blank lines and lines starting with '#' are ignored. The first key signs; every key verifies.
 * Rotation keeps two live keys: add the new key as the second line everywhere (it verifies), then
 * make it the first (it signs), then drop the old one once nothing signed with it is in flight.
 *
 * What is MAC'd is the exact bytes, prefixed by a purpose and a label, so that a value signed for
 * one use never verifies for another:
 *
 *     HMAC-SHA-256(secret, "solveit-mac-v1" NUL purpose NUL label NUL bytes)
 *
 * purpose names the kind of value ("kafka", "redis"); label binds it to its place (the message
 * kind, the Redis key). */

#define SV_MAC_HEX_LEN    64 /* hex digits of one MAC */
#define SV_MAC_KEY_ID_MAX 64 /* bytes of a key id, without the NUL */
#define SV_MAC_KEYS_MAX   8

/* Kafka headers of a signed message. */
#define SV_MAC_HEADER_KEY_ID "solveit-key-id"
#define SV_MAC_HEADER_MAC    "solveit-mac"

/* Purposes, and the labels of Kafka messages by what they carry (not by topic: topics are
 * configurable). A submission message verifies only as a submission, and so on. */
#define SV_MAC_PURPOSE_KAFKA    "kafka"
#define SV_MAC_PURPOSE_REDIS    "redis"
#define SV_MAC_LABEL_SUBMISSION "submission" /* code-submissions */
#define SV_MAC_LABEL_RESULT     "result"     /* code-results: progress events and final results */
#define SV_MAC_LABEL_RUN        "run"        /* a run on the samples (kind sample_run, SolveitRunsTopic) */
#define SV_MAC_LABEL_RUN_RESULT "run-result" /* its result on code-results */

enum sv_mac_status {
	SV_MAC_OK = 0,
	SV_MAC_UNKNOWN_KEY = 1, /* no key of that id in the keyring */
	SV_MAC_MISMATCH = 2,    /* the key is known, the MAC is not its MAC of these bytes */
	SV_MAC_MALFORMED = 3,   /* missing, not 64 hex digits, or no key id */
};

typedef struct sv_keyring sv_keyring;

/* Loads path. Refuses a file others can read or write, a line that is not "id hex", a secret
 * shorter than 32 bytes, a repeated id, and a file with no key. Returns NULL with a reason naming
 * the file (and line) in err. */
sv_keyring *sv_keyring_load(const char *path, char *err, size_t errlen);

/* A keyring from memory, same format and rules except the file mode (tests, and callers that read
 * the file themselves). */
sv_keyring *sv_keyring_parse(const char *text, const char *name, char *err, size_t errlen);

void sv_keyring_free(sv_keyring *ring);

/* The id of the signing key (the first). */
const char *sv_keyring_signing_id(const sv_keyring *ring);

size_t sv_keyring_count(const sv_keyring *ring);

/* The MAC of (purpose, label, data) under the signing key, as 64 lowercase hex digits and a NUL. */
void sv_mac_sign(const sv_keyring *ring, const char *purpose, const char *label, const void *data, size_t len,
		 char hex[SV_MAC_HEX_LEN + 1]);

/* Checks hex (hex_len digits, not necessarily NUL-terminated) against the MAC of (purpose, label,
 * data) under key_id (key_id_len bytes). Constant time in the MAC comparison. */
enum sv_mac_status sv_mac_verify(const sv_keyring *ring, const char *key_id, size_t key_id_len, const char *purpose,
				 const char *label, const void *data, size_t len, const char *hex, size_t hex_len);

/* A short English name of a status, for logs and dead-letter reasons. */
const char *sv_mac_status_name(enum sv_mac_status status);

#endif
