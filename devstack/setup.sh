#!/bin/bash
# Makes this machine ready to build, run and test Solve-IT: installs the missing Debian packages
# (devstack/packages.txt), creates the unprivileged account the services run as, installs the npm
# packages, and builds the tree (autoreconf, configure, make). Safe to run again: each step is
# skipped when already done. Runs as root on Debian 12.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN_USER=${SOLVEIT_RUN_USER:-solveit}

say() { echo "setup: $*"; }

if [ "$(id -u)" != 0 ]; then
	echo "setup: run as root (it installs packages and runs services as the $RUN_USER account)" >&2
	exit 1
fi

missing=()
while read -r pkg; do
	case "$pkg" in '' | '#'*) continue ;; esac
	# Node.js may come from elsewhere with npm inside it; Debian's npm would conflict with that.
	if [ "$pkg" = nodejs ] || [ "$pkg" = npm ]; then
		command -v node >/dev/null && command -v npm >/dev/null && continue
	fi
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$pkg")
	fi
done <"$ROOT/devstack/packages.txt"
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts the packaged servers on install; the stack runs its own private ones instead.
for unit in apache2 postgresql redis-server slapd; do
	if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
		systemctl stop "$unit" 2>/dev/null || true
	fi
done

if ! id "$RUN_USER" >/dev/null 2>&1; then
	say "creating the system account $RUN_USER"
	useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
fi

# Front-end packages (editor, math, Playwright) come from npm, never from the repository.
if [ -f "$ROOT/package.json" ]; then
	if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
		say "installing npm packages"
		(cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
	fi
fi

# The pages' third-party packages are copied from node_modules into htdocs/vendor, and the served
# pages are built from htdocs/src/ (neither is in git).
if [ -x "$ROOT/htdocs/build-vendor.sh" ]; then
	"$ROOT/htdocs/build-vendor.sh"
fi
"$ROOT/htdocs/build-pages.sh"

cd "$ROOT"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	say "autoreconf"
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
if [ ! -f config.status ] || [ configure -nt config.status ]; then
	say "configure"
	./configure --enable-werror >/dev/null
fi
say "make"
make -j"$(nproc)" >/dev/null
# Java's class-data sharing archive (issue 16): again only when missing or older (ctime) than the JDK.
cds=/var/lib/solveit/java-cds/solveit.jsa jvm=/usr/lib/jvm/default-java/lib/server/libjvm.so
if [ -f "$jvm" ] && { [ ! -f "$cds" ] || [ "$(stat -c %Z "$cds")" -lt "$(stat -c %Z "$jvm")" ]; }; then
	say "java class-data sharing archive"
	judge-worker/sandbox/java-cds.sh >/dev/null || say "java-cds.sh failed: Java runs use the JDK's default archive"
fi
say "build ready"
