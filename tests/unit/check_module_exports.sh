#!/bin/sh
# mod_solveit.so is the glue linked with libsolveit.la: it must export solveit_module alone, and
# nothing of the unit tests' httpd stub or fake database may have found its way into it.
so="${top_builddir:-../..}/mod_solveit/.libs/mod_solveit.so"
[ -f "$so" ] || { echo "no $so: build the module first"; exit 1; }
exports=$(nm -D --defined-only "$so" | awk '$2 ~ /^[A-TX-Z]$/ && $2 != "W" && $2 != "V" {print $3}' | sort -u)
if [ "$exports" != "solveit_module" ]; then
	echo "mod_solveit.so exports more than solveit_module:"
	echo "$exports"
	exit 1
fi
if nm "$so" 2>/dev/null | grep -E ' (stub_|fakedb_)' >/dev/null; then
	echo "mod_solveit.so holds test-only symbols:"
	nm "$so" | grep -E ' (stub_|fakedb_)'
	exit 1
fi
echo "mod_solveit.so exports solveit_module only"
