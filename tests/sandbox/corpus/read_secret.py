# EXPECT: OK
# Looks for the planted secret by name and by walking the whole visible tree outside /usr and /proc.
import os
found = False
for p in ["@SECRET_PATH@", "@ETC_SECRET@", "/proc/1/root@SECRET_PATH@"]:
    try:
        with open(p) as f:
            print(p, f.read())
            found = True
    except OSError:
        pass
for top in ["/", "/tmp", "/box", "/etc", "/dev", "/prog"]:
    for root, dirs, files in os.walk(top):
        if root == "/":
            dirs[:] = [d for d in dirs if d not in ("usr", "proc", "sys")]
        for f in files:
            if "secret" in f:
                print("saw", os.path.join(root, f))
                found = True
raise SystemExit(42 if found else 0)
