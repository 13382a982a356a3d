"""Issue 15: apachectl configtest sees every configuration error of mod_solveit, so that a graceful
restart (apachectl graceful: configtest first, signal only when it passes) never stops a serving
httpd; the module loaded without its configuration stays inert; the prepared statements are
registered once per mod_dbd configuration, with no "conflicting SQL statements" warning; the
PostgreSQL connections children x DBDMax are counted against SolveitDbMaxConnections."""

import grp
import os
import shutil
import signal
import subprocess

import pytest
import requests

import services as svc
from polling import wait_for, wait_log
from test_module_helpers import Client, new_user

APACHECTL = "/usr/sbin/apache2ctl"
CONFLICT = "conflicting SQL statements"

# (directive changes, the sentence configtest must print): every check of the configuration as a whole.
CROSS_CHECKS = [
    ({"SolveitKafkaBrokers": None}, "SolveitKafkaBrokers: not set; mod_solveit needs the Kafka brokers"),
    ({"SolveitSessionIdle": "48h"}, "SolveitSessionIdle: 172800 s is longer than SolveitSessionLifetime (86400 s)"),
    ({"SolveitRegistration": "On", "SolveitAuth": "external"}, "SolveitRegistration: On needs SolveitAuth builtin"),
    ({"SolveitKeyFile": None, "SolveitRedis": "none"}, "SolveitKeyFile: not set; mod_solveit signs every Kafka message"),
    ({"SolveitKeyFile": None}, "SolveitRedis: the cache's values are signed with the keys of SolveitKeyFile"),
    ({"SolveitDbMaxConnections": "20"}, "SolveitDbMaxConnections: httpd may hold "),
]


@pytest.mark.parametrize("replace,message", CROSS_CHECKS, ids=["brokers", "idle", "registration", "keys", "redis",
                                                               "connections"])
def test_configtest_prints_what_start_refuses(httpd_factory, mpm, replace, message):
    code, output = httpd_factory.check_config(replace=replace, mpm=mpm)
    assert code != 0, output
    assert message in output
    assert "Syntax OK" not in output


def test_configtest_refuses_a_key_file_others_may_read(httpd_factory, services, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(open(services.key_file).read())
    os.chmod(keys, 0o644)
    code, output = httpd_factory.check_config(replace={"SolveitKeyFile": '"%s"' % keys})
    assert code != 0
    assert "SolveitKeyFile: %s: others may access it (mode 0644)" % keys in output
    code, output = httpd_factory.check_config(replace={"SolveitKeyFile": '"%s"' % (tmp_path / "missing")})
    assert code != 0
    assert "SolveitKeyFile: %s: No such file or directory" % (tmp_path / "missing") in output


def test_configtest_refuses_the_module_without_mod_dbd(services, httpd_factory):
    server = services.httpd()
    server.text = "\n".join(line for line in server.text.splitlines()
                            if not line.strip().startswith(("LoadModule dbd_module", "DBD")))
    code, output = server.check_config()
    assert code != 0
    assert "mod_solveit needs mod_dbd: add LoadModule dbd_module and DBDriver pgsql / DBDParams" in output


def pool_figures(mpm):
    """(children, DBDMax) of the stack's template (httpd-conf/solveit-stack.conf.in): event and worker
    run MaxRequestWorkers 100 / ThreadsPerChild 25 = 4 children with DBDMax 26; prefork 24 children
    (MaxRequestWorkers) with DBDMax 2."""
    return (24, 2) if mpm == "prefork" else (4, 26)


def test_connections_over_the_limit_fail_configtest_with_the_arithmetic(httpd_factory, mpm):
    children, dbd_max = pool_figures(mpm)
    total = children * dbd_max
    code, output = httpd_factory.check_config(replace={"SolveitDbMaxConnections": str(total - 1)}, mpm=mpm)
    assert code != 0
    assert ("SolveitDbMaxConnections: httpd may hold %d children x DBDMax %d = %d PostgreSQL connections, more "
            "than the %d allowed; lower DBDMax or MaxRequestWorkers, or raise max_connections and this directive"
            % (children, dbd_max, total, total - 1)) in output, output
    code, output = httpd_factory.check_config(replace={"SolveitDbMaxConnections": str(total)}, mpm=mpm)
    assert code == 0, output
    assert "PostgreSQL connections" not in output


def test_connections_over_postgresql_default_are_a_notice_only(httpd_factory, mpm):
    children, _ = pool_figures(mpm)
    # The stack's own SolveitDbMaxConnections taken out: PostgreSQL's default is assumed.
    code, output = httpd_factory.check_config(replace={"DBDMax": "60", "SolveitDbMaxConnections": None}, mpm=mpm)
    assert code == 0, output
    assert "Syntax OK" in output
    assert ("solveit: httpd may hold %d children x DBDMax 60 = %d PostgreSQL connections, more than PostgreSQL's "
            "default max_connections (100)" % (children, children * 60)) in output, output
    code, output = httpd_factory.check_config(replace={"DBDMax": "60", "SolveitDbMaxConnections": "100000"}, mpm=mpm)
    assert code == 0 and "PostgreSQL connections" not in output, output


def test_bad_directive_value_names_the_directive(httpd_factory):
    code, output = httpd_factory.check_config(replace={"SolveitDbMaxConnections": "many"})
    assert code != 0
    assert 'SolveitDbMaxConnections: "many" is not a positive number of PostgreSQL connections' in output
    code, output = httpd_factory.check_config(
        extra="<VirtualHost 127.0.0.1:1>\nSolveitDbMaxConnections 10\n</VirtualHost>")
    assert code != 0
    assert "SolveitDbMaxConnections cannot occur within <VirtualHost> section" in output


def apachectl(server, action):
    """Debian's apache2ctl on server's configuration: for graceful it runs configtest (apache2 -t)
    and signals the running httpd only when that passes."""
    env = dict(os.environ, APACHE_CONFDIR=str(server.root), APACHE_ARGUMENTS="-f %s" % server.conf,
               APACHE_RUN_DIR=str(server.root / "run"), APACHE_LOCK_DIR=str(server.root / "lock"),
               APACHE_RUN_USER=svc.RUN_USER, APACHE_ENVVARS=str(server.root / "no-envvars"))
    r = subprocess.run([APACHECTL, action], capture_output=True, text=True, timeout=120, env=env)
    return r.returncode, r.stdout + r.stderr


def health_ok(server):
    try:
        return requests.get(server.base + "/api/health", timeout=10).status_code == 200
    except requests.RequestException:
        return False


def restarts(server):
    return server.error_log().count("resuming normal operations")


@pytest.mark.skipif(not os.path.exists(APACHECTL), reason="Debian's apache2ctl is not installed")
def test_graceful_with_a_bad_config_keeps_the_old_server(httpd_factory, mpm):
    """apachectl graceful with a configuration configtest refuses: the command fails with the
    directive's sentence and never signals httpd, so the old server keeps serving. Fixed again, the
    same command restarts it."""
    server = httpd_factory(mpm=mpm)
    pid = server._master_pid()
    good = server.text
    assert health_ok(server)
    server.conf.write_text(svc.replace_directives(good, {"SolveitSessionIdle": "48h"}))
    code, output = apachectl(server, "graceful")
    assert code != 0
    assert "SolveitSessionIdle: 172800 s is longer than SolveitSessionLifetime" in output
    assert server._master_pid() == pid and svc.pid_alive(pid)
    assert health_ok(server)
    assert restarts(server) == 1
    server.conf.write_text(good)
    code, output = apachectl(server, "graceful")
    assert code == 0, output
    wait_log(server.error_log, "resuming normal operations", count=2, name="httpd's error log")
    wait_for(lambda: health_ok(server), "/api/health answering after the graceful restart")
    assert server._master_pid() == pid


def test_sigusr1_straight_to_httpd_with_a_bad_config_stops_it(httpd_factory):
    """No check is left that only post_config makes: every configuration this module refuses,
    configtest refuses too, so there is no configuration that passes apachectl graceful and then
    stops httpd. What remains is httpd's own rule for a graceful restart signalled without
    configtest: the parent reads the new configuration after telling its children to finish, and
    on any configuration error (this module's, or a syntax error) it logs the reason and exits, and
    the children with it. That is why apachectl graceful runs configtest first."""
    server = httpd_factory(mpm="event")
    pid = server._master_pid()
    server.conf.write_text(svc.replace_directives(server.text, {"SolveitKafkaBrokers": None}))
    os.kill(pid, signal.SIGUSR1)
    wait_for(lambda: not svc.pid_alive(pid), "httpd's parent exiting on the bad configuration", timeout=60)
    wait_for(lambda: not svc.port_open(server.port), "httpd's children leaving the port", timeout=60)
    assert "SolveitKafkaBrokers: not set" in server.error_log()


def inert_conf(server, mpm):
    """Only mod_dbd and mod_solveit loaded, no Solveit directive (a2enmod solveit without its conf),
    one static site."""
    site = server.root / "site"
    return """ServerRoot "%(root)s"
ServerName 127.0.0.1
Listen 127.0.0.1:%(port)d
PidFile "%(root)s/httpd.pid"
DefaultRuntimeDir "%(root)s"
Mutex file:%(root)s default
User %(user)s
Group %(group)s
ErrorLog "%(log)s"
LogLevel warn
LoadModule mpm_%(mpm)s_module %(mods)s/mod_mpm_%(mpm)s.so
LoadModule authz_core_module %(mods)s/mod_authz_core.so
LoadModule dbd_module %(mods)s/mod_dbd.so
LoadModule solveit_module %(module)s
DocumentRoot "%(site)s"
<Directory "%(site)s">
    Require all granted
</Directory>
""" % {"root": server.root, "port": server.port, "user": svc.RUN_USER,
       "group": grp.getgrgid(svc.run_user_ids()[1]).gr_name, "log": server.error_log_path,
       "mpm": mpm, "mods": svc.APACHE_MODULES, "module": svc.MODULE_SO, "site": site}


INERT = "solveit: mod_solveit is loaded but no Solveit directive is set: it stays inert"


def test_module_without_its_configuration_is_inert(services, httpd_factory, mpm):
    server = services.httpd(mpm=mpm)
    httpd_factory.started.append(server)
    server.text = inert_conf(server, mpm)
    server.write()
    (server.root / "site").mkdir()
    (server.root / "site" / "index.html").write_text("the other site\n")
    svc.chown_run_user(server.root / "site")
    code, output = server.check_config()
    assert code == 0, output
    assert "Syntax OK" in output and INERT in output
    server.start()
    r = requests.get(server.url + "/index.html", timeout=30)
    assert (r.status_code, r.text) == (200, "the other site\n")
    assert requests.get(server.base + "/api/health", timeout=30).status_code == 404
    log = server.error_log()
    assert log.count(INERT) == 1, log
    assert "[solveit:" not in log.replace("[solveit:notice]", ""), log


def vhosts_extra(services):
    """Three virtual hosts on ports of their own: two inherit the main server's mod_dbd
    configuration, the third has its own DBDParams (the same database, named another way)."""
    ports = [svc.free_port() for _ in range(3)]
    dbd = services.pg.conninfo_for_dbd.replace("host=%s " % services.pg.sock, "host=%s/ " % services.pg.sock)
    text = ""
    for i, port in enumerate(ports):
        own = '    DBDParams "%s"\n' % dbd if i == 2 else ""
        text += "Listen 127.0.0.1:%d\n<VirtualHost 127.0.0.1:%d>\n    ServerName vhost%d\n%s</VirtualHost>\n" % (
            port, port, i, own)
    return ports, text


@pytest.mark.skipif(not os.path.exists(APACHECTL), reason="Debian's apache2ctl is not installed")
def test_statements_registered_once_with_three_virtual_hosts(httpd_factory, services, db, mpm):
    ports, extra = vhosts_extra(services)
    server = httpd_factory(mpm=mpm, extra=extra)
    assert server.error_log().count(CONFLICT) == 0, server.error_log()
    code, output = apachectl(server, "graceful")
    assert code == 0, output
    wait_log(server.error_log, "resuming normal operations", count=2, name="httpd's error log")
    wait_for(lambda: health_ok(server), "/api/health answering after the graceful restart")
    assert server.error_log().count(CONFLICT) == 0, server.error_log()
    for base in [server.base] + ["http://127.0.0.1:%d/solveit" % p for p in ports]:
        name, _ = new_user(db)
        client = Client(base, name)
        r = client.submit()
        assert r.status_code == 202, (base, r.text)
        sid = r.json()["submission_id"]
        r = client.get("/api/submissions")
        assert r.status_code == 200, (base, r.text)
        assert sid in [s["id"] for s in r.json()["submissions"]], (base, r.text)
        r = client.get("/api/leaderboard")
        assert r.status_code == 200 and "users" in r.json(), (base, r.text)
    assert server.error_log().count(CONFLICT) == 0


def test_a_virtual_host_pool_counts_in_the_connections(httpd_factory, services):
    """A virtual host with DBDParams of its own has a pool of its own in every child."""
    _, extra = vhosts_extra(services)
    code, output = httpd_factory.check_config(extra=extra, replace={"SolveitDbMaxConnections": "200"})
    assert code != 0
    assert "httpd may hold 4 children x DBDMax (26 + 26: a pool per DBDParams) = 208 PostgreSQL connections" \
        in output, output


if shutil.which("apache2") is None and not os.path.exists("/usr/sbin/apache2"):
    pytestmark = pytest.mark.skip(reason="Debian's apache2 is not installed")
