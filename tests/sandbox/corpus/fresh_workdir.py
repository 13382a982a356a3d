# EXPECT: OK
# STDOUT: ^clean$
# Leaves files in /box, /tmp and /dev/shm; the next test of the same submission must find none of them
# (the test runs this twice with one compilation).
# RUNS: 2
import os
left = [p for p in ("/box/left", "/tmp/left", "/dev/shm/left") if os.path.exists(p)]
for p in ("/box/left", "/tmp/left", "/dev/shm/left"):
    with open(p, "w") as f:
        f.write("from an earlier test")
print("dirty " + " ".join(left) if left else "clean")
