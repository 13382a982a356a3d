#!/bin/bash
# Builds htdocs/vendor/ (git-ignored) from node_modules: the CodeMirror 6 editor and KaTeX bundled
# by esbuild into ES modules (one chunk per language grammar, fetched when chosen), and KaTeX's
# stylesheet and fonts. Called by devstack/setup.sh after `npm install`; safe to run again.
#
# The pages import vendor/editor.js?v=V and vendor/math.js?v=V, where V is VENDOR_VERSION in
# js/common.js: the exact package versions pinned in package.json. Assets are cached for a year,
# so bumping a front-end package in package.json means changing VENDOR_VERSION too
# (tests/browser/assets.test.mjs checks that they agree).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
NM="$ROOT/node_modules"
OUT="$HERE/vendor"

for pkg in @codemirror/view katex esbuild; do
	if [ ! -f "$NM/$pkg/package.json" ]; then
		echo "build-vendor: $NM/$pkg is missing; run npm install in $ROOT first" >&2
		exit 1
	fi
done

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp/katex"
# Chunks have content hashes in their names; the two entry points keep fixed names.
"$NM/.bin/esbuild" "$HERE/src/editor.mjs" "$HERE/src/math.mjs" \
	--bundle --format=esm --splitting --minify --target=es2020 --legal-comments=linked \
	--entry-names='[name]' --chunk-names='chunks/[name]-[hash]' \
	--outdir="$OUT.tmp" --log-level=warning
cp "$NM/katex/dist/katex.min.css" "$OUT.tmp/katex/"
mkdir -p "$OUT.tmp/katex/fonts"
cp "$NM"/katex/dist/fonts/*.woff2 "$NM"/katex/dist/fonts/*.woff "$NM"/katex/dist/fonts/*.ttf "$OUT.tmp/katex/fonts/"
cp "$NM/katex/LICENSE" "$OUT.tmp/katex/LICENSE"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
echo "build-vendor: $(find "$OUT" -type f | wc -l) files in $OUT"
