"""The Judge0 peer speaks Judge0 CE 1.13.1 as reference/judge0-api.md describes it.

Run: /usr/bin/python3 -m pytest tests/peers
Tests that execute C or Python go through the sandbox CLI; they skip only while it is not built.
"""

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import judge0_peer  # noqa: E402
from judge0_languages import ACTIVE_ORDER, ALL_FIELDS, CONFIG_INFO  # noqa: E402
from polling import wait_for  # noqa: E402 (tests/integration, through pytest.ini's pythonpath)

PEER = os.path.join(HERE, "judge0_peer.py")
SANDBOX = os.environ.get("SOLVEIT_SANDBOX_BIN", judge0_peer.DEFAULT_SANDBOX)
needs_sandbox = pytest.mark.usefixtures("sandbox_cli")


@pytest.fixture(scope="session")
def sandbox_cli():
    """The peer runs C and Python through the sandbox CLI; the test command builds it first, so a
    missing one is a broken build and fails these tests."""
    if not os.access(SANDBOX, os.X_OK):
        pytest.fail("the sandbox CLI %s is not built (run make)" % SANDBOX)
DEFAULT_ORDER = ["stdout", "time", "memory", "stderr", "token", "compile_output", "message", "status"]
DECIMAL = re.compile(r"^\d+\.\d+$")
WAIT_LIMIT = 60  # seconds a submission may take to finish before a test gives up


class Peer:
    def __init__(self, *flags):
        self.proc = subprocess.Popen([sys.executable, PEER, "--port", "0", *flags], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        assert line.strip().isdigit(), "the peer printed %r instead of its port" % line
        self.port = int(line)

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def call(self, method, path, body=None, headers=None, timeout=30, raw=False):
        """(status, headers, parsed JSON or bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = dict(headers or {})
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        if not raw and data and response.getheader("Content-Type", "").startswith("application/json"):
            data = json.loads(data, object_pairs_hook=lambda pairs: dict(pairs))
        return response.status, response, data

    def control(self, path, body):
        status, _, data = self.call("POST", "/_peer/" + path, body)
        assert status == 200, data
        return data

    def submit(self, source, language_id=43, query="base64_encoded=true&wait=false", **fields):
        body = {"source_code": b64(source), "language_id": language_id}
        body.update({k: b64(v) if k in ("stdin", "expected_output") else v for k, v in fields.items()})
        status, _, data = self.call("POST", "/submissions?" + query, body)
        assert status == 201, data
        return data["token"] if "token" in data and len(data) == 1 else data

    def get(self, token, query="base64_encoded=true"):
        status, _, data = self.call("GET", "/submissions/%s?%s" % (token, query))
        assert status == 200, data
        return data

    def wait_final(self, token, query="base64_encoded=true&fields=*"):
        return wait_for(lambda: self.get(token, query), "submission %s finished" % token, WAIT_LIMIT,
                        until=lambda data: data["status"]["id"] > 2, interval=0.05)

    def wait_status(self, token, status_id):
        wait_for(lambda: self.get(token), "submission %s in status %d" % (token, status_id), WAIT_LIMIT,
                 until=lambda data: data["status"]["id"] == status_id, interval=0.05)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def unb64(text):
    return None if text is None else base64.b64decode(text)


@pytest.fixture(scope="module")
def peer():
    p = Peer("--cache-duration", "0")
    yield p
    p.close()


@pytest.fixture(autouse=True)
def clean(request):
    if "peer" in request.fixturenames:
        request.getfixturevalue("peer").control("reset", {})
    yield


# ---- information endpoints ----

def test_prints_its_port_and_serves_the_root(peer):
    status, response, body = peer.call("GET", "/")
    assert status == 200 and body == b""


def test_about_and_version(peer):
    status, _, about = peer.call("GET", "/about")
    assert status == 200
    assert list(about) == ["version", "homepage", "source_code", "maintainer"]
    assert about["version"] == "1.13.1"
    status, response, text = peer.call("GET", "/version")
    assert (status, text) == (200, b"1.13.1")
    assert response.getheader("Content-Type").startswith("text/plain")


def test_statuses_are_judge0s(peer):
    status, _, statuses = peer.call("GET", "/statuses")
    assert status == 200
    assert [s["id"] for s in statuses] == list(range(1, 15))
    assert statuses[10] == {"id": 11, "description": "Runtime Error (NZEC)"}
    assert statuses[12] == {"id": 13, "description": "Internal Error"}
    assert statuses[0]["description"] == "In Queue" and statuses[13]["description"] == "Exec Format Error"


def test_languages(peer):
    status, _, languages = peer.call("GET", "/languages")
    assert status == 200
    assert [language["id"] for language in languages] == ACTIVE_ORDER
    assert len(languages) == 47
    by_id = {language["id"]: language for language in languages}
    assert by_id[50] == {"id": 50, "name": "C (GCC 9.2.0)"}
    assert by_id[71] == {"id": 71, "name": "Python (3.8.1)"}
    status, _, python = peer.call("GET", "/languages/71")
    assert python == {"id": 71, "name": "Python (3.8.1)", "is_archived": False, "source_file": "script.py",
                      "compile_cmd": None, "run_cmd": "/usr/local/python-3.8.1/bin/python3 script.py"}
    status, _, every = peer.call("GET", "/languages/all")
    assert len(every) == 47 + 42
    assert {"id": 4, "name": "C (gcc 7.2.0)", "is_archived": True} in every
    assert peer.call("GET", "/languages/999")[0] == 404


def test_config_info_keys_and_defaults(peer):
    status, _, config = peer.call("GET", "/config_info")
    assert status == 200
    assert list(config) == [key for key, _ in CONFIG_INFO]
    assert config["max_queue_size"] == 100
    assert config["max_submission_batch_size"] == 20
    assert config["cpu_time_limit"] == 5.0 and config["memory_limit"] == 128000


def test_system_info_workers_and_statistics(peer):
    status, _, info = peer.call("GET", "/system_info")
    assert status == 200 and isinstance(info, dict) and "CPU(s)" in info
    assert all(isinstance(v, str) for v in info.values())
    status, _, workers = peer.call("GET", "/workers")
    assert status == 200
    assert list(workers[0]) == ["queue", "size", "available", "idle", "working", "paused", "failed"]
    assert workers[0]["queue"] == "1.13.1"
    assert peer.call("GET", "/statistics")[0] == 200


def test_unknown_route_and_token(peer):
    assert peer.call("GET", "/nope")[0] == 404
    status, _, body = peer.call("GET", "/submissions/%s" % uuid.uuid4())
    assert (status, body) == (404, b"")


# ---- authentication ----

@pytest.fixture(scope="module")
def guarded():
    p = Peer("--auth-token", "s3cret", "--cache-duration", "0")
    yield p
    p.close()


def test_auth_token_required(guarded):
    status, response, body = guarded.call("GET", "/about")
    assert (status, body) == (401, b"")
    assert guarded.call("GET", "/about", headers={"X-Auth-Token": "wrong"})[0] == 401
    assert guarded.call("GET", "/about", headers={"X-Auth-Token": "s3cret"})[0] == 200
    assert guarded.call("GET", "/about?X-Auth-Token=s3cret")[0] == 200
    assert guarded.call("POST", "/authenticate", headers={"X-Auth-Token": "s3cret"})[0] == 200
    assert guarded.call("POST", "/authenticate")[0] == 401
    # the root page is not behind authentication
    assert guarded.call("GET", "/")[0] == 200
    # submissions too
    status, _, _ = guarded.call("POST", "/submissions?base64_encoded=true", {"source_code": b64("x"),
                                                                             "language_id": 43})
    assert status == 401


def test_authorization_endpoints_are_forbidden_by_default(peer):
    assert peer.call("GET", "/submissions")[0] == 403
    assert peer.call("DELETE", "/submissions/%s" % uuid.uuid4())[0] == 403
    assert peer.call("POST", "/authorize")[0] == 403


# ---- creating and reading submissions ----

def test_create_returns_a_uuid4_token(peer):
    token = peer.submit("hello, Judge0\n")
    assert uuid.UUID(token).version == 4
    assert str(uuid.UUID(token)) == token


def test_in_queue_then_processing_then_final(peer):
    peer.control("workers", {"state": "paused"})
    token = peer.submit("hello\n")
    data = peer.get(token, "base64_encoded=true&fields=*")
    assert data["status"] == {"id": 1, "description": "In Queue"}
    for field in ("stdout", "time", "memory", "stderr", "exit_code", "finished_at", "wall_time"):
        assert data[field] is None, field
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", data["created_at"])

    peer.control("workers", {"state": "hold"})
    peer.wait_status(token, 2)
    assert peer.get(token)["status"] == {"id": 2, "description": "Processing"}

    peer.control("workers", {"state": "running"})
    final = peer.wait_final(token)
    assert final["status"] == {"id": 3, "description": "Accepted"}
    assert unb64(final["stdout"]) == b"hello\n"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", final["finished_at"])


def test_default_fields_in_column_order(peer):
    token = peer.submit("hi\n")
    peer.wait_final(token)
    data = peer.get(token)
    assert list(data) == DEFAULT_ORDER
    assert data["token"] == token


def test_all_fields_in_column_order_and_types(peer):
    token = peer.submit("hi\n", stdin="in\n", expected_output="hi\n")
    data = peer.wait_final(token)
    assert list(data) == ALL_FIELDS
    assert DECIMAL.match(data["time"]) and DECIMAL.match(data["wall_time"])
    assert isinstance(data["memory"], int)
    assert (data["cpu_time_limit"], data["cpu_extra_time"], data["wall_time_limit"]) == ("5.0", "1.0", "10.0")
    assert (data["memory_limit"], data["stack_limit"], data["max_file_size"]) == (128000, 64000, 1024)
    assert data["max_processes_and_or_threads"] == 60 and data["number_of_runs"] == 1
    assert data["language"] == {"id": 43, "name": "Plain Text"}
    assert data["status_id"] == 3 and data["exit_code"] == 0 and data["exit_signal"] is None
    assert data["stderr"] is None and data["compile_output"] is None and data["message"] is None
    assert unb64(data["stdin"]) == b"in\n"
    assert data["enable_network"] is False


def test_requested_fields_follow_column_order_not_request_order(peer):
    token = peer.submit("hi\n")
    peer.wait_final(token)
    data = peer.get(token, "base64_encoded=true&fields=status,token,time")
    assert list(data) == ["time", "token", "status"]


def test_unknown_fields_are_rejected(peer):
    token = peer.submit("hi\n")
    status, _, body = peer.call("GET", "/submissions/%s?fields=foo,status,bar" % token)
    assert (status, body) == (400, {"error": "invalid fields: [foo, bar]"})


def test_base64_is_written_like_ruby_encode64(peer):
    token = peer.submit("hello, Judge0\n")
    assert peer.wait_final(token)["stdout"] == "aGVsbG8sIEp1ZGdlMAo=\n"
    text = "".join(chr(ord("a") + i % 26) for i in range(200)) + "\n"
    data = peer.wait_final(peer.submit(text))
    lines = data["stdout"].split("\n")
    assert lines[-1] == ""  # a trailing newline
    assert all(len(line) == 60 for line in lines[:-2]) and 0 < len(lines[-2]) <= 60
    assert unb64(data["stdout"]) == text.encode()


def test_base64_input_is_decoded_leniently(peer):
    body = {"source_code": "aGVs\nbG8K!!", "language_id": 43}  # a line break and junk, as decode64 allows
    status, _, data = peer.call("POST", "/submissions?base64_encoded=true", body)
    assert status == 201
    assert unb64(peer.wait_final(data["token"])["stdout"]) == b"hello\n"


def test_plain_text_mode_refuses_non_ascii_output(peer):
    token = peer.submit("caf\u00e9\n")
    peer.wait_final(token)
    status, _, body = peer.call("GET", "/submissions/%s" % token)
    assert status == 400
    assert body == {"error": "some attributes for this submission cannot be converted to UTF-8, "
                             "use base64_encoded=true query parameter"}
    status, _, body = peer.call("GET", "/submissions/batch?tokens=%s" % token)
    assert status == 400 and "one or more submissions" in body["error"]
    # plain ASCII is fine without base64
    ascii_token = peer.submit("plain\n")
    peer.wait_final(ascii_token)
    assert peer.get(ascii_token, "")["stdout"] == "plain\n"


def test_expected_output_is_compared_like_judge0(peer):
    accepted = peer.submit("1 2\n3  \n\n", expected_output="1 2\n3")
    wrong = peer.submit("1 2\n", expected_output="1 3\n")
    leading = peer.submit(" 1\n", expected_output="1\n")  # leading whitespace matters to Judge0
    assert peer.wait_final(accepted)["status"] == {"id": 3, "description": "Accepted"}
    assert peer.wait_final(wrong)["status"] == {"id": 4, "description": "Wrong Answer"}
    assert peer.wait_final(leading)["status"]["id"] == 4


def test_wait_true_answers_with_the_result(peer):
    data = peer.submit("now\n", query="base64_encoded=true&wait=true")
    assert list(data) == DEFAULT_ORDER
    assert data["status"]["id"] == 3 and unb64(data["stdout"]) == b"now\n"


def test_wait_not_allowed():
    p = Peer("--no-wait")
    try:
        status, _, body = p.call("POST", "/submissions?base64_encoded=true&wait=true",
                                 {"source_code": b64("x"), "language_id": 43})
        assert (status, body) == (400, {"error": "wait not allowed"})
    finally:
        p.close()


# ---- validation ----

def test_422_unknown_and_archived_language(peer):
    status, _, body = peer.call("POST", "/submissions?base64_encoded=true",
                                {"source_code": b64("x"), "language_id": 150000})
    assert (status, body) == (422, {"language_id": ["language with id 150000 doesn't exist"]})
    status, _, body = peer.call("POST", "/submissions?base64_encoded=true",
                                {"source_code": b64("x"), "language_id": 4})
    assert (status, body) == (422, {"language_id": ["language with id 4 is archived and cannot be used anymore"]})


def test_422_missing_fields(peer):
    status, _, body = peer.call("POST", "/submissions", {"stdin": "x"})
    assert status == 422
    assert body == {"source_code": ["can't be blank"],
                    "language_id": ["can't be blank", "language with id  doesn't exist"]}
    # without Content-Type: application/json Rails sees no parameters at all
    status, _, body = peer.call("POST", "/submissions", b'{"source_code":"x","language_id":43}')
    assert status == 422 and set(body) == {"source_code", "language_id"}


def test_422_limits(peer):
    cases = [
        ({"cpu_time_limit": 16}, {"cpu_time_limit": ["must be less than or equal to 15.0"]}),
        ({"cpu_time_limit": -1}, {"cpu_time_limit": ["must be greater than or equal to 0"]}),
        ({"wall_time_limit": 0.5}, {"wall_time_limit": ["must be greater than or equal to 1"]}),
        ({"memory_limit": 1000}, {"memory_limit": ["must be greater than or equal to 2048"]}),
        ({"memory_limit": 600000}, {"memory_limit": ["must be less than or equal to 512000"]}),
        ({"number_of_runs": 0}, {"number_of_runs": ["must be greater than 0"]}),
        ({"max_processes_and_or_threads": 121}, {"max_processes_and_or_threads": ["must be less than or equal to 120"]}),
        ({"cpu_time_limit": "abc"}, {"cpu_time_limit": ["is not a number"]}),
        ({"command_line_arguments": "x" * 513}, {"command_line_arguments": ["is too long (maximum is 512 characters)"]}),
        ({"compiler_options": "-O2"}, {"compiler_options": ["setting compiler options is only allowed for compiled languages"]}),
    ]
    for extra, errors in cases:
        body = {"source_code": b64("x"), "language_id": 43}
        body.update(extra)
        status, _, answer = peer.call("POST", "/submissions?base64_encoded=true", body)
        assert (status, answer) == (422, errors), extra


def test_numbers_as_strings_are_cast(peer):
    token = peer.submit("x\n", language_id="43", cpu_time_limit="2.5", memory_limit="64000")
    data = peer.wait_final(token)
    assert (data["cpu_time_limit"], data["memory_limit"], data["language_id"]) == ("2.5", 64000, 43)


def test_malformed_json_is_400(peer):
    status, _, body = peer.call("POST", "/submissions", b"{not json", {"Content-Type": "application/json"})
    assert status == 400 and body == b""


# ---- batches ----

def test_batch_create_and_get(peer):
    items = [{"source_code": b64("out %d\n" % i), "language_id": 43} for i in range(3)]
    status, _, created = peer.call("POST", "/submissions/batch?base64_encoded=true", {"submissions": items})
    assert status == 201 and len(created) == 3 and all(list(c) == ["token"] for c in created)
    tokens = [c["token"] for c in created]
    for token in tokens:
        peer.wait_final(token)
    unknown = str(uuid.uuid4())
    status, _, body = peer.call("GET", "/submissions/batch?base64_encoded=true&tokens=%s" % ",".join(
        tokens[:2] + [unknown] + tokens[2:]))
    assert status == 200 and list(body) == ["submissions"]
    got = body["submissions"]
    assert got[2] is None
    assert [unb64(s["stdout"]) for s in got if s] == [b"out 0\n", b"out 1\n", b"out 2\n"]
    assert list(got[0]) == DEFAULT_ORDER
    # tokens from a header, with fields
    status, _, body = peer.call("GET", "/submissions/batch?fields=status_id", headers={"tokens": tokens[0]})
    assert body == {"submissions": [{"status_id": 3}]}


def test_batch_positional_errors(peer):
    items = [{"source_code": b64("ok\n"), "language_id": 43},
             {"source_code": b64("x"), "language_id": 123456789},
             {"language_id": 43}]
    status, _, created = peer.call("POST", "/submissions/batch?base64_encoded=true", {"submissions": items})
    assert status == 201
    assert list(created[0]) == ["token"]
    assert created[1] == {"language_id": ["language with id 123456789 doesn't exist"]}
    assert created[2] == {"source_code": ["can't be blank"]}
    status, _, created = peer.call("POST", "/submissions/batch?base64_encoded=true", {"submissions": items[1:]})
    assert status == 422
    assert created == [{"language_id": ["language with id 123456789 doesn't exist"]},
                       {"source_code": ["can't be blank"]}]


def test_batch_limits(peer):
    one = {"source_code": b64("x"), "language_id": 43}
    status, _, body = peer.call("POST", "/submissions/batch", {"submissions": [one] * 21})
    assert (status, body) == (400, {"error": "number of submissions in a batch should be less than or equal to 20"})
    status, _, body = peer.call("POST", "/submissions/batch", {"submissions": []})
    assert (status, body) == (400, {"error": "there should be at least one submission in a batch"})
    status, _, body = peer.call("GET", "/submissions/batch?tokens=" + ",".join(str(uuid.uuid4()) for _ in range(21)))
    assert (status, body) == (400, {"error": "number of submissions in a batch should be less than or equal to 20"})
    status, _, body = peer.call("GET", "/submissions/batch?tokens=")
    assert (status, body) == (400, {"error": "there should be at least one submission in a batch"})
    status, _, created = peer.call("POST", "/submissions/batch", {"submissions": [one] * 20})
    assert status == 201 and len(created) == 20


def test_queue_full_is_503(peer):
    peer.control("workers", {"state": "paused"})
    peer.control("config", {"max_queue_size": 2})
    try:
        peer.submit("a")
        peer.submit("b")
        status, _, body = peer.call("POST", "/submissions?base64_encoded=true",
                                    {"source_code": b64("c"), "language_id": 43})
        assert (status, body) == (503, {"error": "queue is full"})
        # a batch counts as a whole
        peer.control("config", {"max_queue_size": 3})
        one = {"source_code": b64("x"), "language_id": 43}
        status, _, body = peer.call("POST", "/submissions/batch", {"submissions": [one, one]})
        assert (status, body) == (503, {"error": "queue is full"})
    finally:
        peer.control("config", {"max_queue_size": 100})


# ---- faults on demand ----

def test_mode_503_for_a_number_of_requests(peer):
    peer.control("mode", {"mode": "503", "count": 2})
    for _ in range(2):
        status, _, body = peer.call("GET", "/about")
        assert (status, body) == (503, {"error": "queue is full"})
    assert peer.call("GET", "/about")[0] == 200
    assert peer.call("GET", "/_peer/state")[2]["faults_served"] == 2


def test_mode_garbage(peer):
    peer.control("mode", {"mode": "garbage", "count": 1})
    status, _, body = peer.call("GET", "/submissions/batch?tokens=x", raw=True)
    assert status == 200
    with pytest.raises(ValueError):
        json.loads(body)
    assert peer.call("GET", "/about")[0] == 200


def test_mode_stall_until_released(peer):
    peer.control("mode", {"mode": "stall"})
    with pytest.raises(socket.timeout):
        peer.call("GET", "/about", timeout=1)
    # a stalled client does not block the control endpoint, and releasing restores service
    peer.control("mode", {"mode": "normal"})
    assert peer.call("GET", "/about")[0] == 200


def test_mode_down_closes_without_an_answer(peer):
    peer.control("mode", {"mode": "down", "count": 1})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        peer.call("GET", "/about")
    assert peer.call("GET", "/about")[0] == 200


def test_mode_401_refuses_every_token():
    p = Peer("--auth-token", "good")
    try:
        assert p.call("GET", "/about", headers={"X-Auth-Token": "good"})[0] == 200
        p.control("mode", {"mode": "401"})
        status, response, body = p.call("GET", "/about", headers={"X-Auth-Token": "good"})
        assert (status, body, response.getheader("Content-Type")) == (401, b"", "text/html")
        p.control("mode", {"mode": "normal"})
        assert p.call("GET", "/about", headers={"X-Auth-Token": "good"})[0] == 200
    finally:
        p.close()


def test_forget_makes_every_token_unknown(peer):
    peer.control("workers", {"state": "paused"})
    token = peer.submit("a")
    peer.control("forget", {})
    assert peer.call("GET", "/submissions/%s" % token)[0] == 404
    status, _, body = peer.call("GET", "/submissions/batch?tokens=%s" % token)
    assert (status, body) == (200, {"submissions": [None]})
    assert peer.call("GET", "/_peer/state")[2]["queued"] == 0


def test_lose_queue_leaves_tokens_in_queue_for_ever(peer):
    peer.control("workers", {"state": "paused"})
    token = peer.submit("a")
    peer.control("lose-queue", {})
    peer.control("workers", {"state": "running"})
    status, _, body = peer.call("GET", "/submissions/%s?fields=status_id" % token)
    assert (status, body) == (200, {"status_id": 1})
    assert peer.call("GET", "/workers")[2][0]["size"] == 0


def test_control_rejects_bad_modes(peer):
    assert peer.call("POST", "/_peer/mode", {"mode": "explode"})[0] == 400
    assert peer.call("POST", "/_peer/mode", {"mode": "503", "count": -1})[0] == 400
    assert peer.call("POST", "/_peer/workers", {"state": "sleepy"})[0] == 400


def test_fault_flags_at_start():
    p = Peer("--mode", "503", "--mode-count", "1")
    try:
        assert p.call("GET", "/about")[0] == 503
        assert p.call("GET", "/about")[0] == 200
    finally:
        p.close()


def test_requests_are_recorded(peer):
    peer.call("GET", "/about", headers={"X-Auth-Token": "t"})
    status, _, seen = peer.call("GET", "/_peer/requests")
    assert status == 200
    assert seen[-1]["path"] == "/about" and seen[-1]["auth"] is True


# ---- callbacks ----

def test_callback_is_a_put_with_base64_default_fields(peer):
    received = []

    class Sink(BaseHTTPRequestHandler):
        def do_PUT(self):
            received.append((self.command, self.headers.get("Content-Type"),
                             self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    sink = HTTPServer(("127.0.0.1", 0), Sink)
    thread = threading.Thread(target=sink.handle_request, daemon=True)
    thread.start()
    try:
        token = peer.submit("called\n", callback_url="http://127.0.0.1:%d/cb" % sink.server_address[1])
        thread.join(WAIT_LIMIT)
        assert received, "no callback arrived"
        method, content_type, body = received[0]
        data = json.loads(body)
        assert method == "PUT" and content_type == "application/json"
        assert list(data) == DEFAULT_ORDER and data["token"] == token
        assert data["stdout"] == b64("called\n") + "\n"
    finally:
        sink.server_close()


# ---- real programs through the sandbox CLI ----

C_SUM = "#include <stdio.h>\nint main(void){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a+b);return 0;}\n"


@needs_sandbox
def test_c_accepted_and_wrong_answer(peer):
    ok = peer.submit(C_SUM, 50, stdin="2 3\n", expected_output="5\n")
    wrong = peer.submit(C_SUM, 50, stdin="2 3\n", expected_output="6\n")
    data = peer.wait_final(ok)
    assert data["status"] == {"id": 3, "description": "Accepted"}
    assert unb64(data["stdout"]) == b"5\n"
    assert DECIMAL.match(data["time"]) and isinstance(data["memory"], int) and data["memory"] > 0
    assert data["exit_code"] == 0 and data["exit_signal"] is None
    assert peer.wait_final(wrong)["status"] == {"id": 4, "description": "Wrong Answer"}


@needs_sandbox
def test_python_accepted(peer):
    data = peer.wait_final(peer.submit("print(sum(map(int, input().split())))\n", 71, stdin="40 2\n",
                                       expected_output="42\n"))
    assert data["status"]["id"] == 3 and unb64(data["stdout"]) == b"42\n"


@needs_sandbox
def test_c_segfault_is_nzec_139(peer):
    data = peer.wait_final(peer.submit("int main(void){volatile int *p=0;*p=1;return 0;}\n", 50))
    assert data["status"] == {"id": 11, "description": "Runtime Error (NZEC)"}
    assert data["exit_code"] == 139 and data["exit_signal"] is None
    assert unb64(data["message"]) == b"Exited with error status 139"
    assert b"Segmentation fault" in unb64(data["stderr"])


@needs_sandbox
def test_python_exception_is_nzec_1(peer):
    data = peer.wait_final(peer.submit("raise ValueError('boom')\n", 71))
    assert data["status"]["id"] == 11 and data["exit_code"] == 1
    assert b"ValueError: boom" in unb64(data["stderr"])


@needs_sandbox
def test_c_time_limit(peer):
    data = peer.wait_final(peer.submit("int main(void){for(;;);}\n", 50, cpu_time_limit=1))
    assert data["status"] == {"id": 5, "description": "Time Limit Exceeded"}
    assert data["exit_code"] == 0
    assert unb64(data["message"]).startswith(b"Time limit exceeded")


@needs_sandbox
def test_c_compilation_error(peer):
    data = peer.wait_final(peer.submit("int main(void){ retrn 0; }\n", 50))
    assert data["status"] == {"id": 6, "description": "Compilation Error"}
    assert b"retrn" in unb64(data["compile_output"])
    assert data["time"] is None and data["memory"] is None and data["stdout"] is None
    assert data["exit_code"] is None


@needs_sandbox
def test_memory_hog_is_nzec_137_at_the_limit(peer):
    hog = ("#include <stdlib.h>\n#include <string.h>\nint main(void){for(;;){char *p=malloc(1<<20);"
           "if(!p)return 3;memset(p,1,1<<20);}}\n")
    data = peer.wait_final(peer.submit(hog, 50, memory_limit=65536))
    assert data["status"]["id"] == 11 and data["exit_code"] == 137
    assert data["memory"] == 65536


@needs_sandbox
def test_batch_of_c_tests(peer):
    cases = [("1 2\n", "3\n"), ("-5 5\n", "0\n"), ("9000000000 1\n", "9000000001\n"), ("1 1\n", "3\n")]
    items = [{"source_code": b64(C_SUM), "language_id": 50, "stdin": b64(i), "expected_output": b64(o)}
             for i, o in cases]
    status, _, created = peer.call("POST", "/submissions/batch?base64_encoded=true", {"submissions": items})
    assert status == 201
    results = [peer.wait_final(c["token"])["status"]["id"] for c in created]
    assert results == [3, 3, 3, 4]


def test_missing_sandbox_is_internal_error(tmp_path):
    p = Peer("--sandbox", str(tmp_path / "no-such-sandbox"), "--cache-duration", "0")
    try:
        data = p.wait_final(p.submit("int main(void){return 0;}\n", 50))
        assert data["status"] == {"id": 13, "description": "Internal Error"}
        assert b"no-such-sandbox" in unb64(data["message"])
    finally:
        p.close()


# ---- helpers used by the peer, checked directly ----

def test_encode64_matches_ruby():
    assert judge0_peer.encode64(b"hello, Judge0\n") == "aGVsbG8sIEp1ZGdlMAo=\n"
    assert judge0_peer.encode64(b"") == ""
    assert judge0_peer.encode64(b"x" * 45) == base64.b64encode(b"x" * 45).decode() + "\n"
    assert judge0_peer.encode64(b"x" * 46).count("\n") == 2


def test_decimal_strings():
    assert [judge0_peer.decimal_string(v) for v in (0.002, 0.01, 0.17, 5.073, 5, 0, 1.0)] == \
        ["0.002", "0.01", "0.17", "5.073", "5.0", "0.0", "1.0"]


def test_judge0_strip():
    strip = judge0_peer.judge0_strip
    assert strip(b"a  \nb\t\r\n\n\n") == b"a\nb"
    assert strip(b" a") == b" a"
    assert strip(None) is None
    # "" expected vs no output (nil) is a Wrong Answer in 1.13
    assert strip(b"") != strip(None)

