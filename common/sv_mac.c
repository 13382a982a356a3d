#include "sv_mac.h"
#include "sv_parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define SECRET_MIN  32
#define SECRET_MAX  128
#define KEYRING_MAX 16384 /* bytes of a keyring file */
#define MAC_DOMAIN  "solveit-mac-v1"

typedef struct {
	char id[SV_MAC_KEY_ID_MAX + 1];
	unsigned char secret[SECRET_MAX];
	size_t secret_len;
} mac_key;

struct sv_keyring {
	mac_key keys[SV_MAC_KEYS_MAX];
	size_t count;
};

static int id_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
	       c == '.';
}

/* One "id hex" line into key; -1 with a reason in err. */
static int parse_key_line(const char *line, size_t len, mac_key *key, char *err, size_t errlen)
{
	size_t i = 0, id_len = 0, hex_start, hex_len = 0;

	while (i < len && id_char((unsigned char)line[i]))
		i++;
	id_len = i;
	if (id_len == 0 || id_len > SV_MAC_KEY_ID_MAX) {
		snprintf(err, errlen, "a key id is 1 to %d letters, digits, '-', '_' or '.'", SV_MAC_KEY_ID_MAX);
		return -1;
	}
	if (i >= len || (line[i] != ' ' && line[i] != '\t')) {
		snprintf(err, errlen, "expected \"<key id> <secret as hex>\"");
		return -1;
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	hex_start = i;
	while (i < len && sv_hex_digit((unsigned char)line[i]) >= 0)
		i++;
	hex_len = i - hex_start;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	if (i != len || hex_len % 2 != 0) {
		snprintf(err, errlen, "the secret must be an even number of hex digits");
		return -1;
	}
	if (hex_len / 2 < SECRET_MIN || hex_len / 2 > SECRET_MAX) {
		snprintf(err, errlen, "the secret must be %d to %d bytes (%d to %d hex digits)", SECRET_MIN, SECRET_MAX,
			 2 * SECRET_MIN, 2 * SECRET_MAX);
		return -1;
	}
	memcpy(key->id, line, id_len);
	key->id[id_len] = '\0';
	for (size_t k = 0; k < hex_len / 2; k++)
		key->secret[k] = (unsigned char)(sv_hex_digit((unsigned char)line[hex_start + 2 * k]) * 16 +
						 sv_hex_digit((unsigned char)line[hex_start + 2 * k + 1]));
	key->secret_len = hex_len / 2;
	return 0;
}

sv_keyring *sv_keyring_parse(const char *text, const char *name, char *err, size_t errlen)
{
	sv_keyring *ring = calloc(1, sizeof(*ring));
	const char *p = text;
	unsigned lineno = 0;
	char why[160];

	if (!ring) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	while (*p) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *line = p;

		lineno++;
		p = end ? end + 1 : p + len;
		while (len && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (len == 0 || *line == '#')
			continue;
		if (ring->count == SV_MAC_KEYS_MAX) {
			snprintf(err, errlen, "%s: more than %d keys", name, SV_MAC_KEYS_MAX);
			goto fail;
		}
		if (parse_key_line(line, len, &ring->keys[ring->count], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s line %u: %s", name, lineno, why);
			goto fail;
		}
		for (size_t k = 0; k < ring->count; k++)
			if (strcmp(ring->keys[k].id, ring->keys[ring->count].id) == 0) {
				snprintf(err, errlen, "%s line %u: key id \"%s\" appears twice", name, lineno,
					 ring->keys[k].id);
				goto fail;
			}
		ring->count++;
	}
	if (ring->count == 0) {
		snprintf(err, errlen, "%s: no key (expected lines \"<key id> <secret as hex>\")", name);
		goto fail;
	}
	return ring;
fail:
	sv_keyring_free(ring);
	return NULL;
}

sv_keyring *sv_keyring_load(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	sv_keyring *ring;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH | S_IXOTH)) {
		snprintf(err, errlen,
			 "%s: others may access it (mode %04o); make it readable only by the services (chmod 0640)",
			 path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	if (st.st_size > KEYRING_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, KEYRING_MAX);
		close(fd);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size && (n = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	text[got] = '\0';
	ring = sv_keyring_parse(text, path, err, errlen);
	OPENSSL_cleanse(text, got);
	free(text);
	return ring;
}

void sv_keyring_free(sv_keyring *ring)
{
	if (!ring)
		return;
	OPENSSL_cleanse(ring, sizeof(*ring));
	free(ring);
}

const char *sv_keyring_signing_id(const sv_keyring *ring)
{
	return ring->keys[0].id;
}

size_t sv_keyring_count(const sv_keyring *ring)
{
	return ring->count;
}

static void mac_raw(const mac_key *key, const char *purpose, const char *label, const void *data, size_t len,
		    unsigned char out[32])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[2];
	size_t written = 0;

	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!ctx || !EVP_MAC_init(ctx, key->secret, key->secret_len, params) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)MAC_DOMAIN, sizeof(MAC_DOMAIN)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)purpose, strlen(purpose) + 1) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)label, strlen(label) + 1) || !EVP_MAC_update(ctx, data, len) ||
	    !EVP_MAC_final(ctx, out, &written, 32) || written != 32) {
		/* Only out of memory gets here: a MAC no key can produce, so nothing verifies. */
		memset(out, 0, 32);
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

void sv_mac_sign(const sv_keyring *ring, const char *purpose, const char *label, const void *data, size_t len,
		 char hex[SV_MAC_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[32];

	mac_raw(&ring->keys[0], purpose, label, data, len, raw);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[SV_MAC_HEX_LEN] = '\0';
}

enum sv_mac_status sv_mac_verify(const sv_keyring *ring, const char *key_id, size_t key_id_len, const char *purpose,
				 const char *label, const void *data, size_t len, const char *hex, size_t hex_len)
{
	unsigned char want[32], got[32];
	const mac_key *key = NULL;

	if (!key_id || key_id_len == 0 || !hex || hex_len != SV_MAC_HEX_LEN)
		return SV_MAC_MALFORMED;
	for (size_t i = 0; i < SV_MAC_HEX_LEN; i += 2) {
		int hi = sv_hex_digit((unsigned char)hex[i]), lo = sv_hex_digit((unsigned char)hex[i + 1]);
		if (hi < 0 || lo < 0)
			return SV_MAC_MALFORMED;
		got[i / 2] = (unsigned char)(hi * 16 + lo);
	}
	for (size_t k = 0; k < ring->count; k++)
		if (strlen(ring->keys[k].id) == key_id_len && memcmp(ring->keys[k].id, key_id, key_id_len) == 0)
			key = &ring->keys[k];
	if (!key)
		return SV_MAC_UNKNOWN_KEY;
	mac_raw(key, purpose, label, data, len, want);
	return CRYPTO_memcmp(want, got, 32) == 0 ? SV_MAC_OK : SV_MAC_MISMATCH;
}

const char *sv_mac_status_name(enum sv_mac_status status)
{
	switch (status) {
	case SV_MAC_OK:
		return "valid MAC";
	case SV_MAC_UNKNOWN_KEY:
		return "MAC under an unknown key id";
	case SV_MAC_MISMATCH:
		return "MAC does not match";
	case SV_MAC_MALFORMED:
		return "no valid MAC";
	}
	return "no valid MAC";
}
