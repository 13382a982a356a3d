"""The systemd units make install puts in place (systemd/*.service.in): `systemd-analyze verify`
accepts them as installed (into a DESTDIR; their paths, which name the configured prefix, are read
there), and each keeps the settings doc/install.md relies on."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UNITS = ("judge-worker.service", "result-sink.service")


def make_var(name):
    out = subprocess.run(["make", "-s", "-C", str(REPO), "--no-print-directory", "-f", "Makefile", "-f", "-",
                          "print-var"], input="print-var:\n\t@echo $(%s)\n" % name, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if not (REPO / "Makefile").exists():
        pytest.fail("the tree is not configured (devstack/setup.sh, or ./configure)")
    dest = tmp_path_factory.mktemp("destdir")
    r = subprocess.run(["nice", "make", "-s", "-C", str(REPO), "install", "DESTDIR=%s" % dest], capture_output=True,
                       text=True, timeout=1800)
    assert r.returncode == 0, "make install DESTDIR=%s failed:\n%s%s" % (dest, r.stdout, r.stderr)
    return dest, make_var("systemdunitdir"), make_var("sbindir"), make_var("sysconfdir"), make_var("prefix")


def in_destdir(dest, text, prefix):
    """The unit with the installed paths (under the prefix) read inside DESTDIR."""
    return re.sub(r"(?<=[=\s])%s/" % re.escape(prefix.rstrip("/")), "%s%s/" % (dest, prefix.rstrip("/")), text)


def settings(text):
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_units_pass_systemd_analyze_verify(installed, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is missing (apt-get install systemd)")
    dest, unitdir, sbindir, sysconfdir, prefix = installed
    checked = []
    for name in UNITS:
        path = Path("%s%s/%s" % (dest, unitdir, name))
        assert path.exists(), "make install did not install %s" % path
        text = path.read_text()
        assert not re.search(r"@[a-z_]+@", text), "an unsubstituted @variable@ in %s" % path
        assert "%s/%s" % (sbindir, name.split(".")[0]) in text
        copy = tmp_path / name
        copy.write_text(in_destdir(dest, text, prefix))
        checked.append(str(copy))
    # --man=no: the man pages are installed with the units, but man(1) cannot find them in DESTDIR.
    r = subprocess.run([analyze, "verify", "--man=no"] + checked, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, SYSTEMD_LOG_LEVEL="notice"))
    assert r.returncode == 0 and not r.stderr.strip(), r.stdout + r.stderr


def test_judge_worker_runs_as_root_with_delegated_cgroups(installed):
    dest, unitdir, sbindir, sysconfdir, prefix = installed
    unit = settings(Path("%s%s/judge-worker.service" % (dest, unitdir)).read_text())
    assert "User" not in unit and "DynamicUser" not in unit, "the sandbox needs root"
    assert unit["Delegate"] == ["yes"] and unit["Restart"] == ["on-failure"]
    assert unit["EnvironmentFile"] == ["%s/solveit/judge-worker.conf" % sysconfdir]
    # Each of these would be inherited by the boxes and break compilers, JITs or the box's own
    # network and mount namespaces.
    for breaks_the_sandbox in ("SystemCallFilter", "RestrictNamespaces", "MemoryDenyWriteExecute",
                               "RestrictAddressFamilies", "ProtectControlGroups", "NoNewPrivileges",
                               "PrivateUsers", "PrivateNetwork"):
        assert breaks_the_sandbox not in unit, breaks_the_sandbox


def test_result_sink_runs_as_its_own_user_hardened(installed):
    dest, unitdir, sbindir, sysconfdir, prefix = installed
    unit = settings(Path("%s%s/result-sink.service" % (dest, unitdir)).read_text())
    assert unit["User"] == ["solveit-sink"] and unit["SupplementaryGroups"] == ["solveit"]
    assert unit["EnvironmentFile"] == ["%s/solveit/result-sink.conf" % sysconfdir]
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("ProtectHome", "yes"), ("CapabilityBoundingSet", ""), ("Restart", "on-failure")):
        assert unit.get(key) == [value], key
    # The account comes from the installed sysusers.d file.
    sysusers = Path("%s%s/lib/sysusers.d/solveit.conf" % (dest, prefix)).read_text()
    assert re.search(r"^u solveit-sink ", sysusers, re.M) and re.search(r"^m solveit-sink solveit$", sysusers, re.M)


def test_sysusers_file_makes_the_accounts(installed, tmp_path):
    tool = shutil.which("systemd-sysusers")
    if not tool:
        pytest.skip("systemd-sysusers is missing (apt-get install systemd)")
    dest, unitdir, sbindir, sysconfdir, prefix = installed
    (tmp_path / "etc").mkdir()
    r = subprocess.run([tool, "--root=%s" % tmp_path, "%s%s/lib/sysusers.d/solveit.conf" % (dest, prefix)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    passwd = (tmp_path / "etc" / "passwd").read_text()
    group = (tmp_path / "etc" / "group").read_text()
    assert re.search(r"^solveit-sink:x:\d+:\d+:", passwd, re.M), passwd
    assert re.search(r"^solveit:x:\d+:(.*,)?solveit-sink(,.*)?$", group, re.M), group
