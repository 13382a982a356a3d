#!/bin/sh
# Sandbox overhead (issue 4): runs a trivial C program and a Python hello N times raw (fork, exec, wait) and N
# times through the sandbox (one prepared box, N sv_sandbox_run calls, interleaved with the raw runs so both
# see the same machine), and prints both medians and their ratio. Needs root. Not a test: figures only.
#
#   bench/sandbox-bench.sh [N]          (default N=300)
#   SOLVEIT_SANDBOX_BIN=... SOLVEIT_SANDBOX_MODE=v2|v1|rlimit bench/sandbox-bench.sh
#
# Targets: C overhead <= 5 ms median and <= 4x raw; Python hello <= 30 ms median.
#
# Issue 16 adds: Java per test (a hello that makes a Scanner) raw, boxed with the JDK's default class-data
# sharing archive and boxed with judge-worker/sandbox/java-cds.sh's archive (skipped when it is not built), and
# the compile cache: one judgement of a C and a Java A+B through solveit-judge-driver with a cold cache (a
# miss: the compiler runs) and a warm one (a hit), medians of JN runs each (default JN=5).
set -eu
N=${1:-300}
here=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SOLVEIT_SANDBOX_BIN:-$here/judge-worker/sandbox/solveit-sandbox}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '#include <stdio.h>\nint main(void) { puts("Hello, World!"); return 0; }\n' >"$tmp/hello.c"
printf 'print("Hello, World!")\n' >"$tmp/hello.py"
gcc -O2 -o "$tmp/hello" "$tmp/hello.c"
JN=${JN:-5}

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

# ---- issue 16: Java per test, the class-data sharing archive ----
JDK=/usr/lib/jvm/default-java
CDS=/var/lib/solveit/java-cds/solveit.jsa
LANGS=$here/judge-worker/sandbox/languages.json
if [ -x "$JDK/bin/javac" ]; then
	mkdir -p "$tmp/java"
	printf 'import java.util.Scanner;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); System.out.println(s.hasNextLong() ? "n" : "Hello, World!"); } }\n' >"$tmp/java/Main.java"
	"$JDK/bin/javac" -d "$tmp/java" "$tmp/java/Main.java"
	/usr/bin/python3 - "$LANGS" "$tmp/plain-languages.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
for lang in data["languages"]:
    lang.pop("run_optional", None)
json.dump(data, open(sys.argv[2], "w"))
PY
	JN_TESTS=$((N / 5 > 20 ? N / 5 : 20))
	raw="$JDK/bin/java -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -cp $tmp/java Main"
	jd=$(SOLVEIT_LANGUAGES="$tmp/plain-languages.json" "$BIN" bench --language 62 --source "$tmp/java/Main.java" \
		-n "$JN_TESTS" -- $raw 2>/dev/null)
	echo "Java (JDK default archive) $jd"
	if [ -f "$CDS" ]; then
		jc=$("$BIN" bench --language 62 --source "$tmp/java/Main.java" -n "$JN_TESTS" \
			-- $raw -XX:SharedArchiveFile="$CDS" 2>/dev/null)
		echo "Java (java-cds.sh archive) $jc"
	else
		jc='{}'
		echo "Java (java-cds.sh archive): not built ($CDS; judge-worker/sandbox/java-cds.sh builds it)"
	fi
	/usr/bin/python3 - "$jd" "$jc" <<'PY'
import json, sys
d, c = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"Java:   raw {d['raw_median_ms']:.1f} ms, sandbox {d['sandbox_median_ms']:.1f} ms with the JDK's archive", end="")
if c:
    print(f"; with java-cds.sh's: raw {c['raw_median_ms']:.1f} ms, sandbox {c['sandbox_median_ms']:.1f} ms "
          f"({c['sandbox_median_ms'] / d['sandbox_median_ms']:.2f}x the default)")
else:
    print()
PY
fi

# ---- issue 16: the compile cache, miss against hit ----
DRIVER=${SOLVEIT_JUDGE_DRIVER:-$here/judge-worker/solveit-judge-driver}
if [ -x "$DRIVER" ]; then
	printf '#include <stdio.h>\nint main(void){long a,b;scanf("%%ld %%ld",&a,&b);printf("%%ld\\n",a+b);return 0;}\n' >"$tmp/sum.c"
	printf 'import java.util.Scanner;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n' >"$tmp/Sum.java"
	printf '1 2\n' >"$tmp/t.in"
	printf '3\n' >"$tmp/t.ans"
	/usr/bin/python3 - "$DRIVER" "$tmp" "$JN" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time
driver, tmp, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(os.environ, SOLVEIT_SANDBOX_DIR=os.path.join(tmp, "state"))
def judge(lang, src, cache):
    spec = os.path.join(tmp, "spec.json")
    json.dump({"language": lang, "source": src, "compile_cache": cache,
               "tests": [{"input": f"{tmp}/t.in", "answer": f"{tmp}/t.ans"}] * 5}, open(spec, "w"))
    t = time.monotonic()
    p = subprocess.run([driver, spec], capture_output=True, env=env, timeout=300)
    dt = time.monotonic() - t
    assert p.returncode == 0 and json.loads(p.stdout)[0]["status"] == "DONE", p.stderr.decode()[-500:]
    return dt
for name, lang, src in (("C", 50, f"{tmp}/sum.c"), ("Java", 62, f"{tmp}/Sum.java")):
    if lang == 62 and not os.access("/usr/lib/jvm/default-java/bin/javac", os.X_OK):
        continue
    miss, hit = [], []
    for i in range(n):
        cache = os.path.join(tmp, f"cache-{name}-{i}")
        miss.append(judge(lang, src, cache))  # cold: compiled and kept
        hit.append(judge(lang, src, cache))   # warm: the kept program
        shutil.rmtree(cache)
    m, h = statistics.median(miss) * 1000, statistics.median(hit) * 1000
    print(f"compile cache, {name} A+B with 5 tests, one judgement: miss {m:.0f} ms, hit {h:.0f} ms "
          f"({m / h:.1f}x; n={n})")
PY
fi
echo "load: $(uptime | sed 's/.*load average/load average/')"
