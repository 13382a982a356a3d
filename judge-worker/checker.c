#include "checker.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A token or snippet is quoted in a reason up to this many output characters, then "...". */
#define QUOTE_MAX 48

void checker_options_init(checker_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->mode = CHECKER_DEFAULT;
}

static int parse_tolerance(const char *word, const char *value, double *out, char *err, size_t errlen)
{
	char *end;
	double number;

	if (!value) {
		snprintf(err, errlen, "validator flag %s needs a number", word);
		return -1;
	}
	errno = 0;
	number = strtod(value, &end);
	if (errno || end == value || *end || !isfinite(number) || number < 0) {
		snprintf(err, errlen, "validator flag %s: \"%.40s\" is not a non-negative number", word, value);
		return -1;
	}
	*out = number;
	return 0;
}

int checker_options_parse(const char *flags, checker_options *opts, char *err, size_t errlen)
{
	char *copy, *save = NULL, *word;
	int rc = 0;

	if (!flags)
		return 0;
	copy = strdup(flags);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (word = strtok_r(copy, " \t\r\n\f\v", &save); word && rc == 0;
	     word = strtok_r(NULL, " \t\r\n\f\v", &save)) {
		double tol;

		if (strcmp(word, "exact") == 0) {
			opts->mode = CHECKER_EXACT;
		} else if (strcmp(word, "case_sensitive") == 0) {
			opts->case_sensitive = 1;
		} else if (strcmp(word, "space_change_sensitive") == 0) {
			opts->space_change_sensitive = 1;
		} else if (strcmp(word, "float_tolerance") == 0 || strcmp(word, "float_absolute_tolerance") == 0 ||
			   strcmp(word, "float_relative_tolerance") == 0) {
			rc = parse_tolerance(word, strtok_r(NULL, " \t\r\n\f\v", &save), &tol, err, errlen);
			if (rc == 0 && strcmp(word, "float_relative_tolerance") != 0) {
				opts->has_abs_tolerance = 1;
				opts->abs_tolerance = tol;
			}
			if (rc == 0 && strcmp(word, "float_absolute_tolerance") != 0) {
				opts->has_rel_tolerance = 1;
				opts->rel_tolerance = tol;
			}
		} else {
			snprintf(err, errlen, "unknown validator flag \"%.40s\"", word);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

/* Writes bytes as a double-quoted C-like literal, cut after QUOTE_MAX characters with "...".
 * out must hold QUOTE_MAX + 8 bytes. Bytes >= 0x80 pass through (UTF-8 text stays readable;
 * the result message builder repairs a sequence cut in half). */
static void quote(const unsigned char *p, size_t len, char *out)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		char esc[5];
		size_t n;

		if (c == '"' || c == '\\')
			n = (size_t)snprintf(esc, sizeof(esc), "\\%c", c);
		else if (c == '\n')
			n = (size_t)snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\r')
			n = (size_t)snprintf(esc, sizeof(esc), "\\r");
		else if (c == '\t')
			n = (size_t)snprintf(esc, sizeof(esc), "\\t");
		else if (c == '\0')
			n = (size_t)snprintf(esc, sizeof(esc), "\\0");
		else if (c < 0x20 || c == 0x7f)
			n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		else
			n = (size_t)snprintf(esc, sizeof(esc), "%c", c);
		if (o - 1 + n > QUOTE_MAX) {
			memcpy(out + o, "\"...", 5);
			return;
		}
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static void set_reason(char *reason, size_t reasonlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_reason(char *reason, size_t reasonlen, const char *fmt, ...)
{
	va_list ap;

	if (!reason || reasonlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, reasonlen, fmt, ap);
	va_end(ap);
}

/* The whitespace of the Kattis validator (C isspace in the "C" locale). */
static int is_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int all_space(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_space(p[i]))
			return 0;
	return 1;
}

/* ---- exact mode ---- */

static size_t count_lines(const unsigned char *p, size_t upto)
{
	size_t line = 1;
	const unsigned char *end = p + upto, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p = nl + 1;
	}
	return line;
}

/* A snippet from pos to the end of its line (at least one byte, so a newline shows as "\n"). */
static void snippet(const unsigned char *p, size_t len, size_t pos, char *out)
{
	size_t end = pos + 1;

	if (pos < len && p[pos] != '\n')
		while (end < len && end - pos < QUOTE_MAX && p[end] != '\n')
			end++;
	quote(p + pos, end - pos, out);
}

static sv_verdict compare_exact(const unsigned char *exp, size_t exp_len, const unsigned char *act, size_t act_len,
				char *reason, size_t reasonlen)
{
	size_t common = exp_len < act_len ? exp_len : act_len, i = 0;
	char want[QUOTE_MAX + 8], got[QUOTE_MAX + 8];

	if (exp_len == act_len && memcmp(exp, act, exp_len) == 0)
		return SV_VERDICT_AC;
	/* memcmp finds a difference fast; the byte loop then only runs inside the differing block. */
	while (i < common) {
		size_t n = common - i < 4096 ? common - i : 4096;

		if (memcmp(exp + i, act + i, n) != 0)
			break;
		i += n;
	}
	while (i < common && exp[i] == act[i])
		i++;

	if (i == act_len) {
		if (exp_len - i == 1 && exp[i] == '\n')
			set_reason(reason, reasonlen, "line %zu: missing newline at end of output",
				   count_lines(act, i));
		else
			set_reason(reason, reasonlen, "output ended early at line %zu", count_lines(act, i));
	} else if (i == exp_len) {
		snippet(act, act_len, i, got);
		set_reason(reason, reasonlen, "line %zu: %s after the expected end of output: %s", count_lines(act, i),
			   all_space(act + i, act_len - i) ? "extra whitespace" : "extra output", got);
	} else {
		size_t line_start = i;

		while (line_start > 0 && act[line_start - 1] != '\n')
			line_start--;
		snippet(exp, exp_len, i, want);
		snippet(act, act_len, i, got);
		set_reason(reason, reasonlen, "line %zu, column %zu: expected %s, got %s", count_lines(act, i),
			   i - line_start + 1, want, got);
	}
	return SV_VERDICT_WA;
}

/* ---- default (Kattis) mode ---- */

typedef struct {
	const unsigned char *p;
	size_t len;
	size_t pos;
	size_t line; /* line of pos, from 1 */
} cursor;

/* Advances over whitespace; returns where the run started. */
static size_t skip_space(cursor *c)
{
	size_t start = c->pos;

	while (c->pos < c->len && is_space(c->p[c->pos])) {
		if (c->p[c->pos] == '\n')
			c->line++;
		c->pos++;
	}
	return start;
}

static size_t take_token(cursor *c)
{
	size_t start = c->pos;

	while (c->pos < c->len && !is_space(c->p[c->pos]))
		c->pos++;
	return start;
}

static int ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int tokens_equal(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen, int case_sensitive)
{
	if (alen != blen)
		return 0;
	if (case_sensitive)
		return memcmp(a, b, alen) == 0;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

/* A decimal number: [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]. Hex, inf and nan
 * are not numbers here, so such answer tokens are compared as strings. */
static int is_decimal(const unsigned char *p, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && (p[i] == '+' || p[i] == '-'))
		i++;
	while (i < len && p[i] >= '0' && p[i] <= '9')
		i++, digits++;
	if (i < len && p[i] == '.') {
		i++;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++, digits++;
	}
	if (digits == 0)
		return 0;
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		size_t exp_digits = 0;

		i++;
		if (i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++, exp_digits++;
		if (exp_digits == 0)
			return 0;
	}
	return i == len;
}

/* Parses a token is_decimal accepted. strtod needs a terminated string; the daemon runs in the
 * "C" locale, so the decimal point is '.'. Returns -1 only when out of memory. */
static int decimal_value(const unsigned char *p, size_t len, double *out)
{
	char small[64], *text = small;

	if (len >= sizeof(small)) {
		text = malloc(len + 1);
		if (!text)
			return -1;
	}
	memcpy(text, p, len);
	text[len] = '\0';
	*out = strtod(text, NULL);
	if (text != small)
		free(text);
	return 0;
}

/* Kattis semantics: within the absolute OR the relative tolerance (relative to the answer). */
static int within_tolerance(const checker_options *opts, double want, double got)
{
	double diff = fabs(want - got);

	if (opts->has_abs_tolerance && diff <= opts->abs_tolerance)
		return 1;
	if (opts->has_rel_tolerance && diff <= opts->rel_tolerance * fabs(want))
		return 1;
	return 0;
}

static void describe_space(const unsigned char *p, size_t len, char *out)
{
	if (len == 0)
		snprintf(out, QUOTE_MAX + 8, "no whitespace");
	else
		quote(p, len, out);
}

static sv_verdict compare_tokens(const checker_options *opts, const unsigned char *exp, size_t exp_len,
				 const unsigned char *act, size_t act_len, char *reason, size_t reasonlen)
{
	cursor e = {exp, exp_len, 0, 1}, a = {act, act_len, 0, 1};
	int tolerance = opts->has_abs_tolerance || opts->has_rel_tolerance;
	char want[QUOTE_MAX + 8], got[QUOTE_MAX + 8];
	size_t token_number = 0;

	for (;;) {
		size_t es, as, el, al, line;

		es = skip_space(&e);
		line = a.line;
		as = skip_space(&a);
		if (opts->space_change_sensitive && !tokens_equal(exp + es, e.pos - es, act + as, a.pos - as, 1)) {
			describe_space(exp + es, e.pos - es, want);
			describe_space(act + as, a.pos - as, got);
			set_reason(reason, reasonlen, "line %zu: whitespace differs: expected %s, got %s", line, want,
				   got);
			return SV_VERDICT_WA;
		}
		es = take_token(&e);
		as = take_token(&a);
		el = e.pos - es;
		al = a.pos - as;
		if (el == 0 && al == 0)
			return SV_VERDICT_AC;
		token_number++;
		if (al == 0) {
			quote(exp + es, el, want);
			set_reason(reason, reasonlen, "output ended early: expected %s next (answer token %zu)", want,
				   token_number);
			return SV_VERDICT_WA;
		}
		if (el == 0) {
			quote(act + as, al, got);
			set_reason(reason, reasonlen, "line %zu: extra output after the expected answer: %s", a.line,
				   got);
			return SV_VERDICT_WA;
		}
		if (tokens_equal(exp + es, el, act + as, al, opts->case_sensitive))
			continue;
		quote(exp + es, el, want);
		quote(act + as, al, got);
		if (tolerance && is_decimal(exp + es, el)) {
			double want_value, got_value;

			if (!is_decimal(act + as, al)) {
				set_reason(reason, reasonlen, "line %zu: expected the number %s, got %s", a.line, want,
					   got);
				return SV_VERDICT_WA;
			}
			if (decimal_value(exp + es, el, &want_value) < 0 ||
			    decimal_value(act + as, al, &got_value) < 0) {
				set_reason(reason, reasonlen, "out of memory while comparing numbers");
				return SV_VERDICT_WA;
			}
			if (within_tolerance(opts, want_value, got_value))
				continue;
			set_reason(reason, reasonlen, "line %zu: expected %s, got %s (difference %.3g is too large)",
				   a.line, want, got, fabs(want_value - got_value));
			return SV_VERDICT_WA;
		}
		set_reason(reason, reasonlen, "line %zu: expected %s, got %s", a.line, want, got);
		return SV_VERDICT_WA;
	}
}

sv_verdict checker_compare(const checker_options *opts, const char *expected, size_t expected_len, const char *actual,
			   size_t actual_len, char *reason, size_t reasonlen)
{
	const unsigned char *exp = (const unsigned char *)(expected ? expected : "");
	const unsigned char *act = (const unsigned char *)(actual ? actual : "");

	if (reason && reasonlen)
		reason[0] = '\0';
	if (!expected)
		expected_len = 0;
	if (!actual)
		actual_len = 0;
	if (opts->mode == CHECKER_EXACT)
		return compare_exact(exp, expected_len, act, actual_len, reason, reasonlen);
	return compare_tokens(opts, exp, expected_len, act, actual_len, reason, reasonlen);
}
