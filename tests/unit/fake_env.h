#ifndef CHECK_FAKE_ENV_H
#define CHECK_FAKE_ENV_H

/* A pretend environment for the option loaders' tests: {"NAME", "value", ..., NULL}, read through
 * fake_env_lookup (an sv_getenv_fn), so no test touches the real environment. */

#include <stddef.h>
#include <string.h>

static const char *const *fake_env;

static inline const char *fake_env_lookup(const char *name)
{
	for (size_t i = 0; fake_env && fake_env[i]; i += 2)
		if (!strcmp(fake_env[i], name))
			return fake_env[i + 1];
	return NULL;
}

/* The argc of a NULL-terminated argv. */
static inline int fake_argc(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return argc;
}

#endif
