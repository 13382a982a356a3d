#include "solveit_statement.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "apr_strings.h"

#include "solveit_admin_text.h"

#define ASSET_NAME_MAX 200 /* task_assets.name */

static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

/* Registers the extensions in cmark-gfm's global list, which is not safe to do from two threads. */
static void register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

const char *sv_statement_asset_path(apr_pool_t *p, const char *base, apr_int64_t task_id, const char *name)
{
	apr_size_t n = strlen(base);

	return apr_psprintf(p, "%s%sapi/tasks/%" APR_INT64_T_FMT "/assets/%s", base, n && base[n - 1] == '/' ? "" : "/",
			    task_id, name);
}

/* Points every image whose URL is a bare asset name at the task's asset route. A URL with a
 * scheme, a path, a query or a fragment does not fit an asset's name and is left alone (the
 * sanitizer of the pages then drops images from other hosts). */
static void link_assets(cmark_node *doc, apr_pool_t *p, const char *base, apr_int64_t task_id)
{
	cmark_iter *iter = cmark_iter_new(doc);
	cmark_event_type ev;

	while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		const char *url;

		if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_IMAGE)
			continue;
		url = cmark_node_get_url(node);
		if (url && sv_admin_name_valid(url, ASSET_NAME_MAX, 0))
			cmark_node_set_url(node, sv_statement_asset_path(p, base, task_id, url));
	}
	cmark_iter_free(iter);
}

static void attach(cmark_parser *parser, const char *name)
{
	cmark_syntax_extension *ext = cmark_find_syntax_extension(name);

	if (ext)
		cmark_parser_attach_syntax_extension(parser, ext);
}

char *sv_statement_html(apr_pool_t *p, const char *base, apr_int64_t task_id, const char *md)
{
	const int options = CMARK_OPT_DEFAULT; /* safe: CMARK_OPT_UNSAFE would let raw HTML through */
	cmark_parser *parser;
	cmark_node *doc;
	char *html, *copy;

	if (!md)
		md = "";
	pthread_once(&extensions_once, register_extensions);
	parser = cmark_parser_new(options);
	if (!parser)
		return apr_pstrdup(p, "");
	attach(parser, "table");
	attach(parser, "strikethrough");
	cmark_parser_feed(parser, md, strlen(md));
	doc = cmark_parser_finish(parser);
	if (!doc) {
		cmark_parser_free(parser);
		return apr_pstrdup(p, "");
	}
	if (task_id > 0)
		link_assets(doc, p, base, task_id);
	html = cmark_render_html(doc, options, cmark_parser_get_syntax_extensions(parser));
	cmark_node_free(doc);
	cmark_parser_free(parser);
	if (!html)
		return apr_pstrdup(p, "");
	copy = apr_pstrdup(p, html);
	free(html);
	return copy;
}
