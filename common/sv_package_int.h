#ifndef SV_PACKAGE_INT_H
#define SV_PACKAGE_INT_H

#include <stdarg.h>
#include <stddef.h>

#include <yaml.h>

#include "sv_package.h"

/* The inside of sv_package: the files of a package (from a zip or a directory, symlinks resolved),
 * and the task read from them, which sv_package_store writes. Shared by the sv_package_*.c files. */

typedef struct {
	char *path; /* relative to the package root, '/' separated, no "..", no leading '/' */
	unsigned char *data;
	size_t len;
} pkg_file;

typedef struct {
	char *name;
	int parent; /* index into groups, -1: the task's root */
	int position;
	const char *aggregation; /* "sum", "avg", "min", "max", "all-or-nothing" */
	int has_points;
	double points;
	int on_reject_break;
	char *validator_flags;
	double accept_score; /* the weight of its tests */
} pkg_group;

typedef struct {
	char *name; /* "secret/group1/03-big" */
	int group;
	int is_sample;
	double weight;
	const pkg_file *input, *answer;
} pkg_test;

typedef struct {
	char *name;
	const char *kind; /* "statement" or "attachment" */
	const char *content_type;
	const pkg_file *file;
} pkg_asset;

typedef struct {
	char *path; /* "submissions/accepted/sol.cpp" */
	char *expected[8];
	size_t expected_count;
	int has_expected_score;
	double expected_score;
	int language_id;
	const pkg_file *file;
} pkg_submission;

#define PKG_VEC(type, name)                                                                                            \
	type *name;                                                                                                    \
	size_t name##_count, name##_cap

struct sv_package {
	PKG_VEC(pkg_file, files);
	PKG_VEC(char *, warnings);
	PKG_VEC(pkg_group, groups);
	PKG_VEC(pkg_test, tests);
	PKG_VEC(pkg_asset, assets);
	PKG_VEC(pkg_file *, validator_files);
	PKG_VEC(pkg_submission, submissions);
	char slug[80];
	char *title;
	char *statement_md;
	char *uuid;
	const char *format;  /* "legacy", "2023-07", "2025-09", "domjudge" */
	int version;         /* 0 legacy, 2023, 2025 */
	int scoring;         /* type scoring (else pass-fail) */
	const char *checker; /* "default", "custom", "interactive" */
	int case_sensitive, space_change_sensitive;
	int has_abs_tol, has_rel_tol;
	double abs_tol, rel_tol;
	char *validator_flags; /* custom and interactive */
	int validator_language_id;
	const pkg_file *validator_source;
	char *validator_file_name;
	int time_limit_ms; /* 0: pending */
	double time_multiplier, time_safety_margin;
	int memory_limit_kb, output_limit_kb, compile_time_limit_ms, compile_memory_limit_kb; /* 0: default */
	size_t total_bytes;
	int root_config_read, ignore_sample; /* data/testdata.yaml's ignore_sample, read once */
};

/* The limit a pending task judges its accepted submissions with until verify computes its own. */
#define PKG_PROVISIONAL_TIME_LIMIT_MS 10000

/* Every allocation of the reader goes through these: they abort on out of memory, which the
 * callers (a CLI and an httpd request) cannot usefully recover from half-way through a package. */
void *pkg_alloc(size_t n);
char *pkg_strdup(const char *s);
char *pkg_strndup(const char *s, size_t n);
char *pkg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Appends a zeroed element to a PKG_VEC and returns it. */
void *pkg_push(void **v, size_t *count, size_t *cap, size_t size);
#define PKG_PUSH(pkg, name)                                                                                            \
	((__typeof__((pkg)->name))pkg_push((void **)&(pkg)->name, &(pkg)->name##_count, &(pkg)->name##_cap,            \
					   sizeof(*(pkg)->name)))

void pkg_warn(sv_package *pkg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pkg_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Files. */
int pkg_load_zip(sv_package *pkg, const void *zip, size_t len, const sv_package_options *opts, char *root_name,
		 size_t root_len, char *err, size_t errlen);
int pkg_load_dir(sv_package *pkg, const char *path, const sv_package_options *opts, char *err, size_t errlen);
const pkg_file *pkg_find(const sv_package *pkg, const char *path);
int pkg_has_prefix(const sv_package *pkg, const char *dir); /* any file under dir/ */
int pkg_path_in(const char *path, const char *dir);         /* path is under dir/ */
const char *pkg_base_name(const char *path);
const char *pkg_extension(const char *path); /* ".cpp", "" */
/* The file as a NUL-terminated string (the bytes with a NUL after them: files are stored so). */
const char *pkg_text(const pkg_file *f);

/* YAML (libyaml's document API). pkg_yaml_load returns 0 or -1 with "path line N: problem". */
int pkg_yaml_load(const pkg_file *f, yaml_document_t *doc, char *err, size_t errlen);
yaml_node_t *pkg_yaml_root(yaml_document_t *doc);
yaml_node_t *pkg_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
const char *pkg_yaml_str(yaml_node_t *node); /* a scalar's text, else NULL */
int pkg_yaml_number(yaml_node_t *node, double *out);
/* Loads a configuration file (problem.yaml, testdata.yaml, test_group.yaml): warns about the keys
 * not in known and those in unsupported (both NULL-terminated; unsupported may be NULL). Returns
 * its root mapping (an empty one for an empty file; yaml_document_delete doc when done), or NULL
 * with err when it is not YAML or not a mapping. */
yaml_node_t *pkg_yaml_config(sv_package *pkg, const pkg_file *f, yaml_document_t *doc, const char *const *known,
			     const char *const *unsupported, char *err, size_t errlen);
/* A string or a sequence of strings as one space-separated malloc'd string; NULL when neither. */
char *pkg_yaml_words(yaml_document_t *doc, yaml_node_t *node);
/* Warns about each key of map not in known (NULL-terminated), naming where. */
void pkg_yaml_unknown_keys(sv_package *pkg, yaml_document_t *doc, yaml_node_t *map, const char *const *known,
			   const char *where);

/* The parts of reading a package. */
int pkg_read_problem(sv_package *pkg, char *err, size_t errlen);
int pkg_read_tests(sv_package *pkg, char *err, size_t errlen);
int pkg_read_validator(sv_package *pkg, char *err, size_t errlen);
void pkg_read_submissions(sv_package *pkg);
void pkg_read_statement(sv_package *pkg);
/* A LaTeX statement body as Markdown; the commands it could not convert are named in a warning. */
char *pkg_tex_to_markdown(sv_package *pkg, const char *tex, const char *where);
/* Parses the default validator's flags into the package's columns; unknown words are warned about. */
void pkg_default_validator_flags(sv_package *pkg, const char *flags, const char *where);

/* Judge0 language id of a source file name, 0 when none. */
int pkg_language_of(const char *name);
/* Lower-cases name into a slug of [a-z0-9-] (at most 64); "" when nothing is left. */
void pkg_slugify(const char *name, char *out, size_t outlen);

#endif
