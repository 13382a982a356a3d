#!/bin/bash
# Command 1 of the README: set the machine up (packages, account, build) and run the dev stack.
#   devstack/stack.sh [up] [--port N] [--var DIR] [--mpm event|worker|prefork]
#   devstack/stack.sh stop | status
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-up}
[ $# -gt 0 ] && shift
if [ "$cmd" = up ] && [ "${SOLVEIT_SKIP_SETUP:-0}" != 1 ]; then
	"$ROOT/devstack/setup.sh"
fi
exec /usr/bin/python3 "$ROOT/devstack/stack.py" "$cmd" "$@"
