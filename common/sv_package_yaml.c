/* YAML through libyaml's document API, and the package's metadata: problem.yaml (legacy, 2023-07,
 * 2025-09), DOMjudge's domjudge-problem.ini and .timelimit: name, type, validation, limits. */
#include "sv_package_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int pkg_yaml_load(const pkg_file *f, yaml_document_t *doc, char *err, size_t errlen)
{
	yaml_parser_t parser;
	int ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, f->data, f->len);
	ok = yaml_parser_load(&parser, doc);
	if (!ok) {
		pkg_fail(err, errlen, "%s line %zu: %s%s%s", f->path, (size_t)parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "not valid YAML", parser.context ? " " : "",
			 parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -1;
	}
	yaml_parser_delete(&parser);
	return 0;
}

yaml_node_t *pkg_yaml_root(yaml_document_t *doc)
{
	return yaml_document_get_root_node(doc);
}

yaml_node_t *pkg_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = pkg_yaml_str(yaml_document_get_node(doc, p->key));

		if (k && !strcmp(k, key))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

const char *pkg_yaml_str(yaml_node_t *node)
{
	return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

int pkg_yaml_number(yaml_node_t *node, double *out)
{
	const char *s = pkg_yaml_str(node);
	char *end;

	if (!s || !*s)
		return -1;
	*out = strtod(s, &end);
	return *end || !isfinite(*out) ? -1 : 0;
}

char *pkg_yaml_words(yaml_document_t *doc, yaml_node_t *node)
{
	char *out;
	size_t len = 0;

	if (!node)
		return NULL;
	if (node->type == YAML_SCALAR_NODE)
		return pkg_strdup(pkg_yaml_str(node));
	if (node->type != YAML_SEQUENCE_NODE)
		return NULL;
	for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
		const char *s = pkg_yaml_str(yaml_document_get_node(doc, *i));

		if (!s)
			return NULL;
		len += strlen(s) + 1;
	}
	out = pkg_alloc(len + 1);
	for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
		if (*out)
			strcat(out, " ");
		strcat(out, pkg_yaml_str(yaml_document_get_node(doc, *i)));
	}
	return out;
}

void pkg_yaml_unknown_keys(sv_package *pkg, yaml_document_t *doc, yaml_node_t *map, const char *const *known,
			   const char *where)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *k = pkg_yaml_str(yaml_document_get_node(doc, p->key));
		size_t i;

		for (i = 0; k && known[i] && strcmp(known[i], k); i++)
			;
		if (!k || !known[i])
			pkg_warn(pkg, "%s: unknown key %s: ignored", where, k ? k : "(not a string)");
	}
}

yaml_node_t *pkg_yaml_config(sv_package *pkg, const pkg_file *f, yaml_document_t *doc, const char *const *known,
			     const char *const *unsupported, char *err, size_t errlen)
{
	yaml_node_t *root;
	static yaml_node_t empty = {.type = YAML_MAPPING_NODE};

	if (pkg_yaml_load(f, doc, err, errlen) < 0)
		return NULL;
	root = pkg_yaml_root(doc);
	if (root && root->type != YAML_MAPPING_NODE) {
		yaml_document_delete(doc);
		pkg_fail(err, errlen, "%s line 1: not a mapping of keys to values", f->path);
		return NULL;
	}
	pkg_yaml_unknown_keys(pkg, doc, root, known, f->path);
	for (size_t i = 0; root && unsupported && unsupported[i]; i++)
		if (pkg_yaml_get(doc, root, unsupported[i]))
			pkg_warn(pkg, "%s: %s is not supported: ignored", f->path, unsupported[i]);
	return root ? root : &empty;
}

/* ---- Limits -------------------------------------------------------------------------------------- */

static int seconds_to_ms(double s, int *ms, const char *where, char *err, size_t errlen)
{
	if (!(s >= 0.05 && s <= 60))
		return pkg_fail(err, errlen, "%s: time limit %g s is outside 0.05..60 s", where, s);
	*ms = (int)ceil(s * 1000 - 1e-6);
	return 0;
}

/* MiB into kB within [lo, hi] kB; 0 (the judge's default) with a warning when out of range. */
static int mib_limit(sv_package *pkg, yaml_node_t *node, const char *key, int lo, int hi)
{
	double v;

	if (!node)
		return 0;
	if (pkg_yaml_number(node, &v) < 0 || !(v * 1024 >= lo && v * 1024 <= hi)) {
		pkg_warn(pkg,
			 "problem.yaml: limits.%s %s is not a number of MiB in %d..%d: the judge's default is used",
			 key, pkg_yaml_str(node) ? pkg_yaml_str(node) : "", lo / 1024, hi / 1024);
		return 0;
	}
	return (int)ceil(v * 1024);
}

static void read_multipliers(sv_package *pkg, yaml_document_t *doc, yaml_node_t *limits)
{
	yaml_node_t *m = pkg_yaml_get(doc, limits, "time_multipliers");
	yaml_node_t *old = pkg_yaml_get(doc, limits, "time_multiplier");
	yaml_node_t *ac = NULL, *tle = NULL;
	double v;

	if (!m && old && old->type == YAML_MAPPING_NODE)
		m = old; /* 2023-07-draft: time_multiplier: {ac_to_timelimit, timelimit_to_tle} */
	if (m) {
		ac = pkg_yaml_get(doc, m, "ac_to_time_limit");
		ac = ac ? ac : pkg_yaml_get(doc, m, "ac_to_timelimit");
		tle = pkg_yaml_get(doc, m, "time_limit_to_tle");
		tle = tle ? tle : pkg_yaml_get(doc, m, "timelimit_to_tle");
	} else {
		ac = old;
		tle = pkg_yaml_get(doc, limits, "time_safety_margin");
	}
	if (ac && (pkg_yaml_number(ac, &v) < 0 || v < 1))
		pkg_warn(pkg, "problem.yaml: the time multiplier must be a number >= 1: %g is used",
			 pkg->time_multiplier);
	else if (ac)
		pkg->time_multiplier = v;
	if (tle && (pkg_yaml_number(tle, &v) < 0 || v < 1))
		pkg_warn(pkg, "problem.yaml: the time safety margin must be a number >= 1: %g is used",
			 pkg->time_safety_margin);
	else if (tle)
		pkg->time_safety_margin = v;
}

static int read_limits(sv_package *pkg, yaml_document_t *doc, yaml_node_t *limits, char *err, size_t errlen)
{
	static const char *const known[] = {"time_multiplier",
					    "time_multipliers",
					    "time_safety_margin",
					    "time_limit",
					    "time_resolution",
					    "memory",
					    "output",
					    "code",
					    "compilation_time",
					    "compilation_memory",
					    "validation_time",
					    "validation_memory",
					    "validation_output",
					    "validation_passes",
					    NULL};
	static const char *const unsupported[] = {
	    "code", "validation_time", "validation_memory", "validation_output", "validation_passes", "time_resolution",
	    NULL};
	yaml_node_t *n;
	double v;

	if (!limits)
		return 0;
	pkg_yaml_unknown_keys(pkg, doc, limits, known, "problem.yaml limits");
	for (size_t i = 0; unsupported[i]; i++)
		if (pkg_yaml_get(doc, limits, unsupported[i]))
			pkg_warn(pkg, "problem.yaml: limits.%s is not supported: ignored", unsupported[i]);
	read_multipliers(pkg, doc, limits);
	if ((n = pkg_yaml_get(doc, limits, "time_limit"))) {
		if (pkg_yaml_number(n, &v) < 0)
			return pkg_fail(err, errlen, "problem.yaml: limits.time_limit is not a number of seconds");
		if (seconds_to_ms(v, &pkg->time_limit_ms, "problem.yaml limits.time_limit", err, errlen) < 0)
			return -1;
	}
	pkg->memory_limit_kb = mib_limit(pkg, pkg_yaml_get(doc, limits, "memory"), "memory", 4096, 4194304);
	pkg->output_limit_kb = mib_limit(pkg, pkg_yaml_get(doc, limits, "output"), "output", 1024, 1048576);
	pkg->compile_memory_limit_kb =
	    mib_limit(pkg, pkg_yaml_get(doc, limits, "compilation_memory"), "compilation_memory", 65536, 8388608);
	if ((n = pkg_yaml_get(doc, limits, "compilation_time"))) {
		if (pkg_yaml_number(n, &v) < 0 || v < 1 || v > 300)
			pkg_warn(pkg,
				 "problem.yaml: limits.compilation_time must be 1..300 s: the judge's default is used");
		else
			pkg->compile_time_limit_ms = (int)ceil(v * 1000);
	}
	return 0;
}

/* ---- DOMjudge ------------------------------------------------------------------------------------ */

/* One "key = value" line's value (quotes removed) into a malloc'd string, or NULL. */
static char *ini_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *p = line, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, klen))
			continue;
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != '=')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, "\r\n");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end - p >= 2 && (*p == '"' || *p == '\'') && end[-1] == *p)
			p++, end--;
		return pkg_strndup(p, (size_t)(end - p));
	}
	return NULL;
}

/* Seconds (surrounding white space allowed) as the time limit; where names the source. */
static int seconds_limit(sv_package *pkg, const char *text, const char *where, char *err, size_t errlen)
{
	char *end;
	double v = strtod(text, &end);

	while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')
		end++;
	if (*end || end == text)
		return pkg_fail(err, errlen, "%s: not a number of seconds", where);
	return seconds_to_ms(v, &pkg->time_limit_ms, where, err, errlen);
}

/* DOMjudge: domjudge-problem.ini (name, timelimit) and .timelimit, which wins over the ini. */
static int read_domjudge(sv_package *pkg, char **title, char *err, size_t errlen)
{
	static const char *const ignored_keys[] = {"special_compare", "special_run", "points", "color",
						   "allow_submit",    "allow_judge", NULL};
	const pkg_file *ini = pkg_find(pkg, "domjudge-problem.ini");
	const pkg_file *tl = pkg_find(pkg, ".timelimit");
	char *v;
	int rc = 0;

	if (tl && !pkg->time_limit_ms && seconds_limit(pkg, pkg_text(tl), ".timelimit", err, errlen) < 0)
		return -1;
	if (!ini)
		return 0;
	pkg->format = "domjudge";
	if ((v = ini_value(pkg_text(ini), "name")) && !*title && *v)
		*title = v;
	else
		free(v);
	for (size_t i = 0; ignored_keys[i]; i++)
		if ((v = ini_value(pkg_text(ini), ignored_keys[i]))) {
			if (*v)
				pkg_warn(pkg, "domjudge-problem.ini: %s=%s is not supported: ignored", ignored_keys[i],
					 v);
			free(v);
		}
	if (!pkg->time_limit_ms && (v = ini_value(pkg_text(ini), "timelimit"))) {
		rc = seconds_limit(pkg, v, "domjudge-problem.ini timelimit", err, errlen);
		free(v);
	}
	return rc;
}

/* ---- problem.yaml -------------------------------------------------------------------------------- */

static char *read_name(yaml_document_t *doc, yaml_node_t *name)
{
	yaml_node_t *en;

	if (!name)
		return NULL;
	if (pkg_yaml_str(name))
		return pkg_strdup(pkg_yaml_str(name));
	if (name->type != YAML_MAPPING_NODE || name->data.mapping.pairs.start == name->data.mapping.pairs.top)
		return NULL;
	if ((en = pkg_yaml_get(doc, name, "en")) && pkg_yaml_str(en))
		return pkg_strdup(pkg_yaml_str(en));
	return pkg_yaml_str(yaml_document_get_node(doc, name->data.mapping.pairs.start->value))
		   ? pkg_strdup(pkg_yaml_str(yaml_document_get_node(doc, name->data.mapping.pairs.start->value)))
		   : NULL;
}

static int has_word(const char *words, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = words; p && (p = strstr(p, w)); p += n)
		if ((p == words || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
	return 0;
}

static void read_version(sv_package *pkg, const char *v)
{
	if (!v || !strcmp(v, "legacy") || !strcmp(v, "legacy-icpc")) {
		pkg->format = "legacy", pkg->version = 0;
	} else if (!strncmp(v, "2023-07", 7) || !strcmp(v, "draft")) {
		pkg->format = "2023-07", pkg->version = 2023;
	} else if (!strncmp(v, "2025-09", 7)) {
		pkg->format = "2025-09", pkg->version = 2025;
	} else {
		pkg_warn(pkg, "problem.yaml: problem_format_version %s is not known: read as 2025-09", v);
		pkg->format = "2025-09", pkg->version = 2025;
	}
}

/* type (2023+: words or a list) and legacy validation into scoring and the checker kind. */
static void read_type(sv_package *pkg, yaml_document_t *doc, yaml_node_t *root)
{
	char *type = pkg_yaml_words(doc, pkg_yaml_get(doc, root, "type"));
	yaml_node_t *vnode = pkg_yaml_get(doc, root, "validation");
	char *validation = pkg_yaml_words(doc, vnode);
	int custom, interactive;

	pkg->scoring = has_word(type, "scoring");
	interactive = has_word(type, "interactive") || has_word(validation, "interactive");
	custom = has_word(validation, "custom");
	if (vnode && vnode->type == YAML_MAPPING_NODE) { /* 2023-07-draft: validation: {interaction, scoring} */
		interactive |= pkg_yaml_str(pkg_yaml_get(doc, vnode, "interaction")) &&
			       !strcmp(pkg_yaml_str(pkg_yaml_get(doc, vnode, "interaction")), "true");
		custom = 1;
	}
	if (pkg->version > 0 && (pkg_has_prefix(pkg, "output_validator") || pkg_has_prefix(pkg, "output_validators")))
		custom = 1;
	if (has_word(type, "multi-pass") || has_word(validation, "multi-pass"))
		pkg_warn(pkg, "problem.yaml: multi-pass problems are not supported: judged as a single pass");
	if (has_word(type, "submit-answer"))
		pkg_warn(pkg, "problem.yaml: submit-answer problems are not supported: judged as programs");
	if (has_word(validation, "score") && !pkg->scoring)
		pkg_warn(pkg,
			 "problem.yaml: validation \"custom score\" on a pass-fail problem: the score is not used");
	pkg->checker = interactive ? "interactive" : custom ? "custom" : "default";
	free(type);
	free(validation);
}

static void read_metadata_warnings(sv_package *pkg, yaml_document_t *doc, yaml_node_t *root)
{
	const char *languages = pkg_yaml_str(pkg_yaml_get(doc, root, "languages"));

	if (pkg_yaml_get(doc, root, "languages") && (!languages || strcmp(languages, "all")))
		pkg_warn(pkg, "problem.yaml: languages is not enforced: every enabled language may be used");
	if (pkg_yaml_get(doc, root, "constants"))
		pkg_warn(pkg, "problem.yaml: constants are not substituted");
	if (pkg_yaml_get(doc, root, "allow_file_writing"))
		pkg_warn(pkg, "problem.yaml: allow_file_writing is not supported: ignored");
}

static int read_problem_yaml(sv_package *pkg, const pkg_file *f, char **title, char *err, size_t errlen)
{
	static const char *const known[] = {"problem_format_version",
					    "name",
					    "uuid",
					    "version",
					    "author",
					    "source",
					    "source_url",
					    "license",
					    "rights_owner",
					    "credits",
					    "keywords",
					    "type",
					    "validation",
					    "validator_flags",
					    "limits",
					    "languages",
					    "constants",
					    "embargo_until",
					    "allow_file_writing",
					    NULL};
	yaml_document_t doc;
	yaml_node_t *root, *n;
	int rc = 0;

	if (!(root = pkg_yaml_config(pkg, f, &doc, known, NULL, err, errlen)))
		return -1;
	read_version(pkg, pkg_yaml_str(pkg_yaml_get(&doc, root, "problem_format_version")));
	if (pkg->version == 0)
		pkg->time_multiplier = 5, pkg->time_safety_margin = 2;
	*title = read_name(&doc, pkg_yaml_get(&doc, root, "name"));
	if ((n = pkg_yaml_get(&doc, root, "uuid")) && pkg_yaml_str(n) && *pkg_yaml_str(n))
		pkg->uuid = pkg_strdup(pkg_yaml_str(n));
	read_type(pkg, &doc, root);
	read_metadata_warnings(pkg, &doc, root);
	if ((n = pkg_yaml_get(&doc, root, "validator_flags"))) {
		char *flags = pkg_yaml_words(&doc, n);

		if (strcmp(pkg->checker, "default"))
			pkg->validator_flags = flags ? flags : pkg_strdup("");
		else
			pkg_default_validator_flags(pkg, flags ? flags : "", "problem.yaml validator_flags"),
			    free(flags);
	}
	rc = read_limits(pkg, &doc, pkg_yaml_get(&doc, root, "limits"), err, errlen);
	yaml_document_delete(&doc);
	return rc;
}

int pkg_read_problem(sv_package *pkg, char *err, size_t errlen)
{
	const pkg_file *f = pkg_find(pkg, "problem.yaml");
	char *title = NULL;

	pkg->format = "legacy";
	pkg->checker = "default";
	pkg->time_multiplier = 2, pkg->time_safety_margin = 1.5;
	if (!f && !pkg_find(pkg, "domjudge-problem.ini"))
		pkg_warn(pkg, "problem.yaml is missing: read as a legacy package with the defaults");
	if (!f)
		pkg->time_multiplier = 5, pkg->time_safety_margin = 2;
	if (f && read_problem_yaml(pkg, f, &title, err, errlen) < 0) {
		free(title);
		return -1;
	}
	if (read_domjudge(pkg, &title, err, errlen) < 0) {
		free(title);
		return -1;
	}
	if (!pkg->validator_flags)
		pkg->validator_flags = pkg_strdup("");
	if (!strcmp(pkg->checker, "default") &&
	    (pkg_has_prefix(pkg, "output_validators") || pkg_has_prefix(pkg, "output_validator")))
		pkg_warn(pkg, "output_validators/ is not used: the problem's validation is the default one");
	if (title && strlen(title) > 200)
		title[200] = '\0';
	pkg->title = title && *title ? title : (free(title), NULL);
	if (!pkg->time_limit_ms)
		pkg_warn(pkg,
			 "the package gives no time limit: solveit-admin verify computes it from the accepted "
			 "submissions (slowest x %g; until then %d ms)",
			 pkg->time_multiplier, PKG_PROVISIONAL_TIME_LIMIT_MS);
	return 0;
}
