#!/bin/sh
# Health check of a daemon container: succeeds when the container holds an established TCP
# connection to each remote PORT given (the result-sink: the broker's 9092 and PostgreSQL's 5432),
# from the kernel's tables (/proc/net/tcp and tcp6), with no tool the image lacks.
#   connected.sh PORT...
set -eu
[ $# -gt 0 ] || {
	echo "usage: connected.sh PORT..." >&2
	exit 2
}
for port in "$@"; do
	case "$port" in
	'' | *[!0-9]*)
		echo "connected.sh: \"$port\" is not a port number" >&2
		exit 2
		;;
	esac
	hex=$(printf '%04X' "$port")
	# Columns: sl local_address rem_address st ...; st 01 is ESTABLISHED.
	if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" '$4 == "01" && substr($3, length($3) - 4) == p { found = 1 } END { exit !found }'; then
		echo "connected.sh: no established connection to port $port" >&2
		exit 1
	fi
done
