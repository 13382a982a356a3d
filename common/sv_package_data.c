/* Test data: data/sample and data/secret, .in/.ans pairs in lexicographic order, directories as
 * test groups, their scoring from testdata.yaml (legacy and 2023-07, inherited from the nearest
 * ancestor) or test_group.yaml (2025-09). */
#include "sv_package_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int pkg_language_of(const char *name)
{
	static const struct {
		const char *ext;
		int id;
	} map[] = {{".c", 50}, {".cc", 54},   {".cpp", 54}, {".cxx", 54}, {".c++", 54},
		   {".C", 54}, {".java", 62}, {".py", 71},  {".py3", 71}, {".js", 63}};
	const char *ext = pkg_extension(name);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(ext, map[i].ext))
			return map[i].id;
	return 0;
}

void pkg_slugify(const char *name, char *out, size_t outlen)
{
	size_t n = 0, max = outlen - 1 < 64 ? outlen - 1 : 64;

	for (const char *p = name; *p && n < max; p++) {
		char c = (char)tolower((unsigned char)*p);

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = c;
		else if (n > 0 && out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

void pkg_default_validator_flags(sv_package *pkg, const char *flags, const char *where)
{
	char *copy = pkg_strdup(flags), *save = NULL;

	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		int abs = !strcmp(w, "float_absolute_tolerance"), rel = !strcmp(w, "float_relative_tolerance");
		int both = !strcmp(w, "float_tolerance");

		if (!strcmp(w, "case_sensitive")) {
			pkg->case_sensitive = 1;
		} else if (!strcmp(w, "space_change_sensitive")) {
			pkg->space_change_sensitive = 1;
		} else if (abs || rel || both) {
			char *v = strtok_r(NULL, " \t\n", &save), *end = NULL;
			double tol = v ? strtod(v, &end) : -1;

			if (!v || *end || !(tol >= 0)) {
				pkg_warn(pkg, "%s: %s needs a number >= 0: ignored", where, w);
				break;
			}
			if (abs || both)
				pkg->has_abs_tol = 1, pkg->abs_tol = tol;
			if (rel || both)
				pkg->has_rel_tol = 1, pkg->rel_tol = tol;
		} else {
			pkg_warn(pkg, "%s: unknown default validator flag %s: ignored", where, w);
		}
	}
	free(copy);
}

/* ---- Group configuration ----------------------------------------------------------------------- */

typedef struct {
	const char *aggregation;
	int has_points;
	double points;
	int on_reject_break;
	double accept_score;
	char *validator_flags; /* NULL: none given */
	int ignore_sample;
} group_config;

static const char *const grader_words[] = {"sum", "avg", "min", "max", NULL};

static void legacy_grader_flags(sv_package *pkg, group_config *c, const char *flags, const char *where)
{
	char *copy = pkg_strdup(flags), *save = NULL;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		size_t i;

		for (i = 0; grader_words[i] && strcmp(grader_words[i], w); i++)
			;
		if (grader_words[i])
			c->aggregation = grader_words[i];
		else if (!strcmp(w, "ignore_sample"))
			c->ignore_sample = 1;
		else if (strcmp(w, "worst_error"))
			pkg_warn(pkg, "%s: grader flag %s is not supported: the worst error decides", where, w);
	}
	free(copy);
}

static int read_legacy_config(sv_package *pkg, const pkg_file *f, group_config *c, char *err, size_t errlen)
{
	static const char *const known[] = {"on_reject",
					    "grading",
					    "grader_flags",
					    "accept_score",
					    "reject_score",
					    "range",
					    "input_validator_flags",
					    "output_validator_flags",
					    NULL};
	yaml_document_t doc;
	yaml_node_t *root, *n;
	const char *s;

	if (!(root = pkg_yaml_config(pkg, f, &doc, known, NULL, err, errlen)))
		return -1;
	if ((s = pkg_yaml_str(pkg_yaml_get(&doc, root, "on_reject"))))
		c->on_reject_break = strcmp(s, "continue") != 0;
	if ((s = pkg_yaml_str(pkg_yaml_get(&doc, root, "grading"))) && strcmp(s, "default"))
		pkg_warn(pkg, "%s: grading %s is not supported: the default grader is used", f->path, s);
	if ((s = pkg_yaml_str(pkg_yaml_get(&doc, root, "grader_flags"))))
		legacy_grader_flags(pkg, c, s, f->path);
	if ((n = pkg_yaml_get(&doc, root, "accept_score")) &&
	    (pkg_yaml_number(n, &c->accept_score) < 0 || c->accept_score < 0)) {
		pkg_warn(pkg, "%s: accept_score must be a number >= 0: 1 is used", f->path);
		c->accept_score = 1;
	}
	if ((n = pkg_yaml_get(&doc, root, "reject_score")) && (!pkg_yaml_str(n) || atof(pkg_yaml_str(n)) != 0))
		pkg_warn(pkg, "%s: reject_score other than 0 is not supported: 0 is used", f->path);
	if (pkg_yaml_get(&doc, root, "range"))
		pkg_warn(pkg, "%s: range is not supported: ignored", f->path);
	if ((n = pkg_yaml_get(&doc, root, "output_validator_flags")))
		c->validator_flags = pkg_yaml_words(&doc, n);
	yaml_document_delete(&doc);
	return 0;
}

static int read_2025_config(sv_package *pkg, const pkg_file *f, group_config *c, int secret, char *err, size_t errlen)
{
	static const char *const known[] = {"max_score",
					    "score_aggregation",
					    "static_validation_score",
					    "require_pass",
					    "args",
					    "input_validator_args",
					    "static_validator_args",
					    "output_validator_args",
					    "input_visualizer_args",
					    "output_visualizer_args",
					    "full_feedback",
					    NULL};
	static const char *const unsupported[] = {"static_validation_score", "require_pass", "args", NULL};
	yaml_document_t doc;
	yaml_node_t *root, *n;
	const char *s;

	if (!(root = pkg_yaml_config(pkg, f, &doc, known, unsupported, err, errlen)))
		return -1;
	if ((s = pkg_yaml_str(pkg_yaml_get(&doc, root, "score_aggregation")))) {
		if (!strcmp(s, "sum") || !strcmp(s, "min"))
			c->aggregation = !strcmp(s, "sum") ? "sum" : "min";
		else if (!strcmp(s, "pass-fail"))
			c->aggregation = "all-or-nothing";
		else
			pkg_warn(pkg, "%s: score_aggregation %s is not known: %s is used", f->path, s, c->aggregation);
	}
	if ((n = pkg_yaml_get(&doc, root, "max_score"))) {
		s = pkg_yaml_str(n);
		if (s && !strcmp(s, "unbounded"))
			c->has_points = 0;
		else if (pkg_yaml_number(n, &c->points) < 0 || c->points < 0)
			pkg_warn(pkg, "%s: max_score must be a number >= 0 or unbounded: ignored", f->path);
		else
			c->has_points = 1;
	}
	if ((n = pkg_yaml_get(&doc, root, "output_validator_args")))
		c->validator_flags = pkg_yaml_words(&doc, n);
	(void)secret;
	yaml_document_delete(&doc);
	return 0;
}

/* The configuration that applies to the tests directly in dir ("data/secret/g1"). */
static int group_config_for(sv_package *pkg, const char *dir, group_config *c, char *err, size_t errlen)
{
	int secret = !strcmp(dir, "data/secret"), sample = !strcmp(dir, "data/sample");
	char *p = pkg_strdup(dir);
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->aggregation = "sum";
	c->accept_score = 1;
	if (pkg->version == 2025) {
		char *path = pkg_printf("%s/test_group.yaml", dir);
		const pkg_file *f = pkg_find(pkg, path);

		c->on_reject_break = 0;
		if (secret)
			c->has_points = 1, c->points = 100;
		else if (!sample)
			c->aggregation = "all-or-nothing";
		if (f)
			rc = read_2025_config(pkg, f, c, secret, err, errlen);
		if (!strcmp(c->aggregation, "all-or-nothing"))
			c->on_reject_break = 1;
		free(path);
		free(p);
		return rc;
	}
	c->on_reject_break = 1;
	/* Legacy: the nearest testdata.yaml of dir or an ancestor up to data/. */
	for (;;) {
		char *path = pkg_printf("%s/testdata.yaml", p);
		const pkg_file *f = pkg_find(pkg, path);
		char *slash;

		free(path);
		if (f) {
			rc = read_legacy_config(pkg, f, c, err, errlen);
			break;
		}
		if (!strcmp(p, "data") || !(slash = strrchr(p, '/')))
			break;
		*slash = '\0';
	}
	free(p);
	return rc;
}

/* ---- Tests and groups ---------------------------------------------------------------------------- */

static int find_group(const sv_package *pkg, const char *name)
{
	for (size_t i = 0; i < pkg->groups_count; i++)
		if (!strcmp(pkg->groups[i].name, name))
			return (int)i;
	return -1;
}

/* The group of name ("secret/g1"), made with its parents when new. */
static int ensure_group(sv_package *pkg, const char *name, char *err, size_t errlen, int *failed)
{
	int g = find_group(pkg, name), parent = -1;
	const char *slash = strrchr(name, '/');
	char *dir;
	group_config c;
	pkg_group *grp;

	if (g >= 0)
		return g;
	if (slash) {
		char *up = pkg_strndup(name, (size_t)(slash - name));

		parent = ensure_group(pkg, up, err, errlen, failed);
		free(up);
	}
	dir = pkg_printf("data/%s", name);
	if (group_config_for(pkg, dir, &c, err, errlen) < 0)
		*failed = 1;
	free(dir);
	grp = PKG_PUSH(pkg, groups);
	grp->name = pkg_strdup(name);
	grp->parent = parent;
	grp->aggregation = c.aggregation;
	grp->has_points = c.has_points;
	grp->points = c.points;
	grp->on_reject_break = c.on_reject_break;
	grp->validator_flags = c.validator_flags ? c.validator_flags : pkg_strdup("");
	grp->accept_score = c.accept_score;
	for (size_t i = 0; i + 1 < pkg->groups_count; i++)
		if (pkg->groups[i].parent == parent)
			grp->position++;
	return (int)pkg->groups_count - 1;
}

/* The group a test in dir ("data/secret/g1/more") belongs to: every directory in legacy; in
 * 2025-09 the directories below data/secret/<group> are not groups of their own. */
static char *group_name_of(const sv_package *pkg, const char *dir)
{
	const char *name = dir + 5; /* after "data/" */

	if (pkg->version == 2025) {
		const char *s = strchr(name, '/');

		if (s && (s = strchr(s + 1, '/')))
			return pkg_strndup(name, (size_t)(s - name));
	}
	return pkg_strdup(name);
}

/* A test's weight: its group's accept_score; 0 for a sample of a scoring problem whose samples do
 * not score (2025-09 always, legacy with ignore_sample at the root). */
static double test_weight(sv_package *pkg, int group, int is_sample, char *err, size_t errlen, int *failed)
{
	if (is_sample && pkg->scoring) {
		group_config root;

		if (pkg->version == 2025)
			return 0;
		if (!pkg->root_config_read) {
			if (group_config_for(pkg, "data", &root, err, errlen) < 0)
				*failed = 1;
			free(root.validator_flags);
			pkg->root_config_read = 1;
			pkg->ignore_sample = root.ignore_sample;
		}
		if (pkg->ignore_sample)
			return 0;
	}
	return group >= 0 ? pkg->groups[group].accept_score : 1;
}

static int add_test(sv_package *pkg, const pkg_file *in, char *err, size_t errlen)
{
	size_t n = strlen(in->path) - 3;
	char *base = pkg_strndup(in->path, n), *ans = pkg_printf("%s.ans", base);
	const pkg_file *a = pkg_find(pkg, ans);
	const char *slash = strrchr(base, '/');
	char *dir = pkg_strndup(base, (size_t)(slash - base)), *group;
	int failed = 0;
	pkg_test *t;

	if (!a) {
		pkg_fail(err, errlen, "%s has no answer file %s", in->path, ans);
		free(base), free(ans), free(dir);
		return -1;
	}
	group = group_name_of(pkg, dir);
	t = PKG_PUSH(pkg, tests);
	t->name = pkg_strdup(base + 5);
	t->is_sample = pkg_path_in(in->path, "data/sample");
	t->group = ensure_group(pkg, group, err, errlen, &failed);
	t->weight = failed ? 0 : test_weight(pkg, t->group, t->is_sample, err, errlen, &failed);
	t->input = in;
	t->answer = a;
	free(base), free(ans), free(dir), free(group);
	return failed ? -1 : 0;
}

/* Files of data/ that are neither tests nor their configuration, counted for one warning. */
static int is_annotation(const char *path)
{
	static const char *const ext[] = {".desc", ".hint", ".png",       ".jpg",      ".jpeg",  ".svg", ".interaction",
					  ".yaml", ".out",  ".statement", ".download", ".files", NULL};
	const char *e = pkg_extension(path);

	for (size_t i = 0; ext[i]; i++)
		if (!strcmp(e, ext[i]))
			return 1;
	return 0;
}

/* Warns about one default validator flag set per group that differs from the task's. */
static void group_default_flags(sv_package *pkg)
{
	const char *first = NULL;

	if (strcmp(pkg->checker, "default"))
		return;
	for (size_t i = 0; i < pkg->groups_count; i++) {
		const char *f = pkg->groups[i].validator_flags;

		if (!*f)
			continue;
		if (!first) {
			first = f;
			pkg_default_validator_flags(pkg, f, pkg->groups[i].name);
		} else if (strcmp(first, f)) {
			pkg_warn(pkg, "data/%s: default validator flags per group are not supported: the task uses %s",
				 pkg->groups[i].name, first);
		}
	}
}

int pkg_read_tests(sv_package *pkg, char *err, size_t errlen)
{
	size_t annotations = 0;

	if (!pkg_has_prefix(pkg, "data"))
		return pkg_fail(err, errlen,
				"data/ is missing: a package keeps its tests in data/sample and data/secret");
	for (size_t i = 0; i < pkg->files_count; i++) {
		const pkg_file *f = &pkg->files[i];
		int sample = pkg_path_in(f->path, "data/sample"), secret = pkg_path_in(f->path, "data/secret");
		const char *ext = pkg_extension(f->path);

		if (!pkg_path_in(f->path, "data"))
			continue;
		if (!sample && !secret) {
			if (strcmp(f->path, "data/testdata.yaml") && strcmp(f->path, "data/test_group.yaml"))
				pkg_warn(pkg, "%s: only data/sample and data/secret hold tests: not imported", f->path);
			continue;
		}
		if (!strcmp(ext, ".in")) {
			if (add_test(pkg, f, err, errlen) < 0)
				return -1;
		} else if (!strcmp(ext, ".ans")) {
			char *in = pkg_printf("%.*s.in", (int)(strlen(f->path) - 4), f->path);

			if (!pkg_find(pkg, in))
				pkg_warn(pkg, "%s has no input file: ignored", f->path);
			free(in);
		} else if (!strcmp(pkg_base_name(f->path), "testdata.yaml") ||
			   !strcmp(pkg_base_name(f->path), "test_group.yaml")) {
			/* read with the groups */
		} else if (is_annotation(f->path) || strstr(f->path, ".files/")) {
			annotations++;
		} else {
			pkg_warn(pkg, "%s is not a test file: ignored", f->path);
		}
	}
	if (annotations)
		pkg_warn(pkg,
			 "%zu test annotation files (.desc, .hint, illustrations, .interaction, ...) are not imported",
			 annotations);
	if (pkg->tests_count == 0)
		return pkg_fail(err, errlen,
				"the package has no tests: no .in/.ans pairs in data/sample or data/secret");
	group_default_flags(pkg);
	return 0;
}
