"""CPU use by process over a benchmark run, read from /proc (bench/ only, never the tests)."""

import os


def cpu_by_process():
    """CPU seconds so far of every process, by name (threads included; a process's reaped children in a
    separate "children of NAME" entry), and the machine's busy and idle seconds from /proc/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        f = stat[stat.rindex(")") + 2:].split()
        out[name] = out.get(name, 0) + (int(f[11]) + int(f[12])) / tick
        out["children of " + name] = out.get("children of " + name, 0) + (int(f[13]) + int(f[14])) / tick
    cpu = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    out[" idle"] = (cpu[3] + cpu[4]) / tick
    out[" busy"] = (sum(cpu[:8]) - cpu[3] - cpu[4]) / tick
    return out


def cpu_report(title, before, after, n, unit="program"):
    """CPU ms per unit of work (a judged program, a request) over a run, by process, the largest first."""
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    rows = sorted(((v, k) for k, v in delta.items() if v > 0 and not k.startswith(" ")), reverse=True)
    print("%s: machine busy %.3g ms and idle %.3g ms of CPU per %s; by process: %s" % (
        title, 1000 * delta[" busy"] / n, 1000 * delta[" idle"] / n, unit,
        ", ".join("%s %.3g" % (k, 1000 * v / n) for v, k in rows[:12])))
