"""SolveitAuth external in real use: Debian's slapd (tests/integration/ldap_server.py) behind
mod_ldap + mod_authnz_ldap, the module provisioning the directory's users, SolveitStaffFrom
taking staff status from a directory group or from an environment variable, and a directory
user never taking over a built-in account of the same name."""

import os

import pytest
import requests

import ldap_server
from harness import services
from polling import wait_for

SOLVEIT_REALM = "Solve-IT"
# The group as an administrator might type it: case and spaces differ from the directory's own
# spelling (cn=judge-staff,ou=groups,dc=solveit,dc=test), and still name the same group.
STAFF_GROUP_AS_TYPED = "CN=Judge-Staff, ou=Groups, dc=solveit, dc=test"
AFFILIATION = "staff@solveit.test"


def apache_module(name):
    return os.path.join(services.APACHE_MODULES, name)


@pytest.fixture(scope="session")
def directory(services):
    why = ldap_server.missing()
    if not why:
        for so in ("mod_ldap.so", "mod_authnz_ldap.so", "mod_setenvif.so"):
            if not os.path.exists(apache_module(so)):
                why = "Apache's %s is missing (apache2 package)" % so
    if why:
        pytest.skip(why)
    server = ldap_server.Slapd(services.tmp / "ldap").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def people(directory, mpm):
    """This MPM's directory users (the database is shared by the three MPMs' runs): ada a
    student, lena staff through the group, max staff until a test takes him out of it, olga
    named by SolveitStaff only, clash the name of a built-in account."""
    names = {k: "%s-%s" % (k, mpm) for k in ("ada", "lena", "max", "olga", "clash", "eve")}
    directory.add_user(names["ada"], "ada-pw")
    directory.add_user(names["lena"], "lena-pw", staff=True)
    directory.add_user(names["max"], "max-pw", staff=True)
    directory.add_user(names["olga"], "olga-pw")
    directory.add_user(names["clash"], "clash-pw")
    directory.add_user(names["eve"], "eve-pw")
    return names


def pw(name):
    """Each test user's directory password: its first part plus -pw."""
    return name.split("-")[0] + "-pw"


def ldap_block(directory, attributes="uid,memberOf", extra=""):
    """mod_authnz_ldap in front of the whole base path: Basic authentication against the test
    directory, the user's groups exported as AUTHENTICATE_MEMBEROF."""
    return """
LoadModule ldap_module {ldap}
LoadModule authnz_ldap_module {authnz}
LoadModule setenvif_module {setenvif}
# mod_ldap keeps a successful search/bind, with the attributes it read, for LDAPCacheTTL (600 s by
# default): a directory change would reach the judge only after that. The tests see it at once.
LDAPCacheEntries 0
<Location /solveit>
    AuthType Basic
    AuthName "{realm}"
    AuthBasicProvider ldap
    AuthLDAPURL "{url}/{people}?{attributes}?one"
    Require valid-user
{extra}
</Location>
""".format(ldap=apache_module("mod_ldap.so"), authnz=apache_module("mod_authnz_ldap.so"),
           setenvif=apache_module("mod_setenvif.so"), realm=SOLVEIT_REALM, url=directory.url,
           people=ldap_server.PEOPLE, attributes=attributes, extra=extra)


def group_server(httpd_factory, directory, mpm, people, **kw):
    return httpd_factory(mpm=mpm, extra=ldap_block(directory, **kw), replace={
        "SolveitAuth": "external",
        "SolveitStaff": people["olga"],
        "SolveitStaffFrom": 'group "%s"' % STAFF_GROUP_AS_TYPED,
    })


@pytest.fixture
def ldap_httpd(httpd_factory, directory, mpm, people):
    return group_server(httpd_factory, directory, mpm, people)


def as_user(name):
    http = requests.Session()
    http.auth = (name, pw(name))
    return http


def staff_page(server, http):
    """A staff-only API call: 200 for staff, 403 for anyone else."""
    return http.get(server.base + "/api/admin/tasks", timeout=30).status_code


def test_directory_user_is_provisioned_at_first_login(ldap_httpd, db, people):
    ada = people["ada"]
    r = as_user(ada).get(ldap_httpd.base + "/api/me", timeout=30)
    assert r.status_code == 200, r.text
    me = r.json()
    assert (me["user"]["username"], me["user"]["staff"], me["auth"]) == (ada, False, "external")
    row = db.execute("SELECT id, password_hash, auth_source, is_staff FROM users WHERE username = %s",
                     (ada,)).fetchone()
    assert row == (me["user"]["id"], None, "external", False)


def test_directory_user_submits(ldap_httpd, db, people):
    http = as_user(people["ada"])
    me = http.get(ldap_httpd.base + "/api/me", timeout=30).json()
    r = http.post(ldap_httpd.base + "/api/submissions", timeout=30, headers={"X-CSRF-Token": me["csrf_token"]},
                  json={"task_id": 1, "language_id": 71, "code": "print('Hello, World!')"})
    assert r.status_code == 202, r.text
    owner = db.execute("SELECT u.username FROM submissions s JOIN users u ON u.id = s.user_id WHERE s.id = %s",
                       (r.json()["submission_id"],)).fetchone()[0]
    assert owner == people["ada"]


def test_wrong_directory_password_is_refused_by_apache(ldap_httpd, people):
    for auth in ((people["ada"], "not-the-password"), ("nobody-in-the-directory", "pw"), None):
        r = requests.get(ldap_httpd.base + "/api/me", auth=auth, timeout=30)
        assert r.status_code == 401, (auth, r.text)
        # Apache's own refusal, asking for the directory login again (the module's error filter
        # puts it as JSON): the module's handler never ran, it would have said who may log in.
        assert r.headers.get("WWW-Authenticate") == 'Basic realm="%s"' % SOLVEIT_REALM
        assert r.json() == {"error": "unauthorized"}


def test_staff_comes_from_the_directory_group(ldap_httpd, people):
    lena, ada = as_user(people["lena"]), as_user(people["ada"])
    assert lena.get(ldap_httpd.base + "/api/me", timeout=30).json()["user"]["staff"] is True
    assert staff_page(ldap_httpd, lena) == 200
    assert ada.get(ldap_httpd.base + "/api/me", timeout=30).json()["user"]["staff"] is False
    assert staff_page(ldap_httpd, ada) == 403


def test_static_staff_list_still_counts(ldap_httpd, people):
    # olga is in no group, but SolveitStaff names her: either source makes staff.
    olga = as_user(people["olga"])
    assert olga.get(ldap_httpd.base + "/api/me", timeout=30).json()["user"]["staff"] is True
    assert staff_page(ldap_httpd, olga) == 200


def test_removed_member_is_demoted_and_promoted_again(ldap_httpd, directory, db, people):
    name = people["max"]
    http = as_user(name)  # one session (its cookie) through all of it
    assert staff_page(ldap_httpd, http) == 200
    try:
        directory.remove_from_group(name)
        assert directory.member_of(name) == []
        # The very next request of the same session: mod_authnz_ldap exports the new memberOf.
        assert staff_page(ldap_httpd, http) == 403
        assert http.get(ldap_httpd.base + "/api/me", timeout=30).json()["user"]["staff"] is False
        assert db.execute("SELECT is_staff FROM users WHERE username = %s", (name,)).fetchone()[0] is False
        audit = db.execute("SELECT a.actor_name, a.before, a.after FROM staff_audit a JOIN users u ON u.id = a.object_id"
                           " WHERE a.object_type = 'user' AND u.username = %s AND a.action = 'demote'"
                           " ORDER BY a.id DESC LIMIT 1", (name,)).fetchone()
        assert audit == ("SolveitStaffFrom", {"is_staff": True}, {"is_staff": False})
        wait_for(lambda: "external user %s no longer staff by SolveitStaffFrom" % name in ldap_httpd.error_log(),
                 "the demotion's log line")
    finally:
        directory.add_to_group(name)
    assert staff_page(ldap_httpd, http) == 200
    assert db.execute("SELECT is_staff FROM users WHERE username = %s", (name,)).fetchone()[0] is True


def test_group_rule_without_the_attribute_says_how_to_export_it(httpd_factory, directory, mpm, people):
    # AuthLDAPURL without memberOf: mod_authnz_ldap exports no groups, so nobody is staff from the
    # group, and the log says what to add.
    server = group_server(httpd_factory, directory, mpm, people, attributes="uid")
    lena = as_user(people["lena"])
    assert lena.get(server.base + "/api/me", timeout=30).json()["user"]["staff"] is False
    wait_for(lambda: "SolveitStaffFrom group: no module set AUTHENTICATE_MEMBEROF for %s" % people["lena"]
             in server.error_log(), "the missing attribute's log line")
    assert "list memberOf among AuthLDAPURL's attributes" in server.error_log()
    # Back on a server that exports it, lena is staff again.
    server = group_server(httpd_factory, directory, mpm, people)
    assert staff_page(server, lena) == 200


def test_staff_from_an_environment_variable(httpd_factory, directory, mpm, people):
    # The auth module's stand-in: SetEnvIf copies a request header into "affiliation", as
    # Shibboleth would set the user's affiliations (values separated by ;).
    extra = '    SetEnvIf X-Test-Affiliation "^(.+)$" affiliation=$1'
    server = httpd_factory(mpm=mpm, extra=ldap_block(directory, attributes="uid", extra=extra),
                           replace={"SolveitAuth": "external", "SolveitStaffFrom": "env affiliation " + AFFILIATION})
    http = as_user(people["eve"])
    http.headers["X-Test-Affiliation"] = "member@solveit.test;" + AFFILIATION
    assert http.get(server.base + "/api/me", timeout=30).json()["user"]["staff"] is True
    assert staff_page(server, http) == 200
    # The variable no longer says so: demoted on that request, in the same session.
    http.headers["X-Test-Affiliation"] = "member@solveit.test"
    assert staff_page(server, http) == 403
    assert http.get(server.base + "/api/me", timeout=30).json()["user"]["staff"] is False
    del http.headers["X-Test-Affiliation"]
    assert staff_page(server, http) == 403
    # A value that only contains the wanted one is not it.
    http.headers["X-Test-Affiliation"] = "not-" + AFFILIATION
    assert staff_page(server, http) == 403


def test_directory_user_never_takes_over_a_builtin_account(ldap_httpd, db, people):
    name = people["clash"]
    hash_ = "$2y$10$oJ3Cm/2pgg8LYB9gB87EKOWVX5niwPtUK0IvMMntBuxBJCOK0oh0q"
    db.execute("INSERT INTO users (username, password_hash, is_staff, auth_source) VALUES (%s, %s, true, 'builtin')"
               " ON CONFLICT (username) DO NOTHING", (name, hash_))
    before = db.execute("SELECT id, password_hash, is_staff, auth_source FROM users WHERE username = %s",
                        (name,)).fetchone()
    http = as_user(name)
    for path in ("/api/me", "/api/submissions", "/api/admin/tasks"):
        r = http.get(ldap_httpd.base + path, timeout=30)
        assert r.status_code == 403, (path, r.text)
        assert r.json() == {"error": "the web server's user %s has the name of a built-in account of this judge and "
                                     "may not use it; ask an administrator to rename one of them" % name}
        assert "Set-Cookie" not in r.headers
    assert db.execute("SELECT id, password_hash, is_staff, auth_source FROM users WHERE username = %s",
                      (name,)).fetchone() == before
    wait_for(lambda: "refused the web server's user %s: a built-in (password) account has that name" % name
             in ldap_httpd.error_log(), "the collision's log line")


BAD_STAFF_FROM = [
    ("ldap cn=x", "is neither group nor env"),
    ('group "judge-staff"', "is not a distinguished name"),
    ("env affiliation", "env needs a variable and the value that makes staff"),
    ('env "bad name" staff', "is not an environment variable name"),
    ('group "cn=staff,dc=x" "bad name"', "is not an environment variable name"),
]


@pytest.mark.parametrize("value,message", BAD_STAFF_FROM, ids=[v for v, _ in BAD_STAFF_FROM])
def test_bad_staff_from_is_refused_with_the_directive_named(httpd_factory, value, message):
    code, output = httpd_factory.check_config(replace={"SolveitAuth": "external", "SolveitStaffFrom": value})
    assert code != 0
    assert "SolveitStaffFrom: " in output and message in output, output


def test_staff_from_needs_external_auth(httpd_factory, mpm):
    started, output = httpd_factory.try_start(mpm=mpm, replace={"SolveitStaffFrom": "env affiliation staff"})
    assert not started
    assert "SolveitStaffFrom: needs SolveitAuth external" in output
