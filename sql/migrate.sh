#!/bin/sh
# Applies the pending numbered migrations of sql/ in order, each in one transaction, and records
# them in schema_migrations; safe to run twice. With --demo it then loads sql/demo/*.sql (written
# to be re-run without harm).
#
#   sql/migrate.sh [--demo] [psql connection options or a conninfo string...]
#   e.g. sql/migrate.sh --demo -h /path/to/socketdir -p 5432 -U solveit solveit
set -eu

here=$(cd "$(dirname "$0")" && pwd)
demo=0
if [ "${1:-}" = "--demo" ]; then
	demo=1
	shift
fi

psql_run() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

psql_run "$@" -c "CREATE TABLE IF NOT EXISTS schema_migrations (
	version text PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now())"

for file in "$here"/[0-9][0-9][0-9]_*.sql; do
	[ -e "$file" ] || continue
	version=$(basename "$file" .sql)
	done_already=$(psql_run "$@" -At -c "SELECT 1 FROM schema_migrations WHERE version = '$version'")
	if [ "$done_already" = "1" ]; then
		continue
	fi
	echo "migrate: applying $version"
	# The migration and its record commit together: a failure leaves neither.
	{
		echo "BEGIN;"
		cat "$file"
		echo ";"
		echo "INSERT INTO schema_migrations (version) VALUES ('$version');"
		echo "COMMIT;"
	} | psql_run "$@" -f -
done

if [ "$demo" = 1 ]; then
	for file in "$here"/demo/*.sql; do
		[ -e "$file" ] || continue
		echo "migrate: loading demo data $(basename "$file")"
		psql_run "$@" -1 -f "$file"
	done
fi
