#!/bin/sh
# The Solve-IT image's httpd: writes httpd.conf from SOLVEIT_* variables (docker/httpd.conf.in),
# checks it with apache2 -t and runs apache2 in the foreground. docker-compose.yml's httpd service
# runs it; `--help` lists every variable it reads (tests/test_compose_contract.py compares that list
# with the compose file). Runs as root: SolveitKeyFile and SolveitRedisPasswordFile are read at
# start-up as root, then httpd's children run as www-data.
set -eu
# No value is ever a file name pattern.
set -f

prog=solveit-httpd
here=$(cd "$(dirname "$0")" && pwd)

usage() {
	cat <<'EOF'
usage: httpd-entrypoint.sh [--config-only | --help]
Writes httpd.conf for mod_solveit from the environment, checks it (apache2 -t) and runs apache2 in
the foreground; --config-only writes and checks it, then exits.

Required:
  SOLVEIT_DB                 libpq connection string: DBDParams (as the daemons' SOLVEIT_DB)
                             ($SOLVEIT_DB)
  SOLVEIT_KAFKA_BROKERS      host:port[,host:port...]: SolveitKafkaBrokers
                             ($SOLVEIT_KAFKA_BROKERS)
  SOLVEIT_KEY_FILE           the services' keyring: SolveitKeyFile (default /etc/solveit/solveit.keys)
                             ($SOLVEIT_KEY_FILE)
Optional (unset: the directive's default, see httpd-conf/solveit.conf):
  SOLVEIT_KAFKA_OPTIONS      librdkafka key=value items, space-separated: SolveitKafkaOption
                             ($SOLVEIT_KAFKA_OPTIONS)
  SOLVEIT_KAFKA_TOPIC        SolveitKafkaTopic ($SOLVEIT_KAFKA_TOPIC)
  SOLVEIT_KAFKA_WAIT         SolveitKafkaWait, ms ($SOLVEIT_KAFKA_WAIT)
  SOLVEIT_REDIS              host:port or socket: SolveitRedis ($SOLVEIT_REDIS)
  SOLVEIT_REDIS_PASSWORD_FILE
                             SolveitRedisPasswordFile ($SOLVEIT_REDIS_PASSWORD_FILE)
  SOLVEIT_CACHE_PREFIX       SolveitCachePrefix ($SOLVEIT_CACHE_PREFIX)
  SOLVEIT_AUTH               builtin or external: SolveitAuth ($SOLVEIT_AUTH)
  SOLVEIT_REGISTRATION       On or Off: SolveitRegistration ($SOLVEIT_REGISTRATION)
  SOLVEIT_STAFF              staff user names, space-separated: SolveitStaff ($SOLVEIT_STAFF)
  SOLVEIT_ENABLED_LANGUAGES  Judge0 language ids, space-separated: SolveitLanguages
                             ($SOLVEIT_ENABLED_LANGUAGES)
  SOLVEIT_LANGUAGE_NAMES     languages.json naming them: SolveitLanguageNames
                             ($SOLVEIT_LANGUAGE_NAMES)
  SOLVEIT_MAX_SOURCE_SIZE    SolveitMaxSourceSize ($SOLVEIT_MAX_SOURCE_SIZE)
  SOLVEIT_MAX_PACKAGE_SIZE   SolveitMaxPackageSize ($SOLVEIT_MAX_PACKAGE_SIZE)
  SOLVEIT_SUBMISSION_RATE    SolveitSubmissionRate, e.g. 10/minute ($SOLVEIT_SUBMISSION_RATE)
  SOLVEIT_LOGIN_ATTEMPTS     SolveitLoginAttempts ($SOLVEIT_LOGIN_ATTEMPTS)
  SOLVEIT_SESSION_IDLE       SolveitSessionIdle ($SOLVEIT_SESSION_IDLE)
  SOLVEIT_SESSION_LIFETIME   SolveitSessionLifetime ($SOLVEIT_SESSION_LIFETIME)
  SOLVEIT_BASE_PATH          SolveitBasePath and the pages' Alias (default /solveit)
                             ($SOLVEIT_BASE_PATH)
The web server:
  SOLVEIT_SERVER_NAME        ServerName (default localhost) ($SOLVEIT_SERVER_NAME)
  SOLVEIT_HTTPD_PORT         the port httpd listens on (default 80) ($SOLVEIT_HTTPD_PORT)
  SOLVEIT_HTTPD_CHILDREN     httpd child processes, 25 threads and up to 26 PostgreSQL connections
                             each (default 2) ($SOLVEIT_HTTPD_CHILDREN)
  SOLVEIT_HTTPD_CONF         where the configuration is written (default /etc/apache2/solveit-httpd.conf)
                             ($SOLVEIT_HTTPD_CONF)
  SOLVEIT_HTTPD_RUN_DIR      pid file and mutexes (default /run/apache2) ($SOLVEIT_HTTPD_RUN_DIR)
  SOLVEIT_HTTPD_MODULE       mod_solveit.so (default /usr/lib/apache2/modules/mod_solveit.so)
                             ($SOLVEIT_HTTPD_MODULE)
  SOLVEIT_HTDOCS             the pages (default /usr/share/solveit/htdocs) ($SOLVEIT_HTDOCS)
  SOLVEIT_HTTPD_TEMPLATE     the template (default httpd.conf.in beside this script)
                             ($SOLVEIT_HTTPD_TEMPLATE)
EOF
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

# A value goes into httpd.conf inside double quotes or as words: it must not end the quotes, escape
# a character, start a new line or ask httpd to expand a variable.
check_value() {
	# shellcheck disable=SC1003,SC2016 # the quotes are the literal characters looked for
	case "$2" in
	*'"'* | *'\'* | *'${'*)
		die "$1 holds a double quote, a backslash or \${, which httpd.conf cannot carry; choose a value without them"
		;;
	esac
	nl='
'
	case "$2" in
	*"$nl"*) die "$1 holds a line break, which httpd.conf cannot carry" ;;
	esac
}

# Words of a list value (staff names, language ids, Kafka options): printable, no quotes.
check_words() {
	for word in $2; do
		case "$word" in
		*[!A-Za-z0-9._:/@=,+-]*) die "$1: \"$word\" holds a character other than letters, digits and ._:/@=,+-" ;;
		esac
	done
}

required() {
	eval "value=\${$1:-}"
	[ -n "$value" ] || die "$1 is not set: it gives $2. Set it in the httpd service's environment (docker-compose.yml)."
	check_value "$1" "$value"
}

# Optional directives: VARIABLE Directive quoted|words, one a line.
OPTIONAL='SOLVEIT_KAFKA_TOPIC SolveitKafkaTopic quoted
SOLVEIT_KAFKA_WAIT SolveitKafkaWait quoted
SOLVEIT_REDIS SolveitRedis quoted
SOLVEIT_REDIS_PASSWORD_FILE SolveitRedisPasswordFile quoted
SOLVEIT_CACHE_PREFIX SolveitCachePrefix quoted
SOLVEIT_AUTH SolveitAuth quoted
SOLVEIT_REGISTRATION SolveitRegistration quoted
SOLVEIT_STAFF SolveitStaff words
SOLVEIT_ENABLED_LANGUAGES SolveitLanguages words
SOLVEIT_LANGUAGE_NAMES SolveitLanguageNames quoted
SOLVEIT_MAX_SOURCE_SIZE SolveitMaxSourceSize quoted
SOLVEIT_MAX_PACKAGE_SIZE SolveitMaxPackageSize quoted
SOLVEIT_SUBMISSION_RATE SolveitSubmissionRate quoted
SOLVEIT_LOGIN_ATTEMPTS SolveitLoginAttempts quoted
SOLVEIT_SESSION_IDLE SolveitSessionIdle quoted
SOLVEIT_SESSION_LIFETIME SolveitSessionLifetime quoted'

# The Solveit* lines that depend on which variables are set.
directives() {
	echo "$OPTIONAL" | while read -r var directive kind; do
		eval "value=\${$var:-}"
		[ -n "$value" ] || continue
		check_value "$var" "$value"
		if [ "$kind" = words ]; then
			check_words "$var" "$value"
			echo "$directive $value"
		else
			echo "$directive \"$value\""
		fi
	done || exit 1
	# The Kafka options travel as the daemons' SOLVEIT_KAFKA_OPTIONS do: key=value items split at spaces.
	for item in ${SOLVEIT_KAFKA_OPTIONS:-}; do
		case "$item" in
		*=*) echo "SolveitKafkaOption \"$item\"" ;;
		*) die "SOLVEIT_KAFKA_OPTIONS: \"$item\" is not key=value" ;;
		esac
	done
}

# Replaces each @NAME@ of the template with the environment variable R_NAME (awk's index/substr, so
# no character of a value is special), and fails on a placeholder left unset.
render() {
	awk '
	{
		out = ""
		line = $0
		while ((i = index(line, "@")) > 0) {
			rest = substr(line, i + 1)
			j = index(rest, "@")
			name = substr(rest, 1, j - 1)
			if (j == 0 || name !~ /^[A-Z_]+$/) {
				out = out substr(line, 1, i)
				line = rest
				continue
			}
			if (!(("R_" name) in ENVIRON)) {
				printf "solveit-httpd: the template has @%s@, which nothing sets\n", name > "/dev/stderr"
				exit 1
			}
			out = out substr(line, 1, i - 1) ENVIRON["R_" name]
			line = substr(rest, j + 1)
		}
		print out line
	}' "$1"
}

write_config() {
	required SOLVEIT_DB "DBDParams, the PostgreSQL connection (host=postgres dbname=solveit user=solveit password=...)"
	required SOLVEIT_KAFKA_BROKERS "SolveitKafkaBrokers, the Kafka bootstrap servers (kafka:9092)"
	key_file=${SOLVEIT_KEY_FILE:-/etc/solveit/solveit.keys}
	check_value SOLVEIT_KEY_FILE "$key_file"
	[ -r "$key_file" ] || die "SOLVEIT_KEY_FILE: $key_file cannot be read: give the keyring as the secret solveit_keys (doc/security.md, \"Kafka messages\", says how to make it)."
	if [ -n "${SOLVEIT_REDIS_PASSWORD_FILE:-}" ] && [ ! -r "$SOLVEIT_REDIS_PASSWORD_FILE" ]; then
		die "SOLVEIT_REDIS_PASSWORD_FILE: $SOLVEIT_REDIS_PASSWORD_FILE cannot be read: give it as the secret redis_password (docker-compose.yml's header says how to make it)."
	fi
	children=${SOLVEIT_HTTPD_CHILDREN:-2}
	case "$children" in
	'' | *[!0-9]* | 0*) die "SOLVEIT_HTTPD_CHILDREN: \"$children\" is not a positive number of httpd child processes" ;;
	esac
	port=${SOLVEIT_HTTPD_PORT:-80}
	case "$port" in
	'' | *[!0-9]* | 0*) die "SOLVEIT_HTTPD_PORT: \"$port\" is not a port number" ;;
	esac
	[ "$port" -le 65535 ] || die "SOLVEIT_HTTPD_PORT: \"$port\" is not a port number"
	base=${SOLVEIT_BASE_PATH:-/solveit}
	case "$base" in
	/*[!/]) check_words SOLVEIT_BASE_PATH "$base" ;;
	*) die "SOLVEIT_BASE_PATH: \"$base\" must start with / and not end with /" ;;
	esac
	for var in SOLVEIT_SERVER_NAME SOLVEIT_HTTPD_RUN_DIR SOLVEIT_HTTPD_MODULE SOLVEIT_HTDOCS; do
		eval "value=\${$var:-}"
		check_value "$var" "$value"
	done
	extra=$(directives) || exit 1

	export R_DBD_PARAMS="$SOLVEIT_DB" R_KAFKA_BROKERS="$SOLVEIT_KAFKA_BROKERS" R_KEY_FILE="$key_file"
	export R_SERVER_NAME="${SOLVEIT_SERVER_NAME:-localhost}" R_PORT="$port" R_BASE_PATH="$base"
	export R_CHILDREN="$children" R_MAX_REQUEST_WORKERS=$((children * 25))
	# The event MPM wants at least MinSpareThreads + ThreadsPerChild here.
	export R_MAX_SPARE_THREADS=$((children * 25 > 35 ? children * 25 : 35))
	export R_RUN_DIR="${SOLVEIT_HTTPD_RUN_DIR:-/run/apache2}"
	export R_SOLVEIT_MODULE="${SOLVEIT_HTTPD_MODULE:-/usr/lib/apache2/modules/mod_solveit.so}"
	export R_HTDOCS="${SOLVEIT_HTDOCS:-/usr/share/solveit/htdocs}" R_SOLVEIT_DIRECTIVES="$extra"
	conf=${SOLVEIT_HTTPD_CONF:-/etc/apache2/solveit-httpd.conf}
	template=${SOLVEIT_HTTPD_TEMPLATE:-$here/httpd.conf.in}
	[ -r "$template" ] || die "SOLVEIT_HTTPD_TEMPLATE: $template cannot be read"
	mkdir -p "$R_RUN_DIR" "$(dirname "$conf")"
	# The file holds the database and Kafka passwords: only root (httpd's parent) reads it.
	(umask 077 && render "$template" >"$conf.tmp") || {
		rm -f "$conf.tmp"
		exit 1
	}
	mv "$conf.tmp" "$conf"
	if ! apache2 -t -f "$conf" >&2; then
		die "httpd refuses the configuration written to $conf (its message is above); each Solveit* directive there comes from the SOLVEIT_* variable that --help names."
	fi
}

case "${1:-}" in
--help | -h)
	usage
	exit 0
	;;
--config-only)
	write_config
	exit 0
	;;
'') ;;
*)
	usage >&2
	die "unknown argument \"$1\""
	;;
esac
write_config
exec apache2 -f "$conf" -DFOREGROUND
