/* The output validator, the package's own submissions with their expected verdicts, the parts of
 * a package that are not imported (each a warning), and the public API of sv_package.h. */
#include "sv_package_int.h"

#include <stdlib.h>
#include <string.h>

static int valid_file_name(const char *name, size_t max)
{
	size_t n = strlen(name);

	if (n == 0 || n > max ||
	    !(name[0] == '_' || (name[0] >= '0' && name[0] <= '9') ||
	      ((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z')))
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* Text the database can hold as text: UTF-8 without NUL bytes. */
static int is_text(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (c == 0 || n == 0 || i + n > len || (n == 2 && c < 0xc2))
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* ---- Output validator ---------------------------------------------------------------------------- */

/* The directory of the validator program, "" when there is none; warns about extra programs. */
static char *validator_dir(sv_package *pkg)
{
	const char *top = pkg_has_prefix(pkg, "output_validator") ? "output_validator" : "output_validators";
	char *chosen = NULL, *last = NULL;

	if (!pkg_has_prefix(pkg, top))
		return pkg_strdup("");
	if (!strcmp(top, "output_validator"))
		return pkg_strdup(top);
	for (size_t i = 0; i < pkg->files_count; i++) {
		const char *p = pkg->files[i].path + strlen(top) + 1, *slash;
		char *dir;

		if (!pkg_path_in(pkg->files[i].path, top))
			continue;
		slash = strchr(p, '/');
		/* a single-file program directly in output_validators/ is a program of its own */
		dir = slash ? pkg_printf("%s/%.*s", top, (int)(slash - p), p) : pkg_strdup(top);
		if (!chosen) {
			chosen = pkg_strdup(dir);
		} else if (strcmp(chosen, dir) && (!last || strcmp(last, dir))) {
			pkg_warn(pkg, "%s: only one output validator is supported: %s is used", dir, chosen);
		}
		free(last);
		last = dir;
	}
	free(last);
	return chosen;
}

static int main_source_rank(const char *name)
{
	static const char *const preferred[] = {"validate", "validator", "output_validator", "check", "checker",
						"main",     NULL};
	size_t n = strlen(name) - strlen(pkg_extension(name));

	for (int i = 0; preferred[i]; i++)
		if (strlen(preferred[i]) == n && !strncmp(name, preferred[i], n))
			return i;
	return 100;
}

int pkg_read_validator(sv_package *pkg, char *err, size_t errlen)
{
	char *dir;
	const pkg_file *main = NULL;
	int rank = 1000;

	if (!strcmp(pkg->checker, "default"))
		return 0;
	dir = validator_dir(pkg);
	if (!*dir) {
		free(dir);
		return pkg_fail(err, errlen,
				"the problem has a %s validator but no output_validator/ or output_validators/",
				pkg->checker);
	}
	for (size_t i = 0; i < pkg->files_count; i++) {
		const pkg_file *f = &pkg->files[i];
		const char *name = f->path + strlen(dir) + 1;

		if (!pkg_path_in(f->path, dir) || strchr(name, '/'))
			continue;
		if (pkg_language_of(name) && main_source_rank(name) < rank)
			main = f, rank = main_source_rank(name);
	}
	if (!main) {
		pkg_fail(err, errlen, "%s/ holds no validator source (.c, .cpp, .cc, .py, .java)", dir);
		free(dir);
		return -1;
	}
	if (!is_text(main->data, main->len)) {
		pkg_fail(err, errlen, "%s is not UTF-8 text", main->path);
		free(dir);
		return -1;
	}
	pkg->validator_source = main;
	pkg->validator_language_id = pkg_language_of(main->path);
	pkg->validator_file_name =
	    valid_file_name(pkg_base_name(main->path), 100) ? pkg_strdup(pkg_base_name(main->path)) : NULL;
	for (size_t i = 0; i < pkg->files_count; i++) {
		pkg_file *f = &pkg->files[i];
		const char *name = f->path + strlen(dir) + 1;

		if (!pkg_path_in(f->path, dir) || f == main)
			continue;
		if (!strcmp(name, "build") || !strcmp(name, "run"))
			pkg_warn(pkg, "%s: build and run scripts are not supported: %s is compiled as usual", f->path,
				 pkg_base_name(main->path));
		else if (strchr(name, '/') || !valid_file_name(name, 100))
			pkg_warn(pkg, "%s: only files directly in the validator's directory are kept: ignored",
				 f->path);
		else {
			if (pkg_language_of(name))
				pkg_warn(pkg, "%s: a second source file is kept next to %s but not compiled", f->path,
					 pkg_base_name(main->path));
			*PKG_PUSH(pkg, validator_files) = f;
		}
	}
	free(dir);
	return 0;
}

/* ---- Submissions --------------------------------------------------------------------------------- */

static const struct {
	const char *folder;
	const char *verdicts;   /* space-separated */
	const char *if_scoring; /* added for scoring problems: a partial score is PA here */
} folders[] = {
    {"accepted", "AC", ""},
    {"wrong_answer", "WA", "PA"},
    {"time_limit_exceeded", "TLE", "PA"},
    {"run_time_error", "RE", "PA"},
    {"partially_accepted", "PA", ""},
    {"rejected", "WA TLE RE MLE OLE", "PA"},
    {"brute_force", "AC TLE RE", "PA"},
    {"compile_error", "CE", ""},
    {"compiler_error", "CE", ""},
    {"memory_limit_exceeded", "MLE", "PA"},
    {"output_limit_exceeded", "OLE", "PA"},
    {"no_output", "WA", "PA"}, /* DOMjudge's NO-OUTPUT: an empty output is a wrong answer here */
};

static void add_expected(pkg_submission *s, const char *words)
{
	char *copy = pkg_strdup(words), *save = NULL;

	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		size_t i;

		for (i = 0; i < s->expected_count && strcmp(s->expected[i], w); i++)
			;
		if (i == s->expected_count && s->expected_count < sizeof(s->expected) / sizeof(s->expected[0]))
			s->expected[s->expected_count++] = pkg_strdup(w);
	}
	free(copy);
}

/* DOMjudge's @EXPECTED_RESULTS@ annotation; 1 when the code has one. */
static int domjudge_results(sv_package *pkg, pkg_submission *s, const char *code)
{
	static const char *const map[][2] = {{"CORRECT", "AC"},       {"WRONG-ANSWER", "WA"},   {"TIMELIMIT", "TLE"},
					     {"RUN-ERROR", "RE"},     {"COMPILER-ERROR", "CE"}, {"NO-OUTPUT", "WA"},
					     {"OUTPUT-LIMIT", "OLE"}, {"MEMORY-LIMIT", "MLE"}};
	const char *p = strstr(code, "@EXPECTED_RESULTS@");
	char *list, *save = NULL;

	if (!p)
		return 0;
	p += strlen("@EXPECTED_RESULTS@");
	p += strspn(p, ": \t");
	list = pkg_strndup(p, strcspn(p, "\r\n"));
	for (char *w = strtok_r(list, ", \t*/", &save); w; w = strtok_r(NULL, ", \t*/", &save)) {
		size_t i;

		for (i = 0; i < sizeof(map) / sizeof(map[0]) && strcmp(map[i][0], w); i++)
			;
		if (i < sizeof(map) / sizeof(map[0]))
			add_expected(s, map[i][1]);
		else
			pkg_warn(pkg, "%s: @EXPECTED_RESULTS@ %s is not known: ignored", s->path, w);
	}
	free(list);
	return s->expected_count > 0;
}

static void domjudge_score(pkg_submission *s, const char *code)
{
	const char *p = strstr(code, "@EXPECTED_SCORE@");
	char *end;

	if (!p)
		return;
	p += strlen("@EXPECTED_SCORE@");
	p += strspn(p, ": \t");
	s->expected_score = strtod(p, &end);
	s->has_expected_score = end != p;
}

static int folder_verdicts(const sv_package *pkg, const char *folder, pkg_submission *s)
{
	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++)
		if (!strcmp(folders[i].folder, folder)) {
			add_expected(s, folders[i].verdicts);
			if (pkg->scoring)
				add_expected(s, folders[i].if_scoring);
			return 1;
		}
	return 0;
}

/* A "#!" first line that names python2 (or python2.7): problemtools takes any other .py file,
 * "#!/usr/bin/env python" included, as Python 3. */
static int python2(const char *code)
{
	char *line;
	int py2;

	if (strncmp(code, "#!", 2))
		return 0;
	line = pkg_strndup(code, strcspn(code, "\n"));
	py2 = strstr(line, "python2") != NULL;
	free(line);
	return py2;
}

static void read_submission(sv_package *pkg, const pkg_file *f)
{
	const char *rest = f->path + strlen("submissions/"), *slash = strchr(rest, '/');
	const char *code = pkg_text(f);
	char *folder;
	pkg_submission *s;
	int lang = pkg_language_of(f->path), known;

	if (!slash) {
		if (strcmp(rest, "submissions.yaml"))
			pkg_warn(pkg, "%s: a submission must be in a folder such as submissions/accepted: ignored",
				 f->path);
		else
			pkg_warn(pkg,
				 "submissions/submissions.yaml is not read: the folders give the expected verdicts");
		return;
	}
	if (strchr(slash + 1, '/')) {
		pkg_warn(pkg, "%s: submissions of several files are not supported: ignored", f->path);
		return;
	}
	if (!lang) {
		pkg_warn(pkg, "%s: no supported language has the extension \"%s\": ignored", f->path,
			 pkg_extension(f->path));
		return;
	}
	if (!is_text(f->data, f->len)) {
		pkg_warn(pkg, "%s is not UTF-8 text: ignored", f->path);
		return;
	}
	if (lang == 71 && python2(code)) {
		pkg_warn(pkg, "%s is Python 2 (its first line says so): ignored", f->path);
		return;
	}
	folder = pkg_strndup(rest, (size_t)(slash - rest));
	s = PKG_PUSH(pkg, submissions);
	s->path = pkg_strdup(f->path);
	s->language_id = lang;
	s->file = f;
	known = domjudge_results(pkg, s, code) || folder_verdicts(pkg, folder, s);
	domjudge_score(s, code);
	if (!known) {
		pkg_warn(pkg, "%s: folder %s gives no expected verdict and the file has no @EXPECTED_RESULTS@: ignored",
			 f->path, folder);
		free(s->path);
		pkg->submissions_count--;
	}
	free(folder);
}

void pkg_read_submissions(sv_package *pkg)
{
	int accepted = 0;

	for (size_t i = 0; i < pkg->files_count; i++)
		if (pkg_path_in(pkg->files[i].path, "submissions"))
			read_submission(pkg, &pkg->files[i]);
	for (size_t i = 0; i < pkg->submissions_count; i++)
		accepted |= pkg->submissions[i].expected_count == 1 && !strcmp(pkg->submissions[i].expected[0], "AC");
	if (!accepted)
		pkg_warn(pkg, "the package has no accepted submission: verify cannot check the tests%s",
			 pkg->time_limit_ms ? "" : " nor compute the time limit");
}

/* ---- What is not imported ------------------------------------------------------------------------- */

/* The top-level files and directories no part of the reader looks at, in one warning. */
static void unknown_top_level(sv_package *pkg)
{
	static const char *const known[] = {"problem.yaml",
					    "domjudge-problem.ini",
					    ".timelimit",
					    "problem_statement",
					    "statement",
					    "data",
					    "submissions",
					    "output_validators",
					    "output_validator",
					    "input_validators",
					    "input_format_validators",
					    "input_validator",
					    "answer_validator",
					    "answer_validators",
					    "attachments",
					    "include",
					    "graders",
					    "generators",
					    "static_validator",
					    "output_visualizer",
					    "input_visualizer",
					    "submissions.json",
					    "submissions.yaml",
					    "problem.pdf",
					    "problem.html",
					    "problem.txt",
					    "problem.md",
					    NULL};
	char list[512] = "", *last = NULL;

	for (size_t i = 0; i < pkg->files_count; i++) {
		const char *p = pkg->files[i].path;
		char *top = pkg_strndup(p, strcspn(p, "/"));
		size_t k;

		for (k = 0; known[k] && strcmp(known[k], top); k++)
			;
		if (!known[k] && (!last || strcmp(last, top)) && strlen(list) + strlen(top) + 4 < sizeof(list))
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s%s", *list ? ", " : "", top,
				 strchr(p, '/') ? "/" : "");
		free(last);
		last = top;
	}
	free(last);
	if (*list)
		pkg_warn(pkg, "not part of the package format, not imported: %s", list);
}

static void read_unsupported(sv_package *pkg)
{
	static const char *const dirs[][2] = {
	    {"include", "include/ is not supported: its files are not added to submissions"},
	    {"graders", "graders/ is not supported: the default grader is used"},
	    {"input_validators", "input validators are not run: the tests are imported as they are"},
	    {"input_format_validators", "input validators are not run: the tests are imported as they are"},
	    {"input_validator", "input validators are not run: the tests are imported as they are"},
	    {"answer_validator", "answer validators are not run: the tests are imported as they are"},
	    {"answer_validators", "answer validators are not run: the tests are imported as they are"},
	    {"static_validator", "static validators are not supported: ignored"},
	    {"generators", "generators/ is not run: the tests in data/ are imported as they are"},
	    {"output_visualizer", "output visualizers are not supported: ignored"},
	    {"input_visualizer", "input visualizers are not supported: ignored"},
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (pkg_has_prefix(pkg, dirs[i][0]))
			pkg_warn(pkg, "%s", dirs[i][1]);
	unknown_top_level(pkg);
	if (pkg_find(pkg, "submissions.json") || pkg_find(pkg, "submissions.yaml"))
		pkg_warn(pkg, "the submissions list (submissions.json/yaml) is not read: the folders and "
			      "@EXPECTED_RESULTS@ give the expected verdicts");
}

/* ---- API ------------------------------------------------------------------------------------------- */

static int read_package(sv_package *pkg, const sv_package_options *opts, const char *name_hint, char *err,
			size_t errlen)
{
	const char *slug = opts && opts->slug ? opts->slug : NULL;

	if (pkg_read_problem(pkg, err, errlen) < 0 || pkg_read_tests(pkg, err, errlen) < 0 ||
	    pkg_read_validator(pkg, err, errlen) < 0)
		return -1;
	pkg_read_submissions(pkg);
	pkg_read_statement(pkg);
	read_unsupported(pkg);
	if (slug) {
		pkg_slugify(slug, pkg->slug, sizeof(pkg->slug));
		if (strcmp(slug, pkg->slug))
			return pkg_fail(err, errlen,
					"slug \"%s\" must be 1-64 of a-z, 0-9 and '-', starting with a letter or digit",
					slug);
	} else if (name_hint) {
		pkg_slugify(name_hint, pkg->slug, sizeof(pkg->slug));
	}
	if (!pkg->slug[0])
		return pkg_fail(err, errlen, "the package's name gives no slug: give one (--slug)");
	if (!pkg->title)
		pkg->title = pkg_strdup(pkg->slug);
	return 0;
}

/* The base name of a path without its extension (".zip"). */
static char *name_of(const char *path)
{
	const char *base = pkg_base_name(path), *ext = pkg_extension(base);

	return pkg_strndup(base, strlen(base) - strlen(ext));
}

int sv_package_read_zip(const void *zip, size_t len, const sv_package_options *opts, sv_package **out, char *err,
			size_t errlen)
{
	sv_package *pkg = pkg_alloc(sizeof(*pkg));
	char top[256] = "";
	char *hint = opts && opts->name_hint ? name_of(opts->name_hint) : NULL;

	*out = NULL;
	if (pkg_load_zip(pkg, zip, len, opts, top, sizeof(top), err, errlen) < 0 || read_package(pkg, opts,
												 hint     ? hint
												 : top[0] ? top
													  : NULL,
												 err, errlen) < 0) {
		free(hint);
		sv_package_free(pkg);
		return -1;
	}
	free(hint);
	*out = pkg;
	return 0;
}

int sv_package_read_dir(const char *path, const sv_package_options *opts, sv_package **out, char *err, size_t errlen)
{
	sv_package *pkg = pkg_alloc(sizeof(*pkg));
	char *hint = NULL;
	int rc;

	*out = NULL;
	if (opts && opts->name_hint) {
		hint = name_of(opts->name_hint);
	} else {
		char *copy = pkg_strdup(path);
		size_t n = strlen(copy);

		while (n > 1 && copy[n - 1] == '/')
			copy[--n] = '\0';
		hint = pkg_strdup(pkg_base_name(copy));
		free(copy);
	}
	rc = pkg_load_dir(pkg, path, opts, err, errlen);
	if (rc == 0)
		rc = read_package(pkg, opts, hint, err, errlen);
	free(hint);
	if (rc < 0) {
		sv_package_free(pkg);
		return -1;
	}
	*out = pkg;
	return 0;
}

void sv_package_free(sv_package *pkg)
{
	if (!pkg)
		return;
	for (size_t i = 0; i < pkg->files_count; i++)
		free(pkg->files[i].path), free(pkg->files[i].data);
	for (size_t i = 0; i < pkg->warnings_count; i++)
		free(pkg->warnings[i]);
	for (size_t i = 0; i < pkg->groups_count; i++)
		free(pkg->groups[i].name), free(pkg->groups[i].validator_flags);
	for (size_t i = 0; i < pkg->tests_count; i++)
		free(pkg->tests[i].name);
	for (size_t i = 0; i < pkg->assets_count; i++)
		free(pkg->assets[i].name);
	for (size_t i = 0; i < pkg->submissions_count; i++) {
		free(pkg->submissions[i].path);
		for (size_t k = 0; k < pkg->submissions[i].expected_count; k++)
			free(pkg->submissions[i].expected[k]);
	}
	free(pkg->files), free(pkg->warnings), free(pkg->groups), free(pkg->tests), free(pkg->assets);
	free(pkg->validator_files), free(pkg->submissions);
	free(pkg->title), free(pkg->statement_md), free(pkg->uuid), free(pkg->validator_flags);
	free(pkg->validator_file_name);
	free(pkg);
}

size_t sv_package_warning_count(const sv_package *pkg)
{
	return pkg->warnings_count;
}

const char *sv_package_warning(const sv_package *pkg, size_t index)
{
	return index < pkg->warnings_count ? pkg->warnings[index] : NULL;
}

const char *sv_package_slug(const sv_package *pkg)
{
	return pkg->slug;
}
