#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

/* What the libFuzzer harnesses of tests/fuzz/ share. Each harness feeds one parser of an input
 * that comes from outside the database (an HTTP body, a Kafka message, a program's output) and
 * checks the properties a caller relies on; a broken property aborts, which libFuzzer reports
 * as a crash with the input that caused it. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                                              \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);                    \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

/* A malloc'd copy of [data, data+size) with a NUL after it (the readers get NUL-terminated
 * buffers, as the module's read_body and librdkafka's payload copies are): ASan sees any read past
 * size + 1. */
static inline char *fuzz_copy(const unsigned char *data, size_t size)
{
	char *buf = malloc(size + 1);

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	return buf;
}

/* Reads every byte of [s, s+len): a pointer the parser handed back that runs past its buffer is
 * caught here, not at some later use. Returns a value so the loop is not optimised away. */
static inline unsigned fuzz_touch(const char *s, size_t len)
{
	volatile unsigned sum = 0;

	for (size_t i = 0; s && i < len; i++)
		sum += (unsigned char)s[i];
	return sum;
}

static inline unsigned fuzz_touch_str(const char *s)
{
	return s ? fuzz_touch(s, strlen(s)) : 0;
}

#endif
