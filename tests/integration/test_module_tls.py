"""Over TLS the session cookie is __Host-prefixed and Secure (mod_ssl with a throwaway certificate)."""

import subprocess

import pytest
import requests

import services as svc
from harness import chown_run_user
from test_module_helpers import PASSWORD, new_user


@pytest.fixture
def tls_server(httpd_factory, mpm, services):
    cert, key = services.tmp / ("tls-%s.crt" % mpm), services.tmp / ("tls-%s.key" % mpm)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days",
                    "2", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    for f in (cert, key):
        f.chmod(0o644)
        chown_run_user(f)
    port = svc.free_port()
    extra = """
LoadModule ssl_module %(mods)s/mod_ssl.so
Listen 127.0.0.1:%(port)d https
<VirtualHost 127.0.0.1:%(port)d>
    SSLEngine on
    SSLCertificateFile "%(cert)s"
    SSLCertificateKeyFile "%(key)s"
</VirtualHost>
""" % {"mods": svc.APACHE_MODULES, "port": port, "cert": cert, "key": key}
    server = httpd_factory(mpm=mpm, extra=extra)
    server.tls_url = "https://127.0.0.1:%d" % port
    server.tls_ca = str(cert)
    return server


def test_tls_session_cookie(tls_server, db):
    name, _ = new_user(db)
    base = tls_server.tls_url + "/solveit"
    ca = tls_server.tls_ca
    http = requests.Session()
    r = http.post(base + "/api/login", json={"username": name, "password": PASSWORD},
                  headers={"Origin": tls_server.tls_url}, verify=ca, timeout=30)
    assert r.status_code == 200, r.text
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("__Host-solveit_session=")
    for attribute in ("; Path=/;", "; Secure", "; HttpOnly", "; SameSite=Lax"):
        assert attribute in cookie
    assert "Domain" not in cookie
    me = http.get(base + "/api/me", verify=ca, timeout=30)
    assert me.status_code == 200
    # The plain-HTTP cookie name means nothing over TLS.
    token = http.cookies["__Host-solveit_session"]
    r = requests.get(base + "/api/me", cookies={"solveit_session": token}, verify=ca, timeout=30)
    assert r.status_code == 401
    # An http:// origin is not this https origin.
    r = http.post(base + "/api/logout", headers={"Origin": tls_server.url, "X-CSRF-Token": me.json()["csrf_token"]},
                  verify=ca, timeout=30)
    assert r.status_code == 403
    assert r.json() == {"error": "cross-origin request refused"}
