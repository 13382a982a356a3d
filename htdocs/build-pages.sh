#!/bin/bash
# Builds the served pages htdocs/*.html (git-ignored) from one layout, htdocs/src/layout.tmpl (the
# <head>, the navigation and the page frame every page shares), and one source a page,
# htdocs/src/pages/NAME.page, which holds only what is that page's own:
#
#   title: Log in                      the text before " — Solve-IT" in <title>; once
#   preload: vendor/editor.js?v=...    a <link rel="modulepreload">; any number, in this order
#   style: css/admin.css?v=N           a <link rel="stylesheet"> after the layout's; any number
#   script: js/login.js?v=N            a <script type="module">; at least one, in this order
#   ---
#   <div id="content">...</div>        the body: everything in <main> after the message box
#
# Staff pages live in htdocs/src/pages/admin/NAME.page and are served as admin/NAME.html: their
# script and preload values are written from the site's root (js/admin/tasks.js?v=N) and get a
# "../" in front, and so does every @ROOT@ of the layout (empty for the other pages).
#
# In the layout, @TITLE@ stands inside a line, @HEAD@ (the page's head lines), @MAIN@ (its body) and
# @STAFFNAV@ (htdocs/src/staff-nav.html on staff pages, nothing on the others) each on a line of
# their own. @VENDOR_VERSION@ anywhere is VENDOR_VERSION of js/common.js, so the
# preload of the editor and the import in the code cannot disagree. Anything else between two @ that
# looks like a placeholder, an unknown field, a missing title or script, or an empty body stops the
# build with the file and line, and so does an own asset (js/, css/, images/) whose ?v= differs from
# the rest of the pages and of the imports in js/*.js; then no page is changed. When a file under
# js/ or css/ changes, bump that N at once in src/layout.tmpl, src/pages/*.page and js/*.js.
#
# Pure shell and awk, so `make`, `make install` and devstack/setup.sh can run it on a machine
# without Node. A page is only rewritten when its text changes (its mtime is half of its ETag), and
# a served page whose source is gone is removed. Usage: build-pages.sh [OUTDIR] (default: htdocs/).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
LAYOUT="$HERE/src/layout.tmpl"
PAGES="$HERE/src/pages"
STAFFNAV="$HERE/src/staff-nav.html"

fail() {
	echo "build-pages: $*" >&2
	exit 1
}

[ -f "$LAYOUT" ] || fail "$LAYOUT is missing"
[ -f "$STAFFNAV" ] || fail "$STAFFNAV is missing"
vendor=$(sed -n "s/^export const VENDOR_VERSION = '\([A-Za-z0-9._-]*\)';\$/\1/p" "$HERE/js/common.js")
[ -n "$vendor" ] || fail "$HERE/js/common.js defines no VENDOR_VERSION = '...'"

shopt -s nullglob
sources=("$PAGES"/*.page "$PAGES"/admin/*.page)
[ ${#sources[@]} -gt 0 ] || fail "no page sources in $PAGES"
mkdir -p "$OUT" "$OUT/admin"

# render LAYOUT PAGE ROOT NAV: the page on stdout, or a message on stderr and a non-zero status.
# ROOT is what leads from the page back to the site's root ("" or "../"); NAV the file that stands
# for @STAFFNAV@ ("" for none).
render() {
	awk -v vendor="$vendor" -v layout="$1" -v page="$2" -v root="$3" -v nav="$4" '
	function die(file, line, msg) {
		printf "build-pages: %s:%d: %s\n", file, line, msg > "/dev/stderr"
		exit 1
	}
	# Replaces every @VENDOR_VERSION@ without letting the value be read as a pattern.
	function vendored(s,    i, out) {
		out = ""
		while ((i = index(s, "@VENDOR_VERSION@")) > 0) {
			out = out substr(s, 1, i - 1) vendor
			s = substr(s, i + length("@VENDOR_VERSION@"))
		}
		return out s
	}
	function attr(file, line, value) {
		if (value == "" || value ~ /["<>&[:space:]]/)
			die(file, line, "\"" value "\" is not a plain URL")
		if (value ~ /^(\.\.?\/|\/|[a-z]+:)/)
			die(file, line, "\"" value "\" is written from the site root, without ./ ../ / or a scheme")
		return root vendored(value)
	}
	BEGIN {
		# The page source: fields up to "---", then the body.
		n = 0; nhead = 0; title = ""; scripts = 0; inbody = 0; nbody = 0
		while ((rc = (getline line < page)) > 0) {
			n++
			if (inbody) {
				# A placeholder in a body is a typo of the source, not text to serve.
				if (match(vendored(line), /@[A-Z_]+@/))
					die(page, n, "unknown placeholder " substr(vendored(line), RSTART, RLENGTH))
				body[++nbody] = vendored(line)
				continue
			}
			if (line == "---") { inbody = 1; continue }
			if (line !~ /^[a-z]+: /) die(page, n, "expected \"field: value\" or \"---\", not \"" line "\"")
			key = substr(line, 1, index(line, ":") - 1)
			value = substr(line, length(key) + 3)
			if (key == "title") {
				if (title != "") die(page, n, "a second title")
				if (value == "" || value ~ /[<>&]/) die(page, n, "a title is plain text without < > &")
				title = value
			} else if (key == "preload") {
				head[++nhead] = "<link rel=\"modulepreload\" href=\"" attr(page, n, value) "\">"
			} else if (key == "style") {
				head[++nhead] = "<link rel=\"stylesheet\" href=\"" attr(page, n, value) "\">"
			} else if (key == "script") {
				head[++nhead] = "<script type=\"module\" src=\"" attr(page, n, value) "\"></script>"
				scripts++
			} else {
				die(page, n, "unknown field \"" key "\" (title, preload, style, script)")
			}
		}
		if (rc < 0) die(page, 1, "cannot be read")
		if (!inbody) die(page, n, "no \"---\" line before the body")
		if (title == "") die(page, 1, "no title")
		if (!scripts) die(page, 1, "no script")
		while (nbody > 0 && body[nbody] == "") nbody--
		if (!nbody) die(page, n, "the body is empty")

		n = 0; seen["@TITLE@"] = seen["@HEAD@"] = seen["@MAIN@"] = seen["@STAFFNAV@"] = 0
		while ((rc = (getline line < layout)) > 0) {
			n++
			if (line == "@HEAD@") {
				seen[line]++
				for (i = 1; i <= nhead; i++) print head[i]
				continue
			}
			if (line == "@MAIN@") {
				seen[line]++
				for (i = 1; i <= nbody; i++) print body[i]
				continue
			}
			if (line == "@STAFFNAV@") {
				seen[line]++
				if (nav != "") {
					while ((rc = (getline navline < nav)) > 0) print navline
					if (rc < 0) die(nav, 1, "cannot be read")
				}
				continue
			}
			while ((i = index(line, "@ROOT@")) > 0)
				line = substr(line, 1, i - 1) root substr(line, i + length("@ROOT@"))
			if ((i = index(line, "@TITLE@")) > 0) {
				seen["@TITLE@"]++
				line = substr(line, 1, i - 1) title substr(line, i + length("@TITLE@"))
			}
			line = vendored(line)
			if (match(line, /@[A-Z_]+@/))
				die(layout, n, "unknown placeholder " substr(line, RSTART, RLENGTH))
			print line
		}
		if (rc < 0) die(layout, 1, "cannot be read")
		for (p in seen)
			if (seen[p] != 1) die(layout, n, p " stands " seen[p] " times (once, " \
				(p == "@TITLE@" ? "inside a line" : "on a line of its own") ")")
	}'
}

# Every page is rendered before any is written: a broken source leaves the served pages as they were.
tmp=$(mktemp -d "$OUT/.build-pages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/admin"
for src in "${sources[@]}"; do
	name=$(basename "$src" .page)
	[[ $name =~ ^[a-z0-9-]+$ ]] || fail "$src: a page name is lower-case letters, digits and -"
	if [ "$(dirname "$src")" = "$PAGES/admin" ]; then
		render "$LAYOUT" "$src" ../ "$STAFFNAV" >"$tmp/admin/$name.html" || exit 1
	else
		render "$LAYOUT" "$src" "" "" >"$tmp/$name.html" || exit 1
	fi
done

# Own assets are cached for a year by their ?v=N and a module is one instance per URL, so the pages
# and every import in js/ must name the same N, or a browser would run two versions side by side.
versions=$({
	grep -rho '"\(\.\./\)\?\(js\|css\|images\)/[^"?]*?v=[^"]*"' "$tmp" | sed 's/.*?v=//; s/"$//'
	grep -rho "from '\.\.\?/[^']*?v=[^']*'" "$HERE"/js --include='*.js' | sed "s/.*?v=//; s/'\$//"
} | sort -u)
if [ "$(printf '%s\n' "$versions" | wc -l)" != 1 ]; then
	fail "own assets carry the versions $(echo $versions) in the pages and js/*.js; bump them all at once"
fi

changed=0
for page in "$tmp"/*.html "$tmp"/admin/*.html; do
	dest="$OUT/${page#"$tmp"/}"
	if ! cmp -s "$page" "$dest"; then
		chmod 644 "$page"
		mv "$page" "$dest"
		changed=$((changed + 1))
	fi
done
for dest in "$OUT"/*.html "$OUT"/admin/*.html; do
	rel=${dest#"$OUT"/}
	if [ ! -f "$PAGES/${rel%.html}.page" ]; then
		rm -f "$dest"
		echo "build-pages: removed $dest (its source is gone)"
	fi
done
echo "build-pages: ${#sources[@]} pages in $OUT, $changed rewritten"
