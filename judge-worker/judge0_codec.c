#include "judge0_codec.h"

#include "sandbox/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *judge0_b64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = malloc(4 * ((len + 2) / 3) + 1), *p = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		*p++ = b64_alphabet[in[i] >> 2];
		*p++ = b64_alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = b64_alphabet[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*p++ = b64_alphabet[in[i + 2] & 63];
	}
	if (i < len) {
		*p++ = b64_alphabet[in[i] >> 2];
		if (i + 1 < len) {
			*p++ = b64_alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
			*p++ = b64_alphabet[(in[i + 1] & 15) << 2];
		} else {
			*p++ = b64_alphabet[(in[i] & 3) << 4];
			*p++ = '=';
		}
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

char *judge0_b64_decode(const char *text, size_t text_len, size_t *len)
{
	char *out = malloc(text_len / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < text_len && text[i] != '='; i++) {
		int v = b64_value((unsigned char)text[i]);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*len = n;
	return out;
}

void judge0_limits_from_task(int cpu_ms, int wall_ms, int memory_limit_kb, int output_kb, judge0_limits *out)
{
	double cpu = cpu_ms / 1000.0, wall;

	if (cpu > 15)
		cpu = 15;
	if (cpu < 0.001)
		cpu = 0.001;
	wall = wall_ms > 0 ? wall_ms / 1000.0 : sv_sandbox_wall_default(cpu); /* the local sandbox's margin */
	if (wall > 20)
		wall = 20;
	if (wall < 1)
		wall = 1;
	out->max_file_size = output_kb <= 0 ? 0 : output_kb > 4096 ? 4096 : output_kb;
	out->cpu_time_limit = cpu;
	out->wall_time_limit = wall;
	out->memory_limit = memory_limit_kb < 2048 ? 2048 : memory_limit_kb > 512000 ? 512000 : memory_limit_kb;
}

int judge0_language_known(int language_id)
{
	return language_id >= 43 && language_id <= 89;
}

char *judge0_batch_body(int language_id, const char *code, size_t code_len, const char *const *inputs,
			const size_t *input_lens, size_t count, const judge0_limits *limits)
{
	cJSON *root = cJSON_CreateObject(), *subs = cJSON_AddArrayToObject(root, "submissions");
	char *source = judge0_b64_encode(code, code_len), *text = NULL;

	if (!root || !subs || !source)
		goto out;
	for (size_t i = 0; i < count; i++) {
		cJSON *item = cJSON_CreateObject();
		char *input = judge0_b64_encode(inputs[i], input_lens[i]);
		if (!item || !input) {
			cJSON_Delete(item);
			free(input);
			goto out;
		}
		cJSON_AddItemToArray(subs, item);
		cJSON_AddNumberToObject(item, "language_id", language_id);
		cJSON_AddStringToObject(item, "source_code", source);
		cJSON_AddStringToObject(item, "stdin", input);
		cJSON_AddNumberToObject(item, "cpu_time_limit", limits->cpu_time_limit);
		cJSON_AddNumberToObject(item, "wall_time_limit", limits->wall_time_limit);
		cJSON_AddNumberToObject(item, "memory_limit", (double)limits->memory_limit);
		if (limits->max_file_size > 0)
			cJSON_AddNumberToObject(item, "max_file_size", (double)limits->max_file_size);
		free(input);
	}
	text = cJSON_PrintUnformatted(root);
out:
	free(source);
	cJSON_Delete(root);
	return text;
}

/* Judge0 validation errors are {"field":["msg",...],...}: "field: msg; field: msg". */
static void describe_errors(const cJSON *obj, char *err, size_t errlen)
{
	const cJSON *field, *msg;
	size_t used = 0;

	err[0] = '\0';
	cJSON_ArrayForEach(field, obj)
	{
		if (cJSON_IsArray(field)) {
			cJSON_ArrayForEach(msg, field)
			{
				if (cJSON_IsString(msg) && used < errlen)
					used += (size_t)snprintf(err + used, errlen - used, "%s%s: %s",
								 used ? "; " : "", field->string, msg->valuestring);
			}
		} else if (cJSON_IsString(field) && used < errlen) {
			used += (size_t)snprintf(err + used, errlen - used, "%s%s: %s", used ? "; " : "", field->string,
						 field->valuestring);
		}
	}
	if (!err[0])
		snprintf(err, errlen, "unexplained rejection");
}

int judge0_parse_tokens(const char *body, size_t len, size_t expected, char **tokens, char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *item;
	size_t i = 0;
	int rc = -2;

	for (size_t k = 0; k < expected; k++)
		tokens[k] = NULL;
	if (!cJSON_IsArray(root)) {
		if (cJSON_IsObject(root)) {
			describe_errors(root, err, errlen);
			rc = -1;
		} else {
			snprintf(err, errlen, "Judge0 answered something that is not JSON");
		}
		goto out;
	}
	if ((size_t)cJSON_GetArraySize(root) != expected) {
		snprintf(err, errlen, "Judge0 answered %d tokens for %zu submissions", cJSON_GetArraySize(root),
			 expected);
		goto out;
	}
	cJSON_ArrayForEach(item, root)
	{
		const cJSON *token = cJSON_GetObjectItemCaseSensitive(item, "token");
		if (!cJSON_IsString(token) || !*token->valuestring) {
			if (cJSON_IsObject(item)) {
				describe_errors(item, err, errlen);
				rc = -1;
			} else {
				snprintf(err, errlen, "Judge0 answered no token for test %zu", i + 1);
			}
			goto out;
		}
		tokens[i++] = strdup(token->valuestring);
	}
	rc = 0;
out:
	if (rc < 0)
		for (size_t k = 0; k < expected; k++) {
			free(tokens[k]);
			tokens[k] = NULL;
		}
	cJSON_Delete(root);
	return rc;
}

static char *decode_field(const cJSON *obj, const char *name, size_t *len)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t dummy;

	if (!cJSON_IsString(item)) {
		if (len)
			*len = 0;
		return NULL;
	}
	return judge0_b64_decode(item->valuestring, strlen(item->valuestring), len ? len : &dummy);
}

int judge0_parse_results(const char *body, size_t len, size_t count, long memory_limit, judge0_result *results,
			 char *err, size_t errlen)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *subs = cJSON_GetObjectItemCaseSensitive(root, "submissions"), *item;
	size_t i = 0;

	memset(results, 0, count * sizeof(*results));
	if (!cJSON_IsArray(subs)) {
		snprintf(err, errlen, "Judge0 answered no \"submissions\" array");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(item, subs)
	{
		judge0_result *r;
		const cJSON *f;

		if (i >= count)
			break;
		r = &results[i++];
		if (cJSON_IsNull(item)) {
			r->unknown = 1;
			continue;
		}
		if (!cJSON_IsObject(item))
			continue;
		f = cJSON_GetObjectItemCaseSensitive(item, "status");
		f = cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, "id")
				      : cJSON_GetObjectItemCaseSensitive(item, "status_id");
		if (!cJSON_IsNumber(f))
			continue; /* garbage: treated as not yet known */
		r->present = 1;
		r->run.status_id = f->valueint;
		f = cJSON_GetObjectItemCaseSensitive(item, "token");
		r->token = cJSON_IsString(f) ? strdup(f->valuestring) : NULL;
		f = cJSON_GetObjectItemCaseSensitive(item, "exit_code");
		if ((r->run.has_exit_code = cJSON_IsNumber(f)))
			r->run.exit_code = f->valueint;
		f = cJSON_GetObjectItemCaseSensitive(item, "exit_signal");
		if ((r->run.has_exit_signal = cJSON_IsNumber(f)))
			r->run.exit_signal = f->valueint;
		f = cJSON_GetObjectItemCaseSensitive(item, "memory");
		r->run.memory = cJSON_IsNumber(f) ? (long long)f->valuedouble : -1;
		r->run.memory_limit = memory_limit;
		/* time is a decimal string ("0.002"), null until finished. */
		f = cJSON_GetObjectItemCaseSensitive(item, "time");
		r->time = cJSON_IsString(f) ? strtod(f->valuestring, NULL) : cJSON_IsNumber(f) ? f->valuedouble : 0;
		r->stdout_buf = decode_field(item, "stdout", &r->stdout_len);
		r->stderr_buf = decode_field(item, "stderr", &r->stderr_len);
		r->compile_output = decode_field(item, "compile_output", NULL);
		r->message = decode_field(item, "message", NULL);
		r->run.message = r->message;
		r->run.stderr_text = r->stderr_buf;
	}
	cJSON_Delete(root);
	return 0;
}

void judge0_result_free(judge0_result *r)
{
	free(r->token);
	free(r->stdout_buf);
	free(r->stderr_buf);
	free(r->compile_output);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

int judge0_parse_about(const char *body, size_t len, char *version, size_t versionlen)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
	int rc = -1;

	if (cJSON_IsObject(root) && cJSON_IsString(v) && *v->valuestring) {
		snprintf(version, versionlen, "%s", v->valuestring);
		rc = 0;
	}
	cJSON_Delete(root);
	return rc;
}

int judge0_parse_workers(const char *body, size_t len, long *queued)
{
	cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *item;
	int rc = cJSON_IsArray(root) ? 0 : -1;

	*queued = 0;
	cJSON_ArrayForEach(item, root)
	{
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(item, "size");

		if (!cJSON_IsNumber(size)) {
			rc = -1;
			break;
		}
		*queued += (long)size->valuedouble;
	}
	cJSON_Delete(root);
	return rc;
}
