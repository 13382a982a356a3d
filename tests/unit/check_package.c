/* sv_package: packages written by the tests into a temporary directory or into a zip in memory, read
 * into the model (sv_package_int.h), and stored through a fake sv_sql. */
#define _GNU_SOURCE /* nftw */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zip.h>

#include "sv_package_int.h"

/* ---- Writing packages -------------------------------------------------------------------------- */

/* {path, content} pairs, ending with {NULL, NULL}; a content starting with "->" makes a symlink. */
typedef struct {
	const char *path, *content;
} entry;

static char root[256];

static void mkdirs(const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
}

/* Writes the entries under a new temporary directory named name; returns its path. */
static const char *write_dir(const char *name, const entry *e)
{
	char tmpl[] = "/tmp/check-package-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(root, sizeof(root), "%s/%s", tmpl, name);
	mkdir(root, 0755);
	for (; e->path; e++) {
		char full[512];

		snprintf(full, sizeof(full), "%s/%s", root, e->path);
		mkdirs(full);
		if (!strncmp(e->content, "->", 2)) {
			ck_assert_int_eq(symlink(e->content + 2, full), 0);
		} else {
			FILE *f = fopen(full, "wb");

			ck_assert_ptr_nonnull(f);
			fwrite(e->content, 1, strlen(e->content), f);
			fclose(f);
		}
	}
	return root;
}

static void *make_zip(const entry *e, size_t *len)
{
	zip_error_t ze;
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	void *out;

	ck_assert_ptr_nonnull(za);
	zip_source_keep(src);
	for (; e->path; e++) {
		int link = !strncmp(e->content, "->", 2);
		const char *body = link ? e->content + 2 : e->content;
		zip_source_t *s = zip_source_buffer(za, body, strlen(body), 0);
		zip_int64_t idx = zip_file_add(za, e->path, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);

		ck_assert_int_ge(idx, 0);
		if (link)
			zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
							 (zip_uint32_t)(S_IFLNK | 0777) << 16);
	}
	ck_assert_int_eq(zip_close(za), 0);
	ck_assert_int_eq(zip_source_open(src), 0);
	zip_source_seek(src, 0, SEEK_END);
	*len = (size_t)zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	out = malloc(*len);
	ck_assert_int_eq(zip_source_read(src, out, *len), (zip_int64_t)*len);
	zip_source_close(src);
	zip_source_free(src);
	return out;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Removes the temporary directory write_dir made (root's parent). */
static void remove_dir(void)
{
	char *slash = strrchr(root, '/');

	*slash = '\0';
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static sv_package *read_dir_ok(const char *name, const entry *e, const sv_package_options *opts)
{
	char err[512] = "";
	sv_package *pkg = NULL;

	int rc = sv_package_read_dir(write_dir(name, e), opts, &pkg, err, sizeof(err));

	remove_dir(); /* the package holds copies of every file */
	ck_assert_msg(rc == 0, "%s", err);
	return pkg;
}

static void read_dir_fails(const char *name, const entry *e, const sv_package_options *opts, const char *message)
{
	char err[512] = "";
	sv_package *pkg = (sv_package *)1;

	int rc = sv_package_read_dir(write_dir(name, e), opts, &pkg, err, sizeof(err));

	remove_dir();
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(pkg);
	ck_assert_msg(strstr(err, message), "error \"%s\" lacks \"%s\"", err, message);
}

static sv_package *read_zip(const entry *e, const char *hint, char *err, size_t errlen, int *rc)
{
	size_t len;
	void *zip = make_zip(e, &len);
	sv_package_options opts = {0, 0, NULL, hint};
	sv_package *pkg = NULL;

	*rc = sv_package_read_zip(zip, len, &opts, &pkg, err, errlen);
	free(zip);
	return pkg;
}

static int count_warnings(const sv_package *pkg, const char *text)
{
	int n = 0;

	for (size_t i = 0; i < sv_package_warning_count(pkg); i++)
		n += strstr(sv_package_warning(pkg, i), text) != NULL;
	return n;
}

static int has_warning(const sv_package *pkg, const char *text)
{
	return count_warnings(pkg, text) > 0;
}

#define ck_warns(pkg, text) ck_assert_msg(has_warning(pkg, text), "no warning with \"%s\"", text)

static const pkg_group *group(const sv_package *pkg, const char *name)
{
	for (size_t i = 0; i < pkg->groups_count; i++)
		if (!strcmp(pkg->groups[i].name, name))
			return &pkg->groups[i];
	ck_abort_msg("no group %s", name);
	return NULL;
}

static const pkg_submission *submission(const sv_package *pkg, const char *path)
{
	for (size_t i = 0; i < pkg->submissions_count; i++)
		if (!strcmp(pkg->submissions[i].path, path))
			return &pkg->submissions[i];
	return NULL;
}

static int expects(const pkg_submission *s, const char *verdict)
{
	for (size_t i = 0; i < s->expected_count; i++)
		if (!strcmp(s->expected[i], verdict))
			return 1;
	return 0;
}

/* ---- Legacy ------------------------------------------------------------------------------------- */

static const entry legacy[] = {
    {"problem.yaml", "name: Hello World\nuuid: 1234-abcd\nvalidator_flags: float_tolerance 1e-6 case_sensitive\n"
		     "limits:\n  memory: 512\n  time_multiplier: 3\n"},
    {"problem_statement/problem.en.tex",
     "\\problemname{Hello}\nSay \\emph{hello} to $x_1$ % a comment\n\\section*{Input}\n"
     "\\begin{itemize}\n\\item one\n\\item \\textbf{two}\n\\end{itemize}\n\\fancything{kept}\n"
     "\\begin{verbatim}\na_b\n\\end{verbatim}\n\\texttt{c\\_d}\n"
     "\\begin{tabular}{|l|l|}\\hline x & \\emph{y} \\\\ \\hline 1 & 2 \\\\ \\hline\\end{tabular}\n"},
    {"problem_statement/figure.png", "PNG"},
    {"data/sample/1.in", "1\n"},
    {"data/sample/1.ans", "2\n"},
    {"data/secret/b.in", "3\n"},
    {"data/secret/b.ans", "4\n"},
    {"data/secret/a.in", "5\n"},
    {"data/secret/a.ans", "6\n"},
    {"data/secret/a.desc", "a description"},
    {"submissions/accepted/sol.cpp", "int main() {}\n"},
    {"submissions/wrong_answer/wa.py", "print(1)\n"},
    {"submissions/run_time_error/Crash.java", "class Crash {}\n"},
    {"submissions/accepted/old.py", "#!/usr/bin/env python2\nprint 1\n"},
    {"submissions/accepted/plain.py", "#!/usr/bin/env python\nprint(1)\n"},
    {"submissions/slow_accepted/s.c", "int main() {}\n"},
    {"input_validators/v.py", "exit(42)\n"},
    {NULL, NULL},
};

START_TEST(test_legacy_pass_fail)
{
	sv_package *pkg = read_dir_ok("Hello_World", legacy, NULL);

	ck_assert_str_eq(pkg->slug, "hello-world");
	ck_assert_str_eq(pkg->title, "Hello World");
	ck_assert_str_eq(pkg->uuid, "1234-abcd");
	ck_assert_str_eq(pkg->format, "legacy");
	ck_assert_int_eq(pkg->scoring, 0);
	ck_assert_str_eq(pkg->checker, "default");
	ck_assert_int_eq(pkg->case_sensitive, 1);
	ck_assert(pkg->has_abs_tol && pkg->has_rel_tol && pkg->abs_tol == 1e-6 && pkg->rel_tol == 1e-6);
	ck_assert_int_eq(pkg->memory_limit_kb, 512 * 1024);
	ck_assert_int_eq(pkg->time_limit_ms, 0);
	ck_assert(pkg->time_multiplier == 3 && pkg->time_safety_margin == 2);
	ck_warns(pkg, "no time limit");
	/* tests in lexicographic order, samples first */
	ck_assert_int_eq(pkg->tests_count, 3);
	ck_assert_str_eq(pkg->tests[0].name, "sample/1");
	ck_assert_int_eq(pkg->tests[0].is_sample, 1);
	ck_assert_str_eq(pkg->tests[1].name, "secret/a");
	ck_assert_str_eq(pkg->tests[2].name, "secret/b");
	ck_assert_int_eq(pkg->tests[1].is_sample, 0);
	ck_assert_str_eq(pkg->groups[pkg->tests[1].group].name, "secret");
	ck_assert_int_eq(group(pkg, "secret")->parent, -1);
	ck_warns(pkg, "annotation");
	/* statement */
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "*hello*"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "$x_1$"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "## Input"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "\n\n- one\n- **two**\n"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "`c_d`"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "| x | *y* |\n| --- | --- |\n| 1 | 2 |\n"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "```\na_b\n"));
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "kept"));
	ck_assert_ptr_null(strstr(pkg->statement_md, "comment"));
	ck_warns(pkg, "\\fancything");
	ck_assert_int_eq(pkg->assets_count, 1);
	ck_assert_str_eq(pkg->assets[0].name, "figure.png");
	ck_assert_str_eq(pkg->assets[0].content_type, "image/png");
	/* submissions */
	ck_assert_int_eq(pkg->submissions_count, 4);
	ck_assert(expects(submission(pkg, "submissions/accepted/sol.cpp"), "AC"));
	ck_assert_int_eq(submission(pkg, "submissions/accepted/plain.py")->language_id, 71);
	ck_assert_int_eq(submission(pkg, "submissions/accepted/sol.cpp")->language_id, 54);
	ck_assert(expects(submission(pkg, "submissions/wrong_answer/wa.py"), "WA"));
	ck_assert_int_eq(submission(pkg, "submissions/wrong_answer/wa.py")->language_id, 71);
	ck_assert(expects(submission(pkg, "submissions/run_time_error/Crash.java"), "RE"));
	ck_assert_int_eq(submission(pkg, "submissions/run_time_error/Crash.java")->language_id, 62);
	ck_assert_ptr_null(submission(pkg, "submissions/accepted/old.py"));
	ck_warns(pkg, "Python 2");
	ck_warns(pkg, "slow_accepted");
	ck_warns(pkg, "input validators are not run");
	sv_package_free(pkg);
}
END_TEST

static const entry scoring[] = {
    {"problem.yaml", "name: Groups\ntype: scoring\nlimits:\n  time_limit: 1.5\n"},
    {"data/testdata.yaml", "grader_flags: ignore_sample\n"},
    {"data/sample/1.in", "1\n"},
    {"data/sample/1.ans", "1\n"},
    {"data/secret/testdata.yaml", "on_reject: continue\ngrader_flags: min\naccept_score: 10\n"
				  "output_validator_flags: space_change_sensitive\n"},
    {"data/secret/g1/1.in", "1\n"},
    {"data/secret/g1/1.ans", "1\n"},
    {"data/secret/g2/testdata.yaml", "accept_score: 20\ngrader_flags: sum first_error\nreject_score: 1\n"},
    {"data/secret/g2/1.in", "1\n"},
    {"data/secret/g2/1.ans", "1\n"},
    {"data/secret/g2/2.in", "2\n"},
    {"data/secret/g2/2.ans", "2\n"},
    {"submissions/partially_accepted/p.c", "int main() {}\n"},
    {"submissions/wrong_answer/w.c", "int main() {}\n"},
    {NULL, NULL},
};

START_TEST(test_legacy_groups_inherit)
{
	sv_package *pkg = read_dir_ok("groups", scoring, NULL);
	const pkg_group *g1 = group(pkg, "secret/g1"), *g2 = group(pkg, "secret/g2");

	ck_assert_int_eq(pkg->scoring, 1);
	ck_assert_int_eq(pkg->time_limit_ms, 1500);
	ck_assert_int_eq(pkg->tests_count, 4);
	/* g1 inherits data/secret/testdata.yaml; g2 has its own */
	ck_assert_str_eq(g1->aggregation, "min");
	ck_assert_int_eq(g1->on_reject_break, 0);
	ck_assert_str_eq(g1->validator_flags, "space_change_sensitive");
	ck_assert_str_eq(g2->aggregation, "sum");
	ck_assert_int_eq(g2->on_reject_break, 1);
	ck_assert_str_eq(pkg->groups[g1->parent].name, "secret");
	ck_assert(pkg->tests[0].weight == 0); /* ignore_sample */
	ck_assert(pkg->tests[1].weight == 10);
	ck_assert(pkg->tests[2].weight == 20 && pkg->tests[3].weight == 20);
	ck_assert_int_eq(pkg->space_change_sensitive, 1);
	ck_warns(pkg, "first_error");
	ck_assert_int_eq(count_warnings(pkg, "first_error"), 1); /* g2's two tests: one warning */
	ck_warns(pkg, "reject_score");
	ck_assert(expects(submission(pkg, "submissions/partially_accepted/p.c"), "PA"));
	ck_assert(expects(submission(pkg, "submissions/wrong_answer/w.c"), "WA"));
	ck_assert(expects(submission(pkg, "submissions/wrong_answer/w.c"), "PA"));
	ck_warns(pkg, "no accepted submission");
	sv_package_free(pkg);
}
END_TEST

static const entry interactive[] = {
    {"problem.yaml", "name: Guess\nvalidation: custom interactive\nvalidator_flags: --seed 3\n"},
    {"output_validators/guess_validator/validate.py", "import sys\n"},
    {"output_validators/guess_validator/build", "#!/bin/sh\n"},
    {"output_validators/other/x.cpp", "int main() {}\n"},
    {"problem_statement/problem.tex", "\\problemname{Guess the \\emph{number}}\nGuess it.\n"},
    {"data/secret/1.in", "5\n"},
    {"data/secret/1.ans", "\n"},
    {NULL, NULL},
};

START_TEST(test_legacy_interactive)
{
	sv_package *pkg = read_dir_ok("guess", interactive, NULL);

	ck_assert_str_eq(pkg->title, "Guess");
	sv_package_free(pkg);
	pkg = read_dir_ok("guess", interactive + 1, NULL); /* no problem.yaml: the default validator */
	ck_assert_str_eq(pkg->checker, "default");
	ck_assert_str_eq(pkg->title, "Guess the number");
	ck_warns(pkg, "output_validators/ is not used");
	sv_package_free(pkg);
	pkg = read_dir_ok("guess", interactive, NULL);

	ck_assert_str_eq(pkg->checker, "interactive");
	ck_assert_str_eq(pkg->validator_flags, "--seed 3");
	ck_assert_int_eq(pkg->validator_language_id, 71);
	ck_assert_str_eq(pkg->validator_file_name, "validate.py");
	ck_assert_str_eq(pkg_text(pkg->validator_source), "import sys\n");
	ck_assert_int_eq(pkg->validator_files_count, 0);
	ck_warns(pkg, "build and run scripts");
	ck_warns(pkg, "only one output validator");
	sv_package_free(pkg);
}
END_TEST

/* ---- 2025-09 -------------------------------------------------------------------------------------- */

static const entry modern[] = {
    {"problem.yaml", "problem_format_version: 2025-09\nname:\n  de: Rucksack\n  en: Knapsack\ntype: scoring\n"
		     "uuid: 5b6d\nlimits:\n  time_multipliers:\n    ac_to_time_limit: 3\n    time_limit_to_tle: 1.25\n"
		     "  output: 16\n  code: 64\nsource: somewhere\nlanguages: [cpp]\nbogus: 1\n"},
    {"statement/problem.en.md", "# Knapsack\nPack {{it}}.\n"},
    {"statement/problem.de.md", "# Rucksack\n"},
    {"attachments/tool.py", "print()\n"},
    {"output_validator/validator.cpp", "#include \"testlib.h\"\nint main() {}\n"},
    {"output_validator/testlib.h", "// testlib\n"},
    {"data/sample/1.in", "1\n"},
    {"data/sample/1.ans", "1\n"},
    {"data/secret/test_group.yaml", "max_score: 100\noutput_validator_args: [--exact]\n"},
    {"data/secret/g1/test_group.yaml", "max_score: 30\n"},
    {"data/secret/g1/1.in", "1\n"},
    {"data/secret/g1/1.ans", "1\n"},
    {"data/secret/g1/deeper/2.in", "2\n"},
    {"data/secret/g1/deeper/2.ans", "2\n"},
    {"data/secret/g2/test_group.yaml", "max_score: 70\nscore_aggregation: sum\nrequire_pass: sample\n"},
    {"data/secret/g2/1.in", "1\n"},
    {"data/secret/g2/1.ans", "1\n"},
    {"submissions/accepted/Knap.java", "public class Knap {}\n"},
    {"submissions/rejected/greedy.cc", "int main() {}\n"},
    {"submissions/accepted/many/a.c", "int main() {}\n"},
    {NULL, NULL},
};

START_TEST(test_2025_09)
{
	sv_package *pkg = read_dir_ok("knapsack", modern, NULL);
	const pkg_group *g1 = group(pkg, "secret/g1"), *g2 = group(pkg, "secret/g2"), *secret = group(pkg, "secret");

	ck_assert_str_eq(pkg->format, "2025-09");
	ck_assert_str_eq(pkg->title, "Knapsack");
	ck_assert_str_eq(pkg->uuid, "5b6d");
	ck_assert_int_eq(pkg->scoring, 1);
	ck_assert_str_eq(pkg->checker, "custom");
	ck_assert_int_eq(pkg->validator_language_id, 54);
	ck_assert_str_eq(pkg->validator_file_name, "validator.cpp");
	ck_assert_int_eq(pkg->validator_files_count, 1);
	ck_assert_str_eq(pkg->validator_files[0]->path, "output_validator/testlib.h");
	ck_assert(pkg->time_multiplier == 3 && pkg->time_safety_margin == 1.25);
	ck_assert_int_eq(pkg->output_limit_kb, 16 * 1024);
	ck_warns(pkg, "limits.code");
	ck_warns(pkg, "unknown key bogus");
	ck_warns(pkg, "languages is not enforced");
	/* groups: pass-fail aggregation with points is all-or-nothing; deeper dirs are not groups */
	ck_assert_str_eq(g1->aggregation, "all-or-nothing");
	ck_assert(g1->has_points && g1->points == 30);
	ck_assert_str_eq(g2->aggregation, "sum");
	ck_assert(g2->has_points && g2->points == 70);
	ck_assert(secret->has_points && secret->points == 100);
	ck_assert_str_eq(secret->validator_flags, "--exact");
	ck_warns(pkg, "require_pass");
	ck_assert_int_eq(pkg->tests_count, 4);
	ck_assert_str_eq(pkg->tests[2].name, "secret/g1/deeper/2");
	ck_assert_str_eq(pkg->groups[pkg->tests[2].group].name, "secret/g1");
	ck_assert(pkg->tests[0].weight == 0); /* samples never score in 2025-09 */
	/* statement: English first, the other language warned about */
	ck_assert_str_eq(pkg->statement_md, "# Knapsack\nPack {{it}}.\n");
	ck_warns(pkg, "other 1 statement files");
	ck_assert_int_eq(pkg->assets_count, 1);
	ck_assert_str_eq(pkg->assets[0].kind, "attachment");
	ck_assert(expects(submission(pkg, "submissions/accepted/Knap.java"), "AC"));
	ck_assert(expects(submission(pkg, "submissions/rejected/greedy.cc"), "WA"));
	ck_assert(expects(submission(pkg, "submissions/rejected/greedy.cc"), "TLE"));
	ck_warns(pkg, "several files");
	sv_package_free(pkg);
}
END_TEST

/* ---- DOMjudge zip ---------------------------------------------------------------------------------- */

static const entry domjudge[] = {
    {"hello/domjudge-problem.ini", "name='Hello DOMjudge'\ntimelimit = '3'\nspecial_compare='float'\ncolor=\n"},
    {"hello/problem.pdf", "%PDF-1.4"},
    {"hello/data/sample/hello.in", ""},
    {"hello/data/sample/hello.ans", "Hello world!\n"},
    {"hello/data/secret/bin.in", "\x01\x02\xff"},
    {"hello/data/secret/bin.ans", "\xfe"},
    {"hello/submissions/accepted/test-hello.c", "/* @EXPECTED_RESULTS@: CORRECT */\nint main() {}\n"},
    {"hello/submissions/mixed/multi.cpp",
     "// @EXPECTED_RESULTS@: WRONG-ANSWER, TIMELIMIT, NO-OUTPUT\n// @EXPECTED_SCORE@: 50\nint main() {}\n"},
    {"hello/submissions/mixed/none.cpp", "int main() {}\n"},
    {"hello/submissions/accepted/t.rb", "puts 1\n"},
    {NULL, NULL},
};

START_TEST(test_domjudge_zip)
{
	char err[512] = "";
	int rc;
	sv_package *pkg = read_zip(domjudge, "/tmp/uploads/Hello.zip", err, sizeof(err), &rc);
	const pkg_submission *multi;

	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_str_eq(pkg->slug, "hello");
	ck_assert_str_eq(pkg->format, "domjudge");
	ck_assert_str_eq(pkg->title, "Hello DOMjudge");
	ck_assert_int_eq(pkg->time_limit_ms, 3000);
	ck_warns(pkg, "special_compare");
	/* binary tests kept as bytes */
	ck_assert_int_eq(pkg->tests_count, 2);
	ck_assert_int_eq(pkg->tests[1].input->len, 3);
	ck_assert_int_eq(memcmp(pkg->tests[1].input->data, "\x01\x02\xff", 3), 0);
	ck_assert_int_eq(pkg->tests[0].input->len, 0);
	/* the PDF statement is an asset */
	ck_assert_int_eq(pkg->assets_count, 1);
	ck_assert_str_eq(pkg->assets[0].content_type, "application/pdf");
	ck_assert_ptr_nonnull(strstr(pkg->statement_md, "problem.pdf"));
	ck_warns(pkg, "problem.pdf is kept");
	/* annotations */
	ck_assert(expects(submission(pkg, "submissions/accepted/test-hello.c"), "AC"));
	multi = submission(pkg, "submissions/mixed/multi.cpp");
	ck_assert_ptr_nonnull(multi);
	ck_assert_int_eq(multi->expected_count, 2); /* NO-OUTPUT is WA */
	ck_assert(expects(multi, "WA") && expects(multi, "TLE"));
	ck_assert(multi->has_expected_score && multi->expected_score == 50);
	ck_assert_ptr_null(submission(pkg, "submissions/mixed/none.cpp"));
	ck_warns(pkg, "folder mixed gives no expected verdict");
	ck_warns(pkg, "\".rb\"");
	sv_package_free(pkg);
}
END_TEST

START_TEST(test_time_limit_sources)
{
	static const entry both[] = {{".timelimit", " 2.5\n"},
				     {"domjudge-problem.ini", "timelimit=7\n"},
				     {"data/secret/1.in", "1"},
				     {"data/secret/1.ans", "1"},
				     {NULL, NULL}};
	static const entry yaml_wins[] = {{".timelimit", "2.5\n"},
					  {"problem.yaml", "limits:\n  time_limit: 0.25\n"},
					  {"data/secret/1.in", "1"},
					  {"data/secret/1.ans", "1"},
					  {NULL, NULL}};
	static const entry bad_ini[] = {{"domjudge-problem.ini", "timelimit='fast'\n"},
					{"data/secret/1.in", "1"},
					{"data/secret/1.ans", "1"},
					{NULL, NULL}};
	static const entry too_long[] = {{"problem.yaml", "limits:\n  time_limit: 90\n"},
					 {"data/secret/1.in", "1"},
					 {"data/secret/1.ans", "1"},
					 {NULL, NULL}};
	sv_package *pkg = read_dir_ok("tl", both, NULL);

	ck_assert_int_eq(pkg->time_limit_ms, 2500);
	sv_package_free(pkg);
	pkg = read_dir_ok("tl", yaml_wins, NULL);
	ck_assert_int_eq(pkg->time_limit_ms, 250);
	sv_package_free(pkg);
	read_dir_fails("tl", bad_ini, NULL, "domjudge-problem.ini timelimit: not a number of seconds");
	read_dir_fails("tl", too_long, NULL, "time limit 90 s is outside 0.05..60 s");
}
END_TEST

START_TEST(test_dir_symlinks_inside)
{
	static const entry e[] = {
	    {"shared/1.in", "1\n"},
	    {"shared/1.ans", "2\n"},
	    {"data/secret/a.in", "->../../shared/1.in"},
	    {"data/secret/a.ans", "->../../shared/1.ans"},
	    {"data/sample", "->../shared"},
	    {NULL, NULL},
	};
	sv_package *pkg = read_dir_ok("linked", e, NULL);

	ck_assert_int_eq(pkg->tests_count, 2);
	ck_assert_str_eq(pkg->tests[0].name, "sample/1");
	ck_assert_str_eq(pkg->tests[1].name, "secret/a");
	ck_assert_str_eq(pkg_text(pkg->tests[1].answer), "2\n");
	ck_warns(pkg, "not imported: shared/");
	sv_package_free(pkg);
}
END_TEST

START_TEST(test_zip_symlink_inside)
{
	static const entry e[] = {
	    {"data/secret/1.in", "1\n"},    {"data/secret/1.ans", "1\n"},
	    {"data/secret/2.in", "->1.in"}, {"data/secret/2.ans", "->../secret/1.ans"},
	    {"data/sample", "->secret"},    {NULL, NULL},
	};
	char err[512] = "";
	int rc;
	sv_package *pkg = read_zip(e, "links.zip", err, sizeof(err), &rc);

	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(pkg->tests_count, 4);
	ck_assert_str_eq(pkg->tests[0].name, "sample/1");
	ck_assert_str_eq(pkg_text(pkg->tests[3].input), "1\n");
	sv_package_free(pkg);
}
END_TEST

/* ---- Errors -------------------------------------------------------------------------------------- */

static void zip_fails(const entry *e, const char *message)
{
	char err[512] = "";
	int rc;
	sv_package *pkg = read_zip(e, "bad.zip", err, sizeof(err), &rc);

	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(pkg);
	ck_assert_msg(strstr(err, message), "error \"%s\" lacks \"%s\"", err, message);
}

START_TEST(test_errors_zip)
{
	static const entry dotdot[] = {{"data/../../evil", "x"}, {NULL, NULL}};
	static const entry absolute[] = {{"/etc/evil", "x"}, {NULL, NULL}};
	static const entry escape[] = {
	    {"data/secret/1.in", "->../../../etc/passwd"}, {"data/secret/1.ans", "1"}, {NULL, NULL}};
	static const entry dangling[] = {
	    {"data/secret/1.in", "->nowhere.in"}, {"data/secret/1.ans", "1"}, {NULL, NULL}};
	char err[512] = "";
	sv_package *pkg = (sv_package *)1;

	zip_fails(dotdot, "unsafe path: data/../../evil");
	zip_fails(absolute, "unsafe path: /etc/evil");
	zip_fails(escape, "points outside the package");
	zip_fails(dangling, "not in the package");
	ck_assert_int_eq(sv_package_read_zip("not a zip", 9, NULL, &pkg, err, sizeof(err)), -1);
	ck_assert_ptr_null(pkg);
	ck_assert_ptr_nonnull(strstr(err, "not a zip file"));
}
END_TEST

START_TEST(test_errors_dir)
{
	static const entry no_data[] = {{"problem.yaml", "name: x\n"}, {NULL, NULL}};
	static const entry bad_yaml[] = {
	    {"problem.yaml", "name: x\nlimits:\n  memory: [1\n"}, {"data/secret/1.in", ""}, {NULL, NULL}};
	static const entry no_ans[] = {{"data/secret/1.in", "1"}, {NULL, NULL}};
	static const entry no_tests[] = {{"data/secret/readme.txt", "1"}, {NULL, NULL}};
	static const entry big[] = {{"data/secret/1.in", "0123456789"}, {"data/secret/1.ans", "1"}, {NULL, NULL}};
	static const entry escape[] = {{"data/secret/1.in", "->/etc/passwd"}, {"data/secret/1.ans", "1"}, {NULL, NULL}};
	static const entry no_validator[] = {{"problem.yaml", "validation: custom\n"},
					     {"data/secret/1.in", "1"},
					     {"data/secret/1.ans", "1"},
					     {NULL, NULL}};
	static const entry bad_tl[] = {
	    {".timelimit", "soon\n"}, {"data/secret/1.in", "1"}, {"data/secret/1.ans", "1"}, {NULL, NULL}};
	static const entry ok[] = {{"data/secret/1.in", "1"}, {"data/secret/1.ans", "1"}, {NULL, NULL}};
	sv_package_options small = {5, 0, NULL, NULL}, bad_slug = {0, 0, "Not A Slug", NULL};

	read_dir_fails("p", no_data, NULL, "data/ is missing");
	read_dir_fails("p", bad_yaml, NULL, "problem.yaml line 4");
	read_dir_fails("p", no_ans, NULL, "data/secret/1.in has no answer file data/secret/1.ans");
	read_dir_fails("p", no_tests, NULL, "has no tests");
	read_dir_fails("p", big, &small, "data/secret/1.in is 10 bytes, over the limit of 5 bytes");
	read_dir_fails("p", escape, NULL, "symlink data/secret/1.in points outside the package");
	read_dir_fails("p", no_validator, NULL, "no output_validator/ or output_validators/");
	read_dir_fails("p", bad_tl, NULL, ".timelimit: not a number");
	read_dir_fails("p", ok, &bad_slug, "slug \"Not A Slug\" must be");
	read_dir_fails("---", ok, NULL, "gives no slug");
}
END_TEST

/* ---- Store ----------------------------------------------------------------------------------------- */

static void fake_hash(const unsigned char *data, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

typedef struct {
	char log[64][160];
	int n;
	int fail_at; /* the statement that fails (1-based); 0: none */
	int put_blobs;
} fake_db;

static int fake_exec(void *baton, const char *sql, int nparams, const char *const *values, const size_t *lengths,
		     const int *binary, void (*row)(void *, int, const char *const *), void *rowbaton, char *err,
		     size_t errlen)
{
	fake_db *db = baton;
	const char *id[1] = {"42"}, *none[1] = {"{}"}, *rev[1] = {"7"};
	static char hash[65];

	if (db->n < 64)
		snprintf(db->log[db->n], sizeof(db->log[0]), "%s", sql);
	if (++db->n == db->fail_at) {
		snprintf(err, errlen, "injected failure");
		return -1;
	}
	if (strstr(sql, "solveit_put_blob")) {
		const char *cols[1] = {hash};

		ck_assert(binary && binary[0] == 1);
		fake_hash((const unsigned char *)values[0], lengths[0], hash);
		db->put_blobs++;
		if (row)
			row(rowbaton, 1, cols);
		return 0;
	}
	if (!row)
		return 0;
	if (strstr(sql, "RETURNING id"))
		row(rowbaton, 1, id);
	else if (strstr(sql, "array_agg"))
		row(rowbaton, 1, none);
	else if (strstr(sql, "SELECT revision"))
		row(rowbaton, 1, rev);
	(void)nparams;
	return 0;
}

static int logged(const fake_db *db, const char *what)
{
	int n = 0;

	for (int i = 0; i < db->n && i < 64; i++)
		n += strstr(db->log[i], what) != NULL;
	return n;
}

START_TEST(test_store_one_transaction)
{
	sv_package *pkg = read_dir_ok("groups", scoring, NULL);
	fake_db db = {0};
	sv_sql sql = {&db, fake_exec};
	sv_import_result res;
	char err[256] = "";

	sv_actor actor = {3, "teacher"};

	ck_assert_msg(sv_package_store(pkg, &sql, &actor, &res, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(db.log[0], "BEGIN");
	ck_assert_str_eq(db.log[db.n - 1], "COMMIT");
	ck_assert_int_eq(res.task_id, 42);
	ck_assert_int_eq(res.revision, 7);
	ck_assert_int_eq(res.created, 1); /* the fake finds no task by slug */
	ck_assert_int_eq(res.tests, 4);
	ck_assert_int_eq(res.submissions, 2);
	ck_assert_str_eq(res.slug, "groups");
	/* "1\n" is input and answer of three tests, "2\n" of one: two blobs sent once each */
	ck_assert_int_eq(db.put_blobs, 2);
	ck_assert_int_eq(logged(&db, "INSERT INTO tests"), 4);
	ck_assert_int_eq(logged(&db, "INSERT INTO test_groups"), 4); /* sample, secret, g1, g2 */
	ck_assert_int_eq(logged(&db, "INSERT INTO task_package_submissions"), 2);
	ck_assert_int_eq(logged(&db, "INSERT INTO staff_audit"), 1); /* with the change, in its transaction */
	sv_package_free(pkg);
}
END_TEST

START_TEST(test_store_failure_rolls_back)
{
	sv_package *pkg = read_dir_ok("groups", scoring, NULL);
	fake_db db = {.fail_at = 8};
	sv_sql sql = {&db, fake_exec};
	sv_import_result res;
	char err[256] = "";

	ck_assert_int_eq(sv_package_store(pkg, &sql, NULL, &res, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "injected failure");
	ck_assert_str_eq(db.log[db.n - 1], "ROLLBACK");
	ck_assert_int_eq(logged(&db, "COMMIT"), 0);
	ck_assert_int_eq(res.task_id, 0);
	sv_package_free(pkg);
}
END_TEST

static Suite *package_suite(void)
{
	Suite *s = suite_create("package");
	TCase *read = tcase_create("read"), *errors = tcase_create("errors"), *store = tcase_create("store");

	tcase_add_test(read, test_legacy_pass_fail);
	tcase_add_test(read, test_legacy_groups_inherit);
	tcase_add_test(read, test_legacy_interactive);
	tcase_add_test(read, test_2025_09);
	tcase_add_test(read, test_domjudge_zip);
	tcase_add_test(read, test_zip_symlink_inside);
	tcase_add_test(read, test_dir_symlinks_inside);
	tcase_add_test(read, test_time_limit_sources);
	tcase_add_test(errors, test_errors_zip);
	tcase_add_test(errors, test_errors_dir);
	tcase_add_test(store, test_store_one_transaction);
	tcase_add_test(store, test_store_failure_rolls_back);
	suite_add_tcase(s, read);
	suite_add_tcase(s, errors);
	suite_add_tcase(s, store);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(package_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
