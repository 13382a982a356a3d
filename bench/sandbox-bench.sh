#!/bin/sh
# Sandbox overhead (issue 4): runs a trivial C program and a Python hello N times raw (fork, exec, wait) and N
# times through the sandbox (one prepared box, N sv_sandbox_run calls, interleaved with the raw runs so both
# see the same machine), and prints both medians and their ratio. Needs root. Not a test: figures only.
#
#   bench/sandbox-bench.sh [N]          (default N=300)
#   SOLVEIT_SANDBOX_BIN=... SOLVEIT_SANDBOX_MODE=v2|v1|rlimit bench/sandbox-bench.sh
#
# Targets: C overhead <= 5 ms median and <= 4x raw; Python hello <= 30 ms median.
set -eu
N=${1:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SOLVEIT_SANDBOX_BIN:-$here/judge-worker/sandbox/solveit-sandbox}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n' >"$tmp/hello.c"
printf 'print("Hello, World!")\n' >"$tmp/hello.py"
gcc -O2 -o "$tmp/hello" "$tmp/hello.c"

echo "machine: $(nproc) CPUs, $(uname -r); N=$N; mode: $("$BIN" mode 2>/dev/null)"
c=$("$BIN" bench --language 50 --source "$tmp/hello.c" -n "$N" -- "$tmp/hello" 2>/dev/null)
py=$("$BIN" bench --language 71 --source "$tmp/hello.py" -n "$N" -- /usr/bin/python3 "$tmp/hello.py" 2>/dev/null)
echo "C      $c"
echo "Python $py"
/usr/bin/python3 - "$c" "$py" <<'PY'
import json, sys
c, py = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"C:      raw {c['raw_median_ms']:.2f} ms, sandbox {c['sandbox_median_ms']:.2f} ms, "
      f"overhead {c['overhead_ms']:.2f} ms (target <= 5), ratio {c['ratio']:.2f}x (target <= 4)")
print(f"Python: raw {py['raw_median_ms']:.2f} ms, sandbox {py['sandbox_median_ms']:.2f} ms (target <= 30), "
      f"ratio {py['ratio']:.2f}x")
PY
