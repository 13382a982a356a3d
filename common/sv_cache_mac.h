#ifndef SV_CACHE_MAC_H
#define SV_CACHE_MAC_H

#include <stddef.h>

#include "sv_mac.h"

/* The one format of every value Solve-IT keeps in Redis (the module's leaderboard and scoreboards,
 * the worker's task metadata). Anyone who reaches Redis can write there, so a value counts only
 * when its MAC verifies (sv_mac.h, purpose SV_MAC_PURPOSE_REDIS, label = the full Redis key, so a
 * value copied to another key does not verify there):
 *
 *     "sv1 " <key id> " " <64 hex digits of the MAC> "\n" <body>
 *
 * The body is the bytes the writer had (JSON for every value today), MAC'd exactly as stored. */

#define SV_CACHE_MAGIC "sv1 "
/* The longest header, with its newline: magic, key id, space, MAC, newline. */
#define SV_CACHE_HEADER_MAX (sizeof(SV_CACHE_MAGIC) - 1 + SV_MAC_KEY_ID_MAX + 1 + SV_MAC_HEX_LEN + 1)

/* Writes the header of body (len bytes) stored under key into header (NUL-terminated); the value to
 * store is the header followed by body. Returns the header's length. */
size_t sv_cache_header(const sv_keyring *ring, const char *key, const void *body, size_t len,
		       char header[SV_CACHE_HEADER_MAX + 1]);

/* The body of a value read from key: SV_MAC_OK with *body pointing into value (body_len bytes),
 * SV_MAC_MALFORMED for a value without a header of this format, SV_MAC_UNKNOWN_KEY, SV_MAC_MISMATCH
 * (sv_mac_status_name says which in a log line). */
enum sv_mac_status sv_cache_open(const sv_keyring *ring, const char *key, const char *value, size_t len,
				 const char **body, size_t *body_len);

/* The Redis password (requirepass) from a file that others cannot read (mode 0640 or 0600), its
 * first line without the newline, into out. Returns 0, or -1 with a reason naming the file in err.
 * An empty password is refused (Redis would not ask for one). */
int sv_redis_password_load(const char *path, char *out, size_t outlen, char *err, size_t errlen);

#define SV_REDIS_PASSWORD_MAX 512

#endif
