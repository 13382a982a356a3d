#include "sv_cache_mac.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define MAGIC_LEN (sizeof(SV_CACHE_MAGIC) - 1)

size_t sv_cache_header(const sv_keyring *ring, const char *key, const void *body, size_t len,
		       char header[SV_CACHE_HEADER_MAX + 1])
{
	char mac[SV_MAC_HEX_LEN + 1];
	int n;

	sv_mac_sign(ring, SV_MAC_PURPOSE_REDIS, key, body, len, mac);
	n = snprintf(header, SV_CACHE_HEADER_MAX + 1, "%s%s %s\n", SV_CACHE_MAGIC, sv_keyring_signing_id(ring), mac);
	return n < 0 ? 0 : (size_t)n;
}

enum sv_mac_status sv_cache_open(const sv_keyring *ring, const char *key, const char *value, size_t len,
				 const char **body, size_t *body_len)
{
	const char *id, *space, *mac, *nl;
	size_t rest;
	enum sv_mac_status st;

	if (!value || len < MAGIC_LEN || memcmp(value, SV_CACHE_MAGIC, MAGIC_LEN) != 0)
		return SV_MAC_MALFORMED;
	id = value + MAGIC_LEN;
	rest = len - MAGIC_LEN;
	if (!(space = memchr(id, ' ', rest < SV_MAC_KEY_ID_MAX + 1 ? rest : SV_MAC_KEY_ID_MAX + 1)) || space == id)
		return SV_MAC_MALFORMED;
	mac = space + 1;
	rest = len - (size_t)(mac - value);
	if (!(nl = memchr(mac, '\n', rest < SV_MAC_HEX_LEN + 1 ? rest : SV_MAC_HEX_LEN + 1)))
		return SV_MAC_MALFORMED;
	*body = nl + 1;
	*body_len = len - (size_t)(*body - value);
	st = sv_mac_verify(ring, id, (size_t)(space - id), SV_MAC_PURPOSE_REDIS, key, *body, *body_len, mac,
			   (size_t)(nl - mac));
	if (st != SV_MAC_OK) {
		*body = NULL;
		*body_len = 0;
	}
	return st;
}

int sv_redis_password_load(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	struct stat st = {0};
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & (S_IROTH | S_IWOTH | S_IXOTH))) {
		snprintf(err, errlen,
			 "%s: not a regular file that only the services may read (mode %04o; make it 0640, "
			 "owned by root and the services' group)",
			 path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = read(fd, out, outlen - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if (!*out || (size_t)n == outlen - 1) {
		snprintf(err, errlen, "%s: %s", path,
			 *out ? "the password is longer than the file may hold"
			      : "empty: no password in its first line");
		OPENSSL_cleanse(out, outlen);
		return -1;
	}
	return 0;
}
