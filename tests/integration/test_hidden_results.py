"""A program that exits with a byte of its input must not read the hidden tests through the submission
API (issue 14, finding 5): through httpd, judge-worker on the local sandbox and result-sink, a student
sees a hidden test's verdict and time only, staff every field the judge stored."""

import json

import pytest

from polling import wait_for
from test_module_helpers import Client, new_user, task_by_slug

pytestmark = pytest.mark.usefixtures("built_programs")

# Exits with 100 + the first byte of its input (A+B's sample "2 3" gives 150, a hidden "-7 4" 145):
# twelve such programs read every hidden input from "exited with code N".
LEAKER = "import sys\nsys.exit(100 + sys.stdin.buffer.read()[0])\n"
SHOWN = {"test_id", "test", "order", "verdict", "time", "is_sample"}


def final_view(client, sid):
    def body():
        r = client.get("/api/submissions/%d" % sid)
        assert r.status_code == 200, r.text
        return r.json() if r.json()["status"] in ("completed", "failed") else None
    return wait_for(body, "submission %d final" % sid, 300, interval=0.5)


def test_hidden_exit_codes_reach_staff_only(services, db, pipeline):
    task_id = task_by_slug(db, "aplusb")
    codes = {order: 100 + data[0] for order, data in
             db.execute('SELECT t."order", b.content FROM tests t JOIN blobs b ON b.sha256 = t.input_sha256 '
                        'WHERE t.task_id = %s', (task_id,)).fetchall()}
    samples = {order for (order,) in
               db.execute('SELECT "order" FROM tests WHERE task_id = %s AND is_sample', (task_id,)).fetchall()}
    hidden_codes = {order: code for order, code in codes.items() if order not in samples}
    assert samples and hidden_codes and not set(hidden_codes.values()) & {codes[o] for o in samples}
    student = pipeline.client(db, "leak")
    r = student.submit(task_id=task_id, language_id=71, code=LEAKER)
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    body = final_view(student, sid)
    assert (body["status"], body["verdict"]) == ("completed", "RE"), body
    tests = {t["order"]: t for t in body["test_results"]}
    assert sorted(tests) == sorted(codes), body
    text = json.dumps(body)

    # A sample test is the student's to see, exit status included (its own field too: issue 13).
    for order in samples:
        assert tests[order]["is_sample"] and str(codes[order]) in tests[order].get("message", ""), tests[order]
        assert tests[order].get("exit_code") == codes[order], tests[order]
    for order, code in hidden_codes.items():
        hidden = tests[order]
        assert not hidden["is_sample"]
        assert hidden["verdict"] == "RE" and hidden["time"] >= 0, hidden
        assert set(hidden) <= SHOWN, hidden
        assert "status %d" % code not in text and "code %d" % code not in text, text
    assert body["memory_used"] == max(tests[o]["memory"] for o in samples), body

    staff_name, _ = new_user(db, staff=True, prefix="leakstaff")
    staff = Client(pipeline.httpd.base, staff_name)
    r = staff.get("/api/submissions/%d" % sid)
    assert r.status_code == 200, r.text
    seen = {t["order"]: t for t in r.json()["test_results"]}
    for order, code in hidden_codes.items():
        assert str(code) in seen[order].get("message", ""), seen[order]
        assert "memory" in seen[order], seen[order]
    # What the sink stored for staff is unchanged: the row keeps every message.
    stored = db.execute("SELECT test_results FROM submissions WHERE id = %s", (sid,)).fetchone()[0]
    assert all(str(code) in {t["order"]: t for t in stored}[order]["message"] for order, code in hidden_codes.items())
