"""A private OpenLDAP server for the tests: Debian's slapd on a free loopback port, with its own
cn=config directory (slapd -F) generated here, an mdb database in the stack's temporary
directory, and the memberof overlay, so that a user's entry says which groupOfNames it is in
(what mod_authnz_ldap exports as AUTHENTICATE_MEMBEROF for SolveitStaffFrom group).

    server = Slapd(directory).start()   # ou=people, ou=groups, cn=judge-staff
    server.add_user("lena", "secret", staff=True)
    server.remove_from_group("lena")
    server.stop()

Runs as the current user (root in CI); never touches the system's slapd or /etc/ldap.
"""

import os
import shutil
import subprocess
from pathlib import Path

import services
from services import Process, ServiceError, free_port, port_open, wait_until

SLAPD = shutil.which("slapd", path="/usr/sbin:" + os.environ.get("PATH", "")) or "/usr/sbin/slapd"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
TOOLS = ("slapadd", "slappasswd", "ldapadd", "ldapmodify", "ldapsearch")

SUFFIX = "dc=solveit,dc=test"
PEOPLE = "ou=people," + SUFFIX
GROUPS = "ou=groups," + SUFFIX
STAFF_GROUP = "cn=judge-staff," + GROUPS
ADMIN_DN = "cn=admin," + SUFFIX


def missing():
    """Why this machine cannot run the server (for a skip), or None."""
    if not os.access(SLAPD, os.X_OK):
        return "slapd is not installed (apt-get install slapd ldap-utils)"
    for tool in TOOLS:
        if not shutil.which(tool, path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")):
            return "%s is not installed (apt-get install slapd ldap-utils)" % tool
    if not list(MODULE_DIR.glob("back_mdb*")) or not list(MODULE_DIR.glob("memberof*")):
        return "slapd's back_mdb or memberof module is missing from %s" % MODULE_DIR
    for schema in ("core", "cosine", "inetorgperson"):
        if not (SCHEMA_DIR / (schema + ".ldif")).exists():
            return "slapd's %s schema is missing from %s" % (schema, SCHEMA_DIR)
    return None


def ssha(password):
    """password as slapd stores it: {SSHA}, made by slappasswd."""
    r = subprocess.run(["slappasswd", "-h", "{SSHA}", "-s", password], capture_output=True, text=True, check=True)
    return r.stdout.strip()


def config_ldif(root, admin_password):
    """The server's whole cn=config: the mdb database under root, the memberof overlay, reads for
    everyone but userPassword (which only binds may use)."""
    return """dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {root}/slapd.pid

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: {modules}
olcModuleLoad: back_mdb
olcModuleLoad: memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file://{schema}/core.ldif

include: file://{schema}/cosine.ldif

include: file://{schema}/inetorgperson.ldif

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcDbDirectory: {root}/data
olcSuffix: {suffix}
olcRootDN: {admin}
olcRootPW: {admin_pw}
olcAccess: {{0}}to attrs=userPassword by anonymous auth by * none
olcAccess: {{1}}to * by * read

dn: olcOverlay={{0}}memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {{0}}memberof
olcMemberOfRefInt: TRUE
olcMemberOfGroupOC: groupOfNames
olcMemberOfMemberAD: member
olcMemberOfMemberOfAD: memberOf
""".format(root=root, modules=MODULE_DIR, schema=SCHEMA_DIR, suffix=SUFFIX, admin=ADMIN_DN,
           admin_pw=ssha(admin_password))


def user_ldif(uid, password):
    return """dn: uid={uid},{people}
objectClass: inetOrgPerson
uid: {uid}
cn: {uid}
sn: {uid}
userPassword: {pw}

""".format(uid=uid, people=PEOPLE, pw=ssha(password))


class Slapd(Process):
    """slapd -F <root>/slapd.d -h ldap://127.0.0.1:PORT/, in the foreground (-d 0) so that its pid
    is ours and its stop bounded (Process.stop: SIGTERM, then SIGKILL)."""

    # A groupOfNames needs a member: the directory's first staff member, who never leaves.
    FIRST_STAFF = "dora"

    def __init__(self, root):
        self.root = Path(root)
        self.port = free_port()
        self.url = "ldap://127.0.0.1:%d" % self.port
        self.admin_password = "directory-admin"
        super().__init__("slapd", [SLAPD, "-F", self.root / "slapd.d", "-h", self.url + "/", "-d", "0"],
                         self.root / "slapd.log")

    def user_dn(self, uid):
        return "uid=%s,%s" % (uid, PEOPLE)

    def start(self, timeout=30):
        why = missing()
        if why:
            raise ServiceError(why)
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "slapd.d").mkdir(parents=True)
        (self.root / "data").mkdir()
        (self.root / "config.ldif").write_text(config_ldif(self.root, self.admin_password))
        r = subprocess.run(["slapadd", "-n", "0", "-F", str(self.root / "slapd.d"), "-l",
                            str(self.root / "config.ldif")], capture_output=True, text=True)
        if r.returncode != 0:
            raise ServiceError("slapadd of the test server's cn=config failed:\n%s%s" % (r.stdout, r.stderr))
        super().start()
        try:
            wait_until(lambda: port_open(self.port) or not self.alive(), timeout, "slapd listening on %s" % self.url,
                       self.log)
            if not self.alive():
                raise ServiceError("slapd exited at start:\n%s" % services.log_tail(self.log))
            # Entries go in through the server (not slapadd) so that the memberof overlay sees them.
            self.ldap("ldapadd", """dn: {suffix}
objectClass: dcObject
objectClass: organization
dc: solveit
o: Solve-IT tests

dn: {people}
objectClass: organizationalUnit
ou: people

dn: {groups}
objectClass: organizationalUnit
ou: groups

{first}dn: {staff}
objectClass: groupOfNames
cn: judge-staff
member: {first_dn}
""".format(suffix=SUFFIX, people=PEOPLE, groups=GROUPS, staff=STAFF_GROUP,
           first=user_ldif(self.FIRST_STAFF, self.FIRST_STAFF + "-pw"), first_dn=self.user_dn(self.FIRST_STAFF)))
        except Exception:
            self.stop()
            raise
        return self

    def ldap(self, tool, ldif):
        """Runs ldapadd/ldapmodify as the directory's administrator with ldif on its input."""
        r = subprocess.run([tool, "-x", "-H", self.url, "-D", ADMIN_DN, "-w", self.admin_password],
                           input=ldif, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise ServiceError("%s on the test directory failed:\n%s%s" % (tool, r.stdout, r.stderr))
        return r.stdout

    def add_user(self, uid, password, staff=False):
        self.ldap("ldapadd", user_ldif(uid, password))
        if staff:
            self.add_to_group(uid)

    def add_to_group(self, uid, group=STAFF_GROUP):
        self.ldap("ldapmodify", "dn: %s\nchangetype: modify\nadd: member\nmember: %s\n" % (group, self.user_dn(uid)))

    def remove_from_group(self, uid, group=STAFF_GROUP):
        self.ldap("ldapmodify",
                  "dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n" % (group, self.user_dn(uid)))

    def member_of(self, uid):
        """The groups the directory says uid is in (the memberOf the overlay keeps)."""
        r = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", self.url, "-b", self.user_dn(uid), "-s", "base",
                            "(objectClass=*)", "memberOf"], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise ServiceError("ldapsearch for %s failed:\n%s" % (uid, r.stderr))
        return [line.split(":", 1)[1].strip() for line in r.stdout.splitlines() if line.startswith("memberOf:")]
