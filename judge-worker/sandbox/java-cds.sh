#!/bin/sh
# Builds the class-data sharing archive Java submissions start from (issue 16), so each test's JVM maps the
# classes a judge's programs use (Scanner, BufferedReader, StringTokenizer, collections, streams, String.format,
# BigInteger) instead of loading and verifying them again:
#
#   judge-worker/sandbox/java-cds.sh [DIR]        (default /var/lib/solveit/java-cds; run as root)
#
# The archive holds the JDK classes a few typical programs load (their own classes left out, so it fits any
# class path), dumped with the run's flags, checked with
# -Xshare:on and renamed into place as DIR/solveit.jsa (root's, 0644). languages.json uses it while it is
# newer than the JDK's libjvm.so; after a JDK upgrade (or when it is missing) the JVM's default archive is
# used instead and the sandbox's start-up log says so: run this again. Never a failed run because of CDS.
set -eu
DIR=${1:-/var/lib/solveit/java-cds}
JDK=${SOLVEIT_JDK:-/usr/lib/jvm/default-java}
FLAGS="-XX:+UseSerialGC -XX:-UsePerfData"
if [ ! -x "$JDK/bin/javac" ] || [ ! -x "$JDK/bin/java" ]; then
	echo "java-cds: no JDK at $JDK (javac and java): nothing to build" >&2
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/classes"
cat >"$tmp/src/TrainScanner.java" <<'EOF'
import java.util.*;
public class TrainScanner {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        String w = in.hasNext() ? in.next() : "";
        System.out.println(a + b);
        System.out.printf("%d %s %.3f%n", a, w, a / 3.0);
        System.out.println(String.format("%5d|%-5s|", b, w));
    }
}
EOF
cat >"$tmp/src/TrainReader.java" <<'EOF'
import java.io.*;
import java.math.BigInteger;
import java.util.*;
import java.util.stream.*;
public class TrainReader {
    public static void main(String[] args) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        StringTokenizer st = new StringTokenizer(r.readLine());
        long a = Long.parseLong(st.nextToken()), b = Long.parseLong(st.nextToken());
        List<Long> list = new ArrayList<>(List.of(a, b));
        Map<Long, Integer> seen = new HashMap<>();
        TreeMap<Long, Integer> order = new TreeMap<>();
        ArrayDeque<Long> q = new ArrayDeque<>(list);
        PriorityQueue<Long> pq = new PriorityQueue<>(Comparator.reverseOrder());
        for (long x : list) { seen.merge(x, 1, Integer::sum); order.put(x, 1); pq.add(x); }
        long[] arr = {b, a};
        Arrays.sort(arr);
        Collections.sort(list);
        String joined = list.stream().map(String::valueOf).collect(Collectors.joining(" "));
        int sum = IntStream.range(0, 10).filter(i -> i % 2 == 0).sum();
        String[] parts = (joined + " x").split(" ");
        StringBuilder sb = new StringBuilder();
        sb.append(a + b).append('\n').append(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)));
        out.println(sb);
        out.println(joined + " " + sum + " " + parts.length + " " + q.size() + " " + pq.peek() + order.firstKey());
        out.println(Math.max(a, b) + " " + Long.MAX_VALUE + " " + Integer.toBinaryString(5) + " " + seen.size());
        out.flush();
    }
}
EOF
"$JDK/bin/javac" -J-XX:+UseSerialGC -encoding UTF-8 -d "$tmp/classes" "$tmp/src/TrainScanner.java" "$tmp/src/TrainReader.java"
for main in TrainScanner TrainReader; do
	echo "3 4 word" | "$JDK/bin/java" $FLAGS -Xshare:off -XX:DumpLoadedClassList="$tmp/$main.lst" \
		-cp "$tmp/classes" "$main" >/dev/null
done
# What the programs loaded, JDK classes only (a class of the default package, or a lambda line naming one, is a
# training program's). Not the JDK's whole default list on top: measured, the larger archive maps more and starts
# no faster than the JDK's own, while this one starts about 10 % faster (README.md).
cat "$tmp"/Train*.lst | grep -v '^#' | grep -v 'Train' | grep -E '^@|/' | sort -u >"$tmp/all.lst"
mkdir -p "$DIR"
chmod 0755 "$DIR"
"$JDK/bin/java" $FLAGS -Xshare:dump -XX:SharedClassListFile="$tmp/all.lst" \
	-XX:SharedArchiveFile="$DIR/.solveit.jsa.tmp" >"$tmp/dump.log" 2>&1 || {
	cat "$tmp/dump.log" >&2
	echo "java-cds: the dump failed; Java runs keep the JDK's default archive" >&2
	rm -f "$DIR/.solveit.jsa.tmp"
	exit 1
}
# -Xshare:on fails when the archive cannot be used: never install one the JVM would refuse.
if ! echo "1 2" | "$JDK/bin/java" $FLAGS -Xshare:on -XX:SharedArchiveFile="$DIR/.solveit.jsa.tmp" \
	-cp "$tmp/classes" TrainScanner >/dev/null 2>"$tmp/check.log"; then
	cat "$tmp/check.log" >&2
	echo "java-cds: the JVM refuses the new archive; Java runs keep the JDK's default archive" >&2
	rm -f "$DIR/.solveit.jsa.tmp"
	exit 1
fi
chmod 0644 "$DIR/.solveit.jsa.tmp"
mv -f "$DIR/.solveit.jsa.tmp" "$DIR/solveit.jsa"
echo "java-cds: $DIR/solveit.jsa ($(wc -l <"$tmp/all.lst") classes, $(du -k "$DIR/solveit.jsa" | cut -f1) KB)"
