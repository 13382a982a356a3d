/* The statement: Markdown as it is, LaTeX converted to Markdown for the common commands (sections,
 * lists, emphasis, verbatim, images; math kept as $...$), or a PDF/HTML file kept as an asset; the
 * statement's images and the attachments as assets. */
#include "sv_package_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	char *s;
	size_t len, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if (!(b->s = realloc(b->s, b->cap)))
			abort();
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

typedef struct {
	sv_package *pkg;
	buf unknown;    /* ", \foo, \bar" */
	char lists[16]; /* '-' itemize, '1' enumerate */
	int depth;
} tex;

static void note_unknown(tex *t, const char *what)
{
	char *needle = pkg_printf(", %s,", what);
	char *have = pkg_printf("%s,", t->unknown.s ? t->unknown.s : "");

	if (!strstr(have, needle))
		puts_(&t->unknown, ", "), puts_(&t->unknown, what);
	free(needle), free(have);
}

/* A {...} argument at *p (after spaces); returns it malloc'd and moves *p past it, or NULL. */
static char *arg(const char **p, char open, char close)
{
	const char *s = *p;
	int depth = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != open)
		return NULL;
	for (const char *q = s; *q; q++) {
		if (*q == '\\' && q[1]) {
			q++;
			continue;
		}
		if (*q == open)
			depth++;
		else if (*q == close && --depth == 0) {
			*p = q + 1;
			return pkg_strndup(s + 1, (size_t)(q - s - 1));
		}
	}
	return NULL;
}

static void convert(tex *t, const char *src, buf *out);

static void convert_arg(tex *t, const char **p, buf *out, const char *before, const char *after)
{
	char *a = arg(p, '{', '}');

	puts_(out, before);
	if (a)
		convert(t, a, out);
	puts_(out, after);
	free(a);
}

/* Copies src verbatim up to end (not included) into out; returns the position after end or the end. */
static const char *copy_until(const char *src, const char *end, buf *out)
{
	const char *e = strstr(src, end);

	if (!e) {
		puts_(out, src);
		return src + strlen(src);
	}
	put(out, src, (size_t)(e - src));
	return e + strlen(end);
}

/* One cell's Markdown: converted, on one line, trimmed, with its pipes escaped. */
static void table_cell(tex *t, const char *cell, buf *out)
{
	buf b = {0};
	const char *s, *e;

	puts_(&b, "");
	convert(t, cell, &b);
	for (s = b.s; *s == ' ' || *s == '\n'; s++)
		;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\n'); e--)
		;
	puts_(out, " ");
	for (; s < e; s++)
		puts_(out, *s == '|' ? "\\|" : *s == '\n' ? " " : (char[]){*s, 0});
	puts_(out, " |");
	free(b.s);
}

/* A tabular as a Markdown table: rows split at \\, cells at &, rules dropped; the first row is the
 * header. */
static const char *tabular(tex *t, const char *p, buf *out)
{
	buf body = {0};
	char *rows;
	int n = 0;

	free(arg(&p, '{', '}')); /* the column spec */
	puts_(&body, "");
	p = copy_until(p, "\\end{tabular}", &body);
	rows = body.s;
	puts_(out, "\n\n");
	for (char *row = rows, *next; row; row = next) {
		char *end = strstr(row, "\\\\");

		next = end ? end + 2 : NULL;
		if (end)
			*end = '\0';
		char *cells = pkg_strdup(row), *c = cells, *amp;
		int k = 0;

		for (char *h; (h = strstr(c, "\\hline")) || (h = strstr(c, "\\cline"));)
			memset(h, ' ', 6);
		if (strspn(cells, " \t\n") == strlen(cells)) {
			free(cells);
			continue;
		}
		puts_(out, "|");
		for (; (amp = strchr(c, '&')); c = amp + 1, k++)
			*amp = '\0', table_cell(t, c, out);
		table_cell(t, c, out), k++;
		puts_(out, "\n");
		if (n++ == 0) {
			puts_(out, "|");
			while (k-- > 0)
				puts_(out, " --- |");
			puts_(out, "\n");
		}
		free(cells);
	}
	puts_(out, "\n");
	free(rows);
	return p;
}

static const char *begin_env(tex *t, const char *env, const char *p, buf *out)
{
	if (!strcmp(env, "tabular")) {
		p = tabular(t, p, out);
	} else if (!strcmp(env, "itemize") || !strcmp(env, "enumerate")) {
		if (t->depth < (int)sizeof(t->lists))
			t->lists[t->depth] = env[0] == 'i' ? '-' : '1';
		t->depth++;
		puts_(out, "\n");
	} else if (!strcmp(env, "verbatim") || !strcmp(env, "lstlisting")) {
		char *end = pkg_printf("\\end{%s}", env);

		if (*p == '[')
			free(arg(&p, '[', ']'));
		puts_(out, "\n```\n");
		p = copy_until(p + (*p == '\n'), end, out);
		puts_(out, "\n```\n");
		free(end);
	} else if (!strcmp(env, "equation") || !strcmp(env, "equation*") || !strcmp(env, "align") ||
		   !strcmp(env, "align*") || !strcmp(env, "displaymath")) {
		char *end = pkg_printf("\\end{%s}", env);

		puts_(out, "$$");
		p = copy_until(p, end, out);
		puts_(out, "$$");
		free(end);
	} else if (!strcmp(env, "Input") || !strcmp(env, "Output") || !strcmp(env, "Interaction")) {
		puts_(out, "\n\n## "), puts_(out, env), puts_(out, "\n\n");
	} else if (strcmp(env, "center") && strcmp(env, "quote") && strcmp(env, "figure") &&
		   strcmp(env, "wrapfigure") && strcmp(env, "flushleft") && strcmp(env, "flushright")) {
		char *what = pkg_printf("\\begin{%s}", env);

		note_unknown(t, what);
		free(what);
	}
	if (!strcmp(env, "wrapfigure") || !strcmp(env, "figure")) {
		while (*p == '[' || *p == '{') /* placement and width */
			free(*p == '[' ? arg(&p, '[', ']') : arg(&p, '{', '}'));
	}
	return p;
}

static void item(tex *t, const char **p, buf *out)
{
	int d = t->depth > 0 ? t->depth - 1 : 0;
	char *label = **p == '[' ? arg(p, '[', ']') : NULL;

	const char *last;

	/* items of one list on consecutive lines (a tight list); a blank line before the first */
	while (out->len > 0 && strchr(" \t\n", out->s[out->len - 1]))
		out->s[--out->len] = '\0';
	last = strrchr(out->s ? out->s : "", '\n');
	last = last ? last + 1 + strspn(last + 1, " ") : out->s ? out->s : "";
	puts_(out, !strncmp(last, "- ", 2) || !strncmp(last, "1. ", 3) ? "\n" : "\n\n");
	for (int i = 0; i < d; i++)
		puts_(out, "   ");
	if (label)
		puts_(out, "- "), convert(t, label, out), puts_(out, " ");
	else
		puts_(out, d < (int)sizeof(t->lists) && t->lists[d] == '1' ? "1. " : "- ");
	free(label);
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* One command (name already read, *p after it). */
static void command(tex *t, const char *name, const char **p, buf *out)
{
	static const char *const ignored[] = {
	    "noindent", "medskip",    "bigskip", "smallskip", "centering", "tiny",       "scriptsize",
	    "small",    "normalsize", "large",   "Large",     "LARGE",     "huge",       "Huge",
	    "bf",       "it",         "tt",      "rm",        "sf",        "nextsample", "remainingsamples",
	    "hline",    "vspace",     "hspace",  "label",     "caption*",  "newpage",    "clearpage",
	    NULL};
	char *a;

	if (!strcmp(name, "section") || !strcmp(name, "subsection") || !strcmp(name, "subsubsection")) {
		const char *level = !strcmp(name, "section")      ? "\n\n## "
				    : !strcmp(name, "subsection") ? "\n\n### "
								  : "\n\n#### ";

		if (**p == '*')
			(*p)++;
		convert_arg(t, p, out, level, "\n\n");
		return;
	}
	if (!strcmp(name, "problemname")) {
		free(arg(p, '{', '}'));
	} else if (!strcmp(name, "emph") || !strcmp(name, "textit") || !strcmp(name, "textsl")) {
		convert_arg(t, p, out, "*", "*");
	} else if (!strcmp(name, "textbf")) {
		convert_arg(t, p, out, "**", "**");
	} else if (!strcmp(name, "texttt") || !strcmp(name, "verb")) {
		a = arg(p, '{', '}');
		puts_(out, "`");
		for (const char *c = a ? a : ""; *c; c++) /* \_ is _ in code */
			if (!(c[0] == '\\' && c[1] && strchr("%$&#_{}", c[1])))
				put(out, c, 1);
		puts_(out, "`");
		free(a);
	} else if (!strcmp(name, "sout")) {
		convert_arg(t, p, out, "~~", "~~");
	} else if (!strcmp(name, "underline") || !strcmp(name, "textsc") || !strcmp(name, "textrm") ||
		   !strcmp(name, "mbox") || !strcmp(name, "text") || !strcmp(name, "constant")) {
		convert_arg(t, p, out, "", "");
	} else if (!strcmp(name, "url")) {
		a = arg(p, '{', '}');
		puts_(out, "<"), puts_(out, a ? a : ""), puts_(out, ">");
		free(a);
	} else if (!strcmp(name, "href")) {
		a = arg(p, '{', '}');
		convert_arg(t, p, out, "[", "](");
		puts_(out, a ? a : ""), puts_(out, ")");
		free(a);
	} else if (!strcmp(name, "includegraphics")) {
		if (**p == '[')
			free(arg(p, '[', ']'));
		a = arg(p, '{', '}');
		puts_(out, "![]("), puts_(out, a ? a : ""), puts_(out, ")");
		free(a);
	} else if (!strcmp(name, "illustration")) {
		char *w = arg(p, '{', '}'), *file = arg(p, '{', '}');

		convert_arg(t, p, out, "\n\n![", "](");
		puts_(out, file ? file : ""), puts_(out, ")\n\n");
		free(w), free(file);
	} else if (!strcmp(name, "begin") || !strcmp(name, "end")) {
		a = arg(p, '{', '}');
		if (a && name[0] == 'b')
			*p = begin_env(t, a, *p, out);
		else if (a && (!strcmp(a, "itemize") || !strcmp(a, "enumerate")) && t->depth > 0)
			t->depth--, puts_(out, "\n\n");
		free(a);
	} else if (!strcmp(name, "item")) {
		item(t, p, out);
	} else if (!strcmp(name, "ldots") || !strcmp(name, "dots") || !strcmp(name, "textellipsis")) {
		puts_(out, "…");
	} else if (!strcmp(name, "par")) {
		puts_(out, "\n\n");
	} else if (!strcmp(name, "newline") || !strcmp(name, "linebreak")) {
		puts_(out, "  \n");
	} else {
		size_t i;

		for (i = 0; ignored[i] && strcmp(ignored[i], name); i++)
			;
		if (!ignored[i]) {
			char *what = pkg_printf("\\%s", name);

			note_unknown(t, what);
			free(what);
		}
		if (!strcmp(name, "vspace") || !strcmp(name, "hspace") || !strcmp(name, "label"))
			free(arg(p, '{', '}'));
		/* an unknown command's argument is kept as text */
	}
}

static void convert(tex *t, const char *src, buf *out)
{
	for (const char *p = src; *p;) {
		if (*p == '%') {
			p += strcspn(p, "\n");
			p += *p == '\n';
		} else if (*p == '$') {
			int dbl = p[1] == '$';
			const char *end = strstr(p + (dbl ? 2 : 1), dbl ? "$$" : "$");

			if (!end)
				end = p + strlen(p) - (dbl ? 2 : 1);
			put(out, p, (size_t)(end - p) + (dbl ? 2 : 1));
			p = end + (dbl ? 2 : 1);
		} else if (*p == '\\' && (p[1] == '[' || p[1] == '(')) {
			const char *mark = p[1] == '[' ? "$$" : "$";

			puts_(out, mark);
			p = copy_until(p + 2, p[1] == '[' ? "\\]" : "\\)", out);
			puts_(out, mark);
		} else if (*p == '\\' && p[1] == '\\') {
			puts_(out, "  \n");
			p += 2;
		} else if (*p == '\\' && p[1] && strchr("%$&#_{}", p[1])) {
			puts_(out, p[1] == '$' || p[1] == '_' || p[1] == '#' ? "\\" : "");
			put(out, p + 1, 1);
			p += 2;
		} else if (*p == '\\' && p[1] && strchr(",;!: ", p[1])) {
			puts_(out, " ");
			p += 2;
		} else if (*p == '\\' && isalpha((unsigned char)p[1])) {
			const char *s = ++p;
			char *name;

			while (isalpha((unsigned char)*p))
				p++;
			name = pkg_strndup(s, (size_t)(p - s));
			command(t, name, &p, out);
			free(name);
		} else if (*p == '~') {
			puts_(out, " ");
			p++;
		} else if (!strncmp(p, "---", 3) || !strncmp(p, "--", 2)) {
			puts_(out, p[2] == '-' ? "—" : "–");
			p += p[2] == '-' ? 3 : 2;
		} else if (!strncmp(p, "``", 2) || !strncmp(p, "''", 2)) {
			puts_(out, *p == '`' ? "“" : "”");
			p += 2;
		} else if (*p == '{' || *p == '}') {
			p++;
		} else {
			put(out, p, 1);
			p++;
		}
	}
}

/* Lines of only spaces become empty, runs of empty lines one, and the text starts with its first
 * non-empty line. */
static void tidy(char *s)
{
	char *out = s;
	int blank = 1; /* at the start: drop the leading blank lines */

	for (char *line = s; *line;) {
		size_t n = strcspn(line, "\n");
		int empty = strspn(line, " \t") >= n;

		if (!empty) {
			memmove(out, line, n);
			out += n;
			*out++ = '\n';
			blank = 0;
		} else if (!blank) {
			*out++ = '\n';
			blank = 1;
		}
		line += n + (line[n] == '\n');
	}
	*out = '\0';
}

char *pkg_tex_to_markdown(sv_package *pkg, const char *src, const char *where)
{
	tex t = {.pkg = pkg};
	buf out = {0};

	puts_(&out, "");
	convert(&t, src, &out);
	tidy(out.s);
	if (t.unknown.len)
		pkg_warn(pkg, "%s: not converted from LaTeX (their text is kept): %s", where, t.unknown.s + 2);
	free(t.unknown.s);
	return out.s;
}

/* ---- Statement and assets ------------------------------------------------------------------------ */

static const char *content_type(const char *name)
{
	static const char *const map[][2] = {
	    {".png", "image/png"},     {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
	    {".svg", "image/svg+xml"}, {".pdf", "application/pdf"}, {".html", "text/html"},  {".txt", "text/plain"},
	    {".md", "text/markdown"},  {".zip", "application/zip"}};
	const char *ext = pkg_extension(name);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(ext, map[i][0]))
			return map[i][1];
	return "application/octet-stream";
}

static int asset_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 200 && (isalnum((unsigned char)name[0]) || name[0] == '_') &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void add_asset(sv_package *pkg, const pkg_file *f, const char *kind)
{
	const char *name = pkg_base_name(f->path);
	pkg_asset *a;

	if (!asset_name_ok(name)) {
		pkg_warn(pkg, "%s: the file name is not allowed for a task file: not imported", f->path);
		return;
	}
	for (size_t i = 0; i < pkg->assets_count; i++)
		if (!strcmp(pkg->assets[i].name, name)) {
			pkg_warn(pkg, "%s: another file of the task is named %s: not imported", f->path, name);
			return;
		}
	a = PKG_PUSH(pkg, assets);
	a->name = pkg_strdup(name);
	a->kind = kind;
	a->content_type = content_type(name);
	a->file = f;
}

/* The statement file of one type: problem.<ext>, problem.en.<ext>, else any problem.<lang>.<ext>. */
static const pkg_file *statement_file(sv_package *pkg, const char *dir, const char *ext, int *others)
{
	char *plain = pkg_printf("%s%sproblem%s", dir, *dir ? "/" : "", ext);
	char *en = pkg_printf("%s%sproblem.en%s", dir, *dir ? "/" : "", ext);
	const pkg_file *f = pkg_find(pkg, plain);
	const pkg_file *any = NULL;
	size_t dlen = strlen(dir);

	f = f ? f : pkg_find(pkg, en);
	for (size_t i = 0; i < pkg->files_count; i++) {
		const char *path = pkg->files[i].path, *name = pkg_base_name(path);

		if ((dlen && !pkg_path_in(path, dir)) || (!dlen && strchr(path, '/')) ||
		    strchr(path + dlen + !!dlen, '/'))
			continue;
		if (!strncmp(name, "problem.", 8) && !strcmp(pkg_extension(name), ext)) {
			any = any ? any : &pkg->files[i];
			if (&pkg->files[i] != (f ? f : any))
				(*others)++;
		}
	}
	free(plain), free(en);
	return f ? f : any;
}

/* A legacy package without a name in problem.yaml names itself in \problemname{...}. */
static char *tex_problem_name(sv_package *pkg, const char *src)
{
	const char *p = strstr(src, "\\problemname");
	char *a, *name, *nl;
	tex t = {.pkg = pkg};
	buf out = {0};

	if (!p || !(p += strlen("\\problemname"), a = arg(&p, '{', '}')))
		return NULL;
	puts_(&out, "");
	convert(&t, a, &out);
	free(a);
	free(t.unknown.s);
	while ((nl = strchr(out.s, '\n')))
		*nl = ' ';
	for (char *r = out.s, *w = out.s;; r++) /* a title is plain text: no emphasis marks */
		if (*r != '*' && *r != '`' && !(*w++ = *r))
			break;
	name = out.s[0] && strlen(out.s) <= 200 ? pkg_strdup(out.s) : NULL;
	free(out.s);
	return name;
}

static const char *statement_dir(const sv_package *pkg)
{
	if (pkg_has_prefix(pkg, "statement"))
		return "statement";
	if (pkg_has_prefix(pkg, "problem_statement"))
		return "problem_statement";
	return "";
}

static void read_statement_text(sv_package *pkg, const char *dir)
{
	static const char *const types[] = {".md", ".tex", ".txt", ".html", ".pdf"};
	int others = 0;
	const pkg_file *f = NULL;
	const char *type = NULL;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !f; i++)
		if ((f = statement_file(pkg, dir, types[i], &others)))
			type = types[i];
	if (!f) {
		pkg_warn(pkg, "the package has no statement (problem.md, problem.tex, problem.pdf or problem.html)");
		pkg->statement_md = pkg_strdup("");
		return;
	}
	if (others)
		pkg_warn(pkg, "%s is the statement: the other %d statement files are not imported", f->path, others);
	if (!strcmp(type, ".md") || !strcmp(type, ".txt")) {
		pkg->statement_md = pkg_strdup(pkg_text(f));
	} else if (!strcmp(type, ".tex")) {
		pkg->statement_md = pkg_tex_to_markdown(pkg, pkg_text(f), f->path);
		if (!pkg->title)
			pkg->title = tex_problem_name(pkg, pkg_text(f));
	} else {
		add_asset(pkg, f, "statement");
		pkg->statement_md =
		    pkg_printf("The statement is the file [%s](%s).\n", pkg_base_name(f->path), pkg_base_name(f->path));
		pkg_warn(pkg, "%s is kept as a file of the task: the statement text only links to it", f->path);
	}
	if (strlen(pkg->statement_md) != f->len && strcmp(type, ".tex") && strcmp(type, ".pdf") &&
	    strcmp(type, ".html"))
		pkg_warn(pkg, "%s holds NUL bytes: the statement ends at the first", f->path);
}

void pkg_read_statement(sv_package *pkg)
{
	const char *dir = statement_dir(pkg);
	size_t skipped = 0;

	read_statement_text(pkg, dir);
	for (size_t i = 0; *dir && i < pkg->files_count; i++) {
		const pkg_file *f = &pkg->files[i];
		const char *ct;

		if (!pkg_path_in(f->path, dir))
			continue;
		ct = content_type(f->path);
		if (!strncmp(ct, "image/", 6))
			add_asset(pkg, f, "statement");
		else if (strncmp(pkg_base_name(f->path), "problem.", 8))
			skipped++;
	}
	if (skipped)
		pkg_warn(pkg, "%zu files of %s/ are not images: not imported", skipped, dir);
	for (size_t i = 0; i < pkg->files_count; i++)
		if (pkg_path_in(pkg->files[i].path, "attachments"))
			add_asset(pkg, &pkg->files[i], "attachment");
}
