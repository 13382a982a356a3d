"""The routes behind the staff task pages (issue 12) against the real httpd and PostgreSQL: the
statement's live preview (POST /api/admin/preview, the same rendering as the student's task page),
a task's statement images (GET/POST /api/admin/tasks/{id}/assets, DELETE .../assets/{name}) and the
route that serves them (GET /api/tasks/{id}/assets/{name}): who may call them, every bad upload's
message (and that it writes nothing), the audit trail, and what students may fetch."""

import hashlib
import io
import struct
import uuid
import zipfile
import zlib
from urllib.parse import urlparse

import pytest
import requests

from test_admin_api import audit_count, error_of, last_audit, new_task, staff_client
from test_module_helpers import login

pytestmark = pytest.mark.usefixtures("built_programs")

MAX_IMAGE = 5 * 1024 * 1024


def png(width=2, height=1, rgb=(200, 30, 30)):
    """A real PNG image (the browser test shows one; here only its first bytes matter)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
GIF = b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 14


@pytest.fixture
def staff(httpd, db):
    return staff_client(httpd, db)


def upload(staff, tid, filename, data, csrf=True, field="file", **extra):
    return staff.post("/api/admin/tasks/%d/assets" % tid, csrf=csrf, files={field: (filename, data)},
                      data=extra or None)


def asset_count(db):
    return db.execute("SELECT count(*) FROM task_assets").fetchone()[0]


def base_path(httpd):
    return urlparse(httpd.base).path.rstrip("/")


# ---- Who may call ----------------------------------------------------------------------------------

ROUTES = [
    ("POST", "/api/admin/preview", True),
    ("GET", "/api/admin/tasks/1/assets", False),
    ("POST", "/api/admin/tasks/1/assets", True),
    ("DELETE", "/api/admin/tasks/1/assets/graph.png", True),
]


def test_routes_refuse_visitors_students_and_changes_without_csrf(httpd, db):
    before = audit_count(db)
    student = login(httpd, db)
    staff = staff_client(httpd, db)
    for method, path, change in ROUTES:
        r = requests.request(method, httpd.base + path, json={}, timeout=30)
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        r = student.http.request(method, httpd.base + path, headers={"X-CSRF-Token": student.csrf}, json={},
                                 timeout=30)
        assert error_of(r, 403) == "staff only", (method, path)
        if change:
            assert "missing CSRF token" in error_of(staff.call(method, path, csrf=False, json={}), 403), path
            r = staff.call(method, path, csrf=False, headers={"X-CSRF-Token": "forged"}, json={})
            assert error_of(r, 403) == "invalid CSRF token", (method, path)
    # The students' route wants a session too.
    assert requests.get(httpd.base + "/api/tasks/1/assets/graph.png", timeout=30).status_code == 401
    assert audit_count(db) == before


# ---- Images ----------------------------------------------------------------------------------------

def test_upload_serve_replace_delete_with_audit(httpd, db, staff):
    task = new_task(staff, is_open=True)
    tid = task["id"]
    image = png()
    r = upload(staff, tid, "graph.png", image)
    assert r.status_code == 201, r.text
    got = r.json()
    sha = hashlib.sha256(image).hexdigest()
    assert (got["name"], got["content_type"], got["size"], got["sha256"], got["task_id"]) == \
        ("graph.png", "image/png", len(image), sha, tid)
    audit = last_audit(db, "task", tid)
    assert audit["actor_id"] == staff.user_id and audit["action"] == "POST /api/admin/tasks/{id}/assets"
    assert audit["before"] is None and audit["after"]["asset"] == "graph.png" and audit["after"]["sha256"] == sha

    for name, data, kind in (("photo.JPG", JPEG, "image/jpeg"), ("anim.gif", GIF, "image/gif"),
                             ("pic.webp", WEBP, "image/webp")):
        r = upload(staff, tid, name, data)
        assert r.status_code == 201 and r.json()["content_type"] == kind, r.text
    listed = staff.get("/api/admin/tasks/%d/assets" % tid).json()
    assert listed["task_id"] == tid
    assert [a["name"] for a in listed["assets"]] == ["anim.gif", "graph.png", "photo.JPG", "pic.webp"]

    student = login(httpd, db)
    path = "/api/tasks/%d/assets/graph.png" % tid
    r = student.get(path)
    assert r.status_code == 200 and r.content == image
    assert r.headers["Content-Type"] == "image/png" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["ETag"] == '"%s"' % sha and "no-cache" in r.headers["Cache-Control"]
    again = student.get(path, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == r.headers["ETag"]

    # The same name again replaces it; the cached copy is then stale.
    bigger = png(width=3)
    r = upload(staff, tid, "graph.png", bigger)
    assert r.status_code == 200 and r.json()["size"] == len(bigger), r.text
    audit = last_audit(db, "task", tid)
    assert audit["before"]["sha256"] == sha and audit["after"]["sha256"] == hashlib.sha256(bigger).hexdigest()
    r = student.get(path, headers={"If-None-Match": '"%s"' % sha})
    assert r.status_code == 200 and r.content == bigger

    # A name field names the image instead of the file's own name.
    r = upload(staff, tid, "upload.png", image, name="renamed.png")
    assert r.status_code == 201 and r.json()["name"] == "renamed.png", r.text

    r = staff.delete("/api/admin/tasks/%d/assets/graph.png" % tid)
    assert r.status_code == 200 and r.json() == {"task_id": tid, "name": "graph.png", "deleted": True}
    audit = last_audit(db, "task", tid)
    assert audit["action"] == "DELETE /api/admin/tasks/{id}/assets/{name}"
    assert audit["before"]["asset"] == "graph.png" and audit["after"] is None
    assert error_of(student.get(path), 404) == "asset not found"
    assert error_of(staff.delete("/api/admin/tasks/%d/assets/graph.png" % tid), 404) == \
        'task %d has no asset named "graph.png"' % tid


@pytest.mark.parametrize("name,data,status,message", [
    ("empty.png", b"", 400, 'the image "empty.png" is empty (0 bytes)'),
    ("../evil.png", png(), 400, 'the image\'s name must be a file name without folders, not "../evil.png"'),
    ("dir/evil.png", png(), 400, 'the image\'s name must be a file name without folders, not "dir/evil.png"'),
    ("..\\evil.png", png(), 400, "the image's name must be a file name without folders"),
    (".hidden.png", png(), 400, "the image's name must be 1-200 of letters, digits and _ . -, starting with a letter"),
    ("with space.png", png(), 400, 'not "with space.png"'),
    ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", 415,
     'only PNG, JPEG, GIF and WebP images (.png, .jpg, .jpeg, .gif, .webp) can be uploaded, not "drawing.svg"'),
    ("page.html", b"<script>alert(1)</script>", 415, "only PNG, JPEG, GIF and WebP images"),
    ("noext", png(), 415, 'can be uploaded, not "noext"'),
    ("fake.png", JPEG, 400, '"fake.png" is not a PNG image: its bytes are not one'),
    ("fake.gif", b"<script>", 400, '"fake.gif" is not a GIF image'),
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_IMAGE, 413, "the image is larger than 5242880 bytes (5 MB)"),
    ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (MAX_IMAGE + 200000), 413,
     "the image is larger than 5242880 bytes (5 MB)"),
])
def test_bad_uploads_are_refused_and_write_nothing(db, staff, name, data, status, message):
    tid = new_task(staff)["id"]
    before = (audit_count(db), asset_count(db))
    assert message in error_of(upload(staff, tid, name, data), status)
    assert (audit_count(db), asset_count(db)) == before


def test_upload_without_a_file_or_to_an_unknown_task(db, staff):
    tid = new_task(staff)["id"]
    before = (audit_count(db), asset_count(db))
    r = staff.post("/api/admin/tasks/%d/assets" % tid, json={"file": "x.png"})
    assert error_of(r, 400) == 'send the image as a file in the multipart/form-data field "file"'
    r = upload(staff, tid, "a.png", png(), field="image")
    assert error_of(r, 400) == 'send the image as a file in the multipart/form-data field "file"'
    assert error_of(upload(staff, 999999999, "a.png", png()), 404) == "task 999999999 not found"
    assert error_of(staff.get("/api/admin/tasks/999999999/assets"), 404) == "task 999999999 not found"
    assert error_of(staff.delete("/api/admin/tasks/%d/assets/.x" % tid), 400).startswith("the image's name must be")
    assert (audit_count(db), asset_count(db)) == before


def test_a_closed_task_image_is_refused_to_students(httpd, db, staff):
    tid = new_task(staff, is_open=False)["id"]
    assert upload(staff, tid, "secret.png", png()).status_code == 201
    student = login(httpd, db)
    path = "/api/tasks/%d/assets/secret.png" % tid
    assert error_of(student.get(path), 404) == "asset not found"
    # Indistinguishable from a name that does not exist.
    assert error_of(student.get("/api/tasks/%d/assets/nothing.png" % tid), 404) == "asset not found"
    assert error_of(student.get("/api/tasks/%d/assets/.secret.png" % tid), 400) == \
        '".secret.png" is not the name of a task\'s image'
    assert staff.get(path).status_code == 200
    assert staff.put("/api/admin/tasks/%d" % tid, json={"is_open": True}).status_code == 200
    r = student.get(path)
    assert r.status_code == 200 and r.content == png()


# ---- The preview -----------------------------------------------------------------------------------

STATEMENT = """# Shortest path

Find $d(s, t)$ for every pair; $$\\sum_{i=1}^{n} w_i$$

| n | answer |
|---|-------:|
| 1 | 0 |
| 2 | ~~3~~ 1 |

![the graph](graph.png) ![elsewhere](https://example.com/x.png) ![up](../etc/passwd)

<script>alert(1)</script> <img src=x onerror=alert(1)>
"""


def test_preview_is_the_student_statement(httpd, db, staff):
    tid = new_task(staff, is_open=True, statement_md=STATEMENT)["id"]
    r = staff.post("/api/admin/preview", json={"markdown": STATEMENT, "task_id": tid})
    assert r.status_code == 200, r.text
    html = r.json()["html"]
    student = login(httpd, db)
    assert student.get("/api/tasks/%d" % tid).json()["statement_html"] == html
    assert "<table>" in html and '<th align="right">answer</th>' in html and "<del>3</del>" in html
    assert "$d(s, t)$" in html and "$$\\sum_{i=1}^{n} w_i$$" in html
    assert 'src="%s/api/tasks/%d/assets/graph.png" alt="the graph"' % (base_path(httpd), tid) in html
    # Only bare names are the task's images.
    assert 'src="https://example.com/x.png"' in html and 'src="../etc/passwd"' in html
    assert "<script>" not in html and "onerror" not in html and "raw HTML omitted" in html

    # Without a task, an image name stays as written.
    r = staff.post("/api/admin/preview", json={"markdown": "![g](graph.png)"})
    assert r.status_code == 200 and 'src="graph.png"' in r.json()["html"]


@pytest.mark.parametrize("body,message", [
    ({}, "markdown is required"),
    ({"markdown": 3}, "markdown must be a string"),
    ({"markdown": "x", "task_id": 0}, "task_id must be between 1 and"),
    ({"markdown": "x", "other": 1}, "unknown field other"),
])
def test_preview_bad_input(staff, body, message):
    assert message in error_of(staff.post("/api/admin/preview", json=body), 400)


def test_imported_package_images_show_in_the_statement(httpd, staff):
    image = png()
    files = {
        "problem.yaml": "name: Pictured\nuuid: %s\n" % uuid.uuid4(),
        "statement/problem.en.md": "Look: ![pic](pic.png)\n",
        "statement/pic.png": image,
        "data/sample/01.in": "1\n",
        "data/sample/01.ans": "1\n",
        "data/secret/01.in": "2\n",
        "data/secret/01.ans": "2\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    r = staff.post("/api/admin/tasks/import", files={"package": ("pictured.zip", buf.getvalue())},
                   data={"slug": "pictured-%s" % uuid.uuid4().hex[:8]}, timeout=120)
    assert r.status_code == 201, r.text
    tid = r.json()["task_id"]
    assert [a["name"] for a in staff.get("/api/admin/tasks/%d/assets" % tid).json()["assets"]] == ["pic.png"]
    html = staff.get("/api/tasks/%d" % tid).json()["statement_html"]
    src = "%s/api/tasks/%d/assets/pic.png" % (base_path(httpd), tid)
    assert 'src="%s"' % src in html
    r = staff.get(src[len(base_path(httpd)):])
    assert r.status_code == 200 and r.content == image and r.headers["Content-Type"] == "image/png"
