#include "sv_options.h"

#include <stdlib.h>
#include <string.h>

#include "sv_log.h"
#include "sv_parse.h"

#define SLOT(cfg, o) ((void *)((char *)(cfg) + (o)->offset))

static const char *const level_names[] = {"err", "warning", "notice", "info", "debug"};

static int add_kafka_option(char **items, size_t *count, size_t max, const char *option, size_t len, const char *who,
			    char *err, size_t errlen)
{
	const char *eq = memchr(option, '=', len);

	if (!eq || eq == option) {
		snprintf(err, errlen, "%s: \"%.*s\" is not key=value", who, (int)len, option);
		return -1;
	}
	if (*count >= max) {
		snprintf(err, errlen, "%s: more than %zu Kafka options", who, max);
		return -1;
	}
	if (!(items[*count] = strndup(option, len))) {
		snprintf(err, errlen, "%s: out of memory", who);
		return -1;
	}
	(*count)++;
	return 0;
}

int sv_kafka_options_split(const char *text, char **items, size_t *count, size_t max, const char *who, char *err,
			   size_t errlen)
{
	const char *separators = ", \t\r\n";
	const char *p = text, *pending = NULL, *pending_end = NULL;

	for (;;) {
		const char *item, *end;

		p += strspn(p, separators);
		if (!*p)
			break;
		item = p;
		end = item + strcspn(item, separators);
		p = end;
		if (pending && !memchr(item, '=', (size_t)(end - item))) {
			/* A comma-separated value such as debug=cgrp,topic: the piece belongs to it. */
			pending_end = end;
			continue;
		}
		if (pending &&
		    add_kafka_option(items, count, max, pending, (size_t)(pending_end - pending), who, err, errlen) < 0)
			return -1;
		pending = item;
		pending_end = end;
	}
	if (pending &&
	    add_kafka_option(items, count, max, pending, (size_t)(pending_end - pending), who, err, errlen) < 0)
		return -1;
	/* The continued pieces were joined with whatever separated them; librdkafka wants commas. */
	for (size_t i = 0; i < *count; i++)
		for (char *q = items[i]; *q; q++)
			if (strchr(" \t\r\n", *q))
				*q = ',';
	return 0;
}

static int parse_switch(const char *value, int *out)
{
	static const char *const on[] = {"1", "on", "yes", "true"}, *const off[] = {"0", "off", "no", "false"};

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		if (!strcmp(value, on[i])) {
			*out = 1;
			return 0;
		}
		if (!strcmp(value, off[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Stores one value given by who (the flag or the variable). */
static int apply(void *cfg, const sv_option *o, const char *value, const char *who, char *err, size_t errlen)
{
	void *slot = SLOT(cfg, o);
	long long n;
	double d;
	char *copy;

	if ((o->flags & SV_OPT_REQUIRED) && !*value) {
		snprintf(err, errlen, "--%s (%s) must not be empty", o->name, o->env ? o->env : "no variable");
		return -1;
	}
	switch (o->type) {
	case SV_OPT_STRING:
		if (!(copy = strdup(value))) {
			snprintf(err, errlen, "%s: out of memory", who);
			return -1;
		}
		free(*(char **)slot);
		*(char **)slot = copy;
		return 0;
	case SV_OPT_INT:
	case SV_OPT_LONG:
		if (sv_parse_ll(value, (long long)o->min, (long long)o->max, &n) < 0) {
			snprintf(err, errlen, "%s: \"%s\" is not a whole number from %.0f to %.0f", who, value, o->min,
				 o->max);
			return -1;
		}
		if (o->type == SV_OPT_INT)
			*(int *)slot = (int)n;
		else
			*(long *)slot = (long)n;
		return 0;
	case SV_OPT_SECONDS:
		if (sv_parse_double(value, o->min, o->max, &d) < 0) {
			snprintf(err, errlen, "%s: \"%s\" is not a number of seconds from %g to %g", who, value, o->min,
				 o->max);
			return -1;
		}
		*(double *)slot = d;
		return 0;
	case SV_OPT_FLAG: {
		int on;
		if (parse_switch(value, &on) < 0) {
			snprintf(err, errlen, "%s: \"%s\" is not 1 or 0 (on/off, yes/no, true/false)", who, value);
			return -1;
		}
		*(int *)slot = on;
		return 0;
	}
	case SV_OPT_KAFKA:
		return sv_kafka_options_split(value, (char **)slot, (size_t *)((char *)cfg + o->count_offset),
					      SV_MAX_KAFKA_OPTIONS, who, err, errlen);
	case SV_OPT_LOGLEVEL:
		for (int i = 0; i < 5; i++)
			if (!strcmp(value, level_names[i])) {
				*(int *)slot = SV_LOG_ERR + i;
				return 0;
			}
		snprintf(err, errlen, "%s: \"%s\" is not one of err, warning, notice, info, debug", who, value);
		return -1;
	default:
		return 0;
	}
}

static int load_environment(const sv_options_spec *spec, void *cfg, sv_getenv_fn *get_env, char *err, size_t errlen)
{
	for (size_t i = 0; get_env && i < spec->count; i++) {
		const sv_option *o = &spec->options[i];
		const char *value;

		if (!o->env || !(value = get_env(o->env)))
			continue;
		/* An empty switch or list is the same as none (a variable set to "" by a script). */
		if (!*value && (o->type == SV_OPT_FLAG || o->type == SV_OPT_KAFKA))
			continue;
		if (apply(cfg, o, value, o->env, err, errlen) < 0)
			return -1;
	}
	return 0;
}

static const sv_option *find_flag(const sv_options_spec *spec, const char *arg, const char **value)
{
	*value = NULL;
	if (arg[0] == '-' && arg[1] == '-' && arg[2]) {
		const char *eq = strchr(arg + 2, '=');
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);

		for (size_t i = 0; i < spec->count; i++)
			if (strlen(spec->options[i].name) == len && !strncmp(spec->options[i].name, arg + 2, len)) {
				*value = eq ? eq + 1 : NULL;
				return &spec->options[i];
			}
	} else if (arg[0] == '-' && arg[1] && !arg[2]) {
		for (size_t i = 0; i < spec->count; i++)
			if (spec->options[i].short_name == arg[1])
				return &spec->options[i];
	}
	return NULL;
}

int sv_options_load(const sv_options_spec *spec, void *cfg, int argc, char **argv, sv_getenv_fn *get_env, FILE *out,
		    char *err, size_t errlen)
{
	if (load_environment(spec, cfg, get_env, err, errlen) < 0)
		return -1;
	for (int a = 1; a < argc; a++) {
		const char *value;
		const sv_option *o = find_flag(spec, argv[a], &value);
		char who[80];

		if (!o) {
			snprintf(err, errlen, "unknown argument \"%s\" (see --help)", argv[a]);
			return -1;
		}
		snprintf(who, sizeof(who), "--%s", o->name);
		if (o->type == SV_OPT_HELP || o->type == SV_OPT_VERSION) {
			if (out && o->type == SV_OPT_HELP)
				sv_options_usage(spec, out);
			else if (out)
				fprintf(out, "%s %s\n", spec->program, spec->version);
			return o->type == SV_OPT_HELP ? SV_OPTIONS_HELP : SV_OPTIONS_VERSION;
		}
		if (o->type == SV_OPT_FLAG && !value) {
			*(int *)SLOT(cfg, o) = !(o->flags & SV_OPT_INVERT);
			continue;
		}
		if (o->type == SV_OPT_FLAG && (o->flags & SV_OPT_INVERT)) {
			snprintf(err, errlen, "%s takes no value", who);
			return -1;
		}
		if (!value) {
			if (a + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", who);
				return -1;
			}
			value = argv[++a];
		}
		if (apply(cfg, o, value, who, err, errlen) < 0)
			return -1;
	}
	return 0;
}

void sv_options_free(const sv_options_spec *spec, void *cfg)
{
	for (size_t i = 0; i < spec->count; i++) {
		const sv_option *o = &spec->options[i];

		if (o->type == SV_OPT_STRING) {
			free(*(char **)SLOT(cfg, o));
			*(char **)SLOT(cfg, o) = NULL;
		} else if (o->type == SV_OPT_KAFKA) {
			char **items = SLOT(cfg, o);
			size_t *count = (size_t *)((char *)cfg + o->count_offset);

			for (size_t k = 0; k < *count; k++)
				free(items[k]);
			*count = 0;
		}
	}
}

static void print_default(const sv_option *o, const void *defaults, FILE *out)
{
	const void *slot;

	if (!defaults || (o->flags & SV_OPT_SECRET))
		return;
	slot = (const char *)defaults + o->offset;
	switch (o->type) {
	case SV_OPT_STRING:
		if (*(char *const *)slot && **(char *const *)slot)
			fprintf(out, " [%s]", *(char *const *)slot);
		break;
	case SV_OPT_INT:
		fprintf(out, " [%d]", *(const int *)slot);
		break;
	case SV_OPT_LONG:
		fprintf(out, " [%ld]", *(const long *)slot);
		break;
	case SV_OPT_SECONDS:
		fprintf(out, " [%g]", *(const double *)slot);
		break;
	case SV_OPT_LOGLEVEL: {
		int level = *(const int *)slot - SV_LOG_ERR;
		if (level >= 0 && level < 5)
			fprintf(out, " [%s]", level_names[level]);
		break;
	}
	default:
		break;
	}
}

void sv_options_usage(const sv_options_spec *spec, FILE *out)
{
	void *defaults = spec->init ? calloc(1, spec->cfg_size) : NULL;

	if (defaults)
		spec->init(defaults);
	fprintf(out, "usage: %s [options]\n%s\n\n", spec->program, spec->summary);
	for (size_t i = 0; i < spec->count; i++) {
		const sv_option *o = &spec->options[i];
		char flag[64];

		snprintf(flag, sizeof(flag), "%c%c%s --%s%s%s", o->short_name ? '-' : ' ',
			 o->short_name ? o->short_name : ' ', o->short_name ? "," : " ", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		fprintf(out, "  %-34s %s", flag, o->help);
		print_default(o, defaults, out);
		if (o->env)
			fprintf(out, "\n  %-34s ($%s%s)", "", o->env, o->type == SV_OPT_FLAG ? "=1 or 0" : "");
		fputc('\n', out);
	}
	fprintf(out, "\nKafka options (--kafka-option and SOLVEIT_KAFKA_OPTIONS) are key=value items separated by\n"
		     "white space or commas; an item without \"=\" continues the value before it (debug=cgrp,topic).\n"
		     "The variable is applied first, the flags after it; for librdkafka the later one wins.\n");
	if (spec->epilog)
		fprintf(out, "\n%s", spec->epilog);
	if (defaults)
		sv_options_free(spec, defaults);
	free(defaults);
}
