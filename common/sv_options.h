#ifndef SV_OPTIONS_H
#define SV_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

/* The daemons' settings, described once: each row of a table names a long flag, an optional short
 * one, the SOLVEIT_* variable, the type and range, and the help line. Loading applies the
 * environment first and the flags after it (so a flag wins); every error names the flag or the
 * variable it came from. --help is printed from the same table, so it never lists a setting the
 * parser does not know. */

#define SV_MAX_KAFKA_OPTIONS 64

typedef enum {
	SV_OPT_STRING,   /* char *, malloc'd */
	SV_OPT_INT,      /* int in [min, max] */
	SV_OPT_LONG,     /* long in [min, max] */
	SV_OPT_SECONDS,  /* double in [min, max] */
	SV_OPT_FLAG,     /* int; the flag takes no value and sets 1 (0 with SV_OPT_INVERT) */
	SV_OPT_KAFKA,    /* char *[SV_MAX_KAFKA_OPTIONS] at offset, size_t count at count_offset */
	SV_OPT_LOGLEVEL, /* int (sv_log_level): err, warning, notice, info, debug */
	SV_OPT_HELP,
	SV_OPT_VERSION,
} sv_opt_type;

enum {
	SV_OPT_REQUIRED = 1, /* an empty value is refused */
	SV_OPT_INVERT = 2,   /* SV_OPT_FLAG: the flag clears the setting; the variable still says 1 for on */
	SV_OPT_SECRET = 4,   /* never shown in --help */
};

typedef struct {
	const char *name; /* long flag without "--" */
	char short_name;  /* 0: none */
	const char *env;  /* NULL: flag only */
	sv_opt_type type;
	size_t offset; /* of the setting in the caller's struct */
	size_t count_offset;
	double min, max;
	const char *arg; /* the value's name in --help */
	const char *help;
	int flags;
} sv_option;

typedef struct {
	const char *program;
	const char *version;
	const char *summary; /* printed under the usage line */
	const char *epilog;  /* signals, exit status */
	const sv_option *options;
	size_t count;
	/* How to make a cfg holding the defaults, so that --help shows them. */
	size_t cfg_size;
	void (*init)(void *cfg);
} sv_options_spec;

/* Defines the static spec `name` of a daemon: its table, its config type and the function that
 * fills a config with the defaults (void init_fn(cfg_type *)). */
#define SV_OPTIONS_SPEC(name, program, summary, epilog, table, cfg_type, init_fn)                                      \
	static void name##_defaults(void *cfg)                                                                         \
	{                                                                                                              \
		init_fn(cfg);                                                                                          \
	}                                                                                                              \
	static const sv_options_spec name = {program,          SV_VERSION,     summary,                                \
					     epilog,           table,          sizeof(table) / sizeof((table)[0]),     \
					     sizeof(cfg_type), name##_defaults}

typedef const char *sv_getenv_fn(const char *name);

enum { SV_OPTIONS_HELP = 1, SV_OPTIONS_VERSION = 2 };

/* Applies the environment (via get_env, may be NULL) and then argv to cfg, which holds its
 * defaults already. Returns 0; SV_OPTIONS_HELP or SV_OPTIONS_VERSION when asked for (printed to
 * out, which may be NULL to print nothing); -1 with a reason naming the flag or the variable in
 * err. */
int sv_options_load(const sv_options_spec *spec, void *cfg, int argc, char **argv, sv_getenv_fn *get_env, FILE *out,
		    char *err, size_t errlen);

/* Frees what the table's strings and Kafka options hold in cfg (and what load stored there). */
void sv_options_free(const sv_options_spec *spec, void *cfg);

/* The --help text, with the defaults that spec->init sets. */
void sv_options_usage(const sv_options_spec *spec, FILE *out);

/* One list of librdkafka "key=value" options, the syntax of both SOLVEIT_KAFKA_OPTIONS and
 * --kafka-option: items separated by white space or commas; an item without "=" continues the
 * value before it, so "debug=cgrp,topic" stays one option. Appends malloc'd copies to items.
 * Returns 0 or -1 with a reason starting with who in err. */
int sv_kafka_options_split(const char *text, char **items, size_t *count, size_t max, const char *who, char *err,
			   size_t errlen);

#endif
