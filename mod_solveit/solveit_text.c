#include "solveit_text.h"

#include <ctype.h>
#include <string.h>

#include "apr_lib.h"
#include "apr_strings.h"

#include "sv_parse.h"

/* The entity that stands for c in HTML, or NULL when c stands for itself. */
static const char *html_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

char *sv_html_escape(apr_pool_t *p, const char *s)
{
	apr_size_t len = 0, i;
	const char *e;
	char *out, *o;

	for (i = 0; s[i]; i++)
		len += (e = html_entity(s[i])) ? strlen(e) : 1;
	if (len == i)
		return apr_pstrmemdup(p, s, i);
	o = out = apr_palloc(p, len + 1);
	for (; *s; s++) {
		if ((e = html_entity(*s)) != NULL)
			o = stpcpy(o, e);
		else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

int sv_utf8_valid(const char *str, apr_size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;

	while (s < end) {
		unsigned c = *s;
		int n;
		unsigned cp, min;

		if (c < 0x80) {
			s++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (end - s <= n)
			return 0;
		for (int i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

char *sv_hex(apr_pool_t *p, const unsigned char *bytes, apr_size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *out = apr_palloc(p, 2 * len + 1);

	for (apr_size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

char *sv_hex_decode(apr_pool_t *p, const char *hex, apr_size_t *len)
{
	apr_size_t n = hex ? strlen(hex) : 0;
	char *out;

	if (!hex || n % 2)
		return NULL;
	out = apr_palloc(p, n / 2 + 1);
	for (apr_size_t i = 0; i < n / 2; i++) {
		int hi = sv_hex_digit(hex[2 * i]), lo = sv_hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return NULL;
		out[i] = (char)(hi << 4 | lo);
	}
	out[n / 2] = '\0';
	*len = n / 2;
	return out;
}

apr_size_t sv_utf8_whole(const char *str, apr_size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	/* The last lead byte among the final four: drop it when its sequence needs more bytes than follow. */
	for (apr_size_t back = 1; back <= 4 && back <= len; back++) {
		unsigned c = s[len - back];
		apr_size_t need;

		if ((c & 0xc0) == 0x80)
			continue; /* a continuation byte */
		need = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
		return need > back ? len - back : len;
	}
	return len;
}

/* Decodes + and %XX of [s, s+len) into a new NUL-terminated buffer; -1 on a bad escape. */
static int url_decode(apr_pool_t *p, const char *s, apr_size_t len, char **out, apr_size_t *outlen)
{
	char *o = apr_palloc(p, len + 1), *start = o;

	for (apr_size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = sv_hex_digit(s[i + 1]);
			lo = sv_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	*out = start;
	*outlen = (apr_size_t)(o - start);
	return 0;
}

apr_array_header_t *sv_urlencoded_parse(apr_pool_t *p, const char *body, apr_size_t len, const char **err)
{
	apr_array_header_t *fields = apr_array_make(p, 8, sizeof(sv_field));
	const char *s = body, *end = body + len;

	while (s < end) {
		const char *amp = memchr(s, '&', (apr_size_t)(end - s)), *eq;
		sv_field *f;
		char *name, *value;
		apr_size_t nlen, vlen;

		if (!amp)
			amp = end;
		if (amp == s) {
			s++;
			continue;
		}
		eq = memchr(s, '=', (apr_size_t)(amp - s));
		if (!eq)
			eq = amp;
		if (url_decode(p, s, (apr_size_t)(eq - s), &name, &nlen) < 0 ||
		    (eq < amp ? url_decode(p, eq + 1, (apr_size_t)(amp - eq - 1), &value, &vlen)
			      : (value = apr_pstrdup(p, ""), vlen = 0, 0)) < 0) {
			*err = "malformed form body: bad %-escape";
			return NULL;
		}
		f = apr_array_push(fields);
		f->name = name;
		f->value = value;
		f->len = vlen;
		f->filename = NULL;
		s = amp + 1;
	}
	return fields;
}

/* The value of parameter param in a header like 'form-data; name="x"; filename="y"'. */
static const char *header_param(apr_pool_t *p, const char *header, const char *param)
{
	apr_size_t plen = strlen(param);
	const char *s = header;

	while ((s = strchr(s, ';')) != NULL) {
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (strncasecmp(s, param, plen) == 0 && s[plen] == '=') {
			const char *v = s + plen + 1, *e;

			if (*v == '"') {
				v++;
				e = strchr(v, '"');
				if (!e)
					return NULL;
			} else {
				e = v + strcspn(v, "; \t");
			}
			return apr_pstrmemdup(p, v, (apr_size_t)(e - v));
		}
	}
	return NULL;
}

apr_array_header_t *sv_multipart_parse(apr_pool_t *p, const char *content_type, char *body, apr_size_t len,
				       const char **err)
{
	apr_array_header_t *fields = apr_array_make(p, 8, sizeof(sv_field));
	const char *boundary = header_param(p, content_type, "boundary");
	const char *delim, *end = body + len;
	char *s;
	apr_size_t dlen;

	if (!boundary || !*boundary || strlen(boundary) > 70) {
		*err = "malformed multipart body: no valid boundary in Content-Type";
		return NULL;
	}
	delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
	dlen = strlen(delim);
	/* The first delimiter may open the body without the leading CRLF. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
		s = body + dlen - 2;
	} else {
		s = memmem(body, len, delim, dlen);
		if (!s) {
			*err = "malformed multipart body: boundary not found";
			return NULL;
		}
		s += dlen;
	}
	for (;;) {
		const char *line;
		char *headers_end;
		char *next;
		const char *name = NULL, *filename = NULL;
		sv_field *f;

		if (end - s >= 2 && s[0] == '-' && s[1] == '-')
			return fields; /* closing delimiter */
		if (end - s < 2 || s[0] != '\r' || s[1] != '\n') {
			*err = "malformed multipart body: delimiter not followed by CRLF";
			return NULL;
		}
		s += 2;
		headers_end = memmem(s, (apr_size_t)(end - s), "\r\n\r\n", 4);
		if (!headers_end) {
			*err = "malformed multipart body: part headers not terminated";
			return NULL;
		}
		for (line = s; line < headers_end + 2;) {
			const char *eol = memmem(line, (apr_size_t)(headers_end + 2 - line), "\r\n", 2);
			char *h = apr_pstrmemdup(p, line, (apr_size_t)(eol - line));

			if (strncasecmp(h, "Content-Disposition:", 20) == 0) {
				name = header_param(p, h, "name");
				filename = header_param(p, h, "filename");
			}
			line = eol + 2;
		}
		if (!name) {
			*err = "malformed multipart body: a part has no Content-Disposition name";
			return NULL;
		}
		s = headers_end + 4;
		next = memmem(s, (apr_size_t)(end - s), delim, dlen);
		if (!next) {
			*err = "malformed multipart body: closing boundary missing";
			return NULL;
		}
		f = apr_array_push(fields);
		f->name = name;
		f->filename = filename;
		/* In place, so that a large upload is not held twice: the value ends where the CR of its
		 * delimiter was, which the search for the next one has passed. */
		f->value = s;
		f->len = (apr_size_t)(next - s);
		*next = '\0';
		s = next + dlen;
	}
}

const sv_field *sv_fields_get(const apr_array_header_t *fields, const char *name)
{
	for (int i = 0; i < fields->nelts; i++) {
		const sv_field *f = &APR_ARRAY_IDX(fields, i, sv_field);

		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

int sv_secure_equal(const char *a, const char *b)
{
	apr_size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = 0;

	if (la != lb)
		return 0;
	for (apr_size_t i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

int sv_word_in(const char *s, const char *const *words)
{
	for (; s && *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

int sv_integer_text(const char *s)
{
	if (!s)
		return 0;
	if (*s == '-')
		s++;
	return *s && s[strspn(s, "0123456789")] == '\0';
}
