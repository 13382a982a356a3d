#!/usr/bin/python3
"""A Judge0 CE 1.13.1 API peer for tests (Python 3 standard library only).

Follows /work/shared/reference/judge0-api.md (in the repo: the Judge0 facts the judge-worker relies on):
status ids and descriptions, string decimals ("0.002"), base64 written the way Ruby's Base64.encode64
writes it (a line break after every 60 characters and at the end) and read leniently, null for empty
text, the default and `*` field sets in column order, 400/401/403/404/422/503 bodies, batches of at most
20 with positional results and nulls, In Queue -> Processing -> final, callbacks (PUT, base64, default
fields, 3 tries).

It really runs programs: each run goes through our sandbox CLI
    solveit-sandbox run --language ID --source FILE [--stdin FILE] --time-limit S --memory-limit KB
($SOLVEIT_SANDBOX_BIN, default <repo>/judge-worker/sandbox/solveit-sandbox), and the sandbox's answer is
reported the way Judge0 1.13 reports it (§3.5): a fatal signal n is status 11 with exit_code 128+n, an
OOM kill is status 11 with exit_code 137 and memory == memory_limit, a timeout is status 5 with
exit_code 0, and the output is compared with expected_output by Judge0's own rule (3 vs 4). Language 43
"Plain Text" (`cat` of the source) is answered without the sandbox, as it runs no code; tests of the
protocol use it. Where the sandbox is missing or fails, the submission ends in 13 Internal Error, as a
broken Judge0 worker would.

Known simplifications: compiler_options, command_line_arguments, enable_network, stack_limit,
max_processes_and_or_threads, max_file_size and wall_time_limit are validated and echoed but not passed to
the sandbox (its CLI takes only CPU time and memory); redirect_stderr_to_stdout appends stderr after
stdout; /statistics and /system_info have Judge0's shape with this machine's numbers.

Fault injection, for the worker's tests: POST /_peer/mode {"mode": "503"|"stall"|"garbage"|"down"|"401"|
"normal", "count": N} makes the next N API requests (all of them when count is 0 or absent) answer
503 {"error":"queue is full"}, hang without an answer, answer 200 with a body that is not JSON, close the
connection without an answer (a Judge0 that is down behind its address), or answer 401 with Judge0's empty
body (its AUTHN_TOKEN changed). POST /_peer/forget drops every submission and the queue, as a Judge0
restarted with a fresh database does (its tokens are then unknown: 404, null in a batch); POST
/_peer/lose-queue drops only the queue, as a Judge0 whose Redis lost its jobs does (the submissions stay
In Queue for ever, and /workers says the queue is empty).
POST /_peer/workers {"state": "paused"|"hold"|"running"} stops taking submissions off the queue (they
stay In Queue), takes them but holds them in Processing, or runs them. POST /_peer/config
{"max_queue_size": N, "cache_duration": S}; GET /_peer/state; GET /_peer/requests (the last requests
seen: method, path, query, the auth header's presence, body size); POST /_peer/reset. The same settings
exist as flags (--help). /_peer/* needs no token.

Prints the port it listens on (one line, the number only) to stdout when ready; logs go to stderr.
"""

import argparse
import base64
import collections
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge0_languages import (  # noqa: E402
    ACTIVE, ACTIVE_ORDER, ALL_FIELDS, ARCHIVED, BASE64_FIELDS, CONFIG_INFO, DEFAULT_FIELDS, STATUSES)

VERSION = "1.13.1"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SANDBOX = os.path.join(REPO, "judge-worker", "sandbox", "solveit-sandbox")
MAX_BATCH = 20
UTF8_ERROR_ONE = ("some attributes for this submission cannot be converted to UTF-8, "
                  "use base64_encoded=true query parameter")
UTF8_ERROR_MANY = ("some attributes for one or more submissions cannot be converted to UTF-8, "
                   "use base64_encoded=true query parameter")
BATCH_TOO_BIG = "number of submissions in a batch should be less than or equal to %d" % MAX_BATCH
BATCH_EMPTY = "there should be at least one submission in a batch"
GARBAGE = b'{"submissions":[{"token":\x00\xff\xfe<html>garbage</html>'
FAULT_MODES = ("normal", "503", "stall", "garbage", "down", "401")
WORKER_STATES = ("running", "paused", "hold")

# Limits: attribute -> (default, kind, minimum, minimum inclusive, maximum, printed maximum).
LIMITS = {
    "cpu_time_limit": (5.0, float, 0, True, 15.0, "15.0"),
    "cpu_extra_time": (1.0, float, 0, True, 5.0, "5.0"),
    "wall_time_limit": (10.0, float, 1, True, 20.0, "20.0"),
    "memory_limit": (128000, int, 2048, True, 512000, "512000"),
    "stack_limit": (64000, int, 0, True, 128000, "128000"),
    "max_processes_and_or_threads": (60, int, 0, False, 120, "120"),
    "max_file_size": (1024, int, 0, True, 4096, "4096"),
    "number_of_runs": (1, int, 0, False, 20, "20"),
}
BOOLEANS = {
    "enable_per_process_and_thread_time_limit": False,
    "enable_per_process_and_thread_memory_limit": False,
    "redirect_stderr_to_stdout": False,
    "enable_network": False,
}


class Utf8Error(Exception):
    pass


def log(fmt, *args):
    sys.stderr.write("judge0-peer: " + (fmt % args if args else fmt) + "\n")
    sys.stderr.flush()


def now_iso():
    """ISO 8601 with milliseconds and Z, as Rails writes created_at."""
    stamp = datetime.now(timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (stamp.microsecond // 1000)


def encode64(data):
    """Ruby Base64.encode64: a newline after every 60 characters and at the end; "" stays ""."""
    if data is None:
        return None
    text = base64.b64encode(data).decode("ascii")
    return "".join(text[i:i + 60] + "\n" for i in range(0, len(text), 60))


def decode64(text):
    """Ruby Base64.decode64: characters outside the alphabet are ignored, bad padding never fails."""
    clean = re.sub(r"[^A-Za-z0-9+/=]", "", text).split("=", 1)[0]
    if len(clean) % 4 == 1:
        clean = clean[:-1]
    return base64.b64decode(clean + "=" * (-len(clean) % 4))


def decimal_string(value):
    """Rails BigDecimal#to_s of a value with millisecond precision: 0.002 -> "0.002", 5 -> "5.0"."""
    if value is None:
        return None
    text = ("%.3f" % value).rstrip("0")
    return text + "0" if text.endswith(".") else text


def judge0_strip(data):
    """t.split("\\n").map(&:rstrip).join("\\n").rstrip; nil stays nil."""
    if data is None:
        return None
    ruby_space = b" \t\r\n\f\v\0"
    return b"\n".join(line.rstrip(ruby_space) for line in data.split(b"\n")).rstrip(ruby_space)


def cast_bool(value, default):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "t", "yes", "y", "on")


def ruby_to_i(value):
    """ActiveModel's integer cast of a request value (leading digits, else nothing)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    match = re.match(r"\s*([+-]?\d+)", str(value))
    return int(match.group(1)) if match else 0


class Peer:
    def __init__(self, args):
        self.args = args
        self.auth_tokens = set(args.auth_token or [])
        self.authz_tokens = set(args.authz_token or [])
        self.sandbox = args.sandbox
        self.max_queue_size = args.max_queue_size
        self.cache_duration = args.cache_duration
        self.enable_wait = not args.no_wait
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stop = threading.Event()
        self.submissions = {}  # token -> dict, insertion ordered
        self.queue = collections.deque()
        self.worker_state = args.workers_state
        self.workers_busy = 0
        self.mode = args.mode
        self.mode_count = args.mode_count
        self.mode_generation = 0
        self.faults_served = 0
        self.cache = {}
        self.requests = collections.deque(maxlen=1000)
        self.threads = [threading.Thread(target=self.worker_loop, name="worker-%d" % i, daemon=True)
                        for i in range(args.workers)]
        for thread in self.threads:
            thread.start()

    # ---- faults and control ----

    def take_fault(self):
        """The fault this request gets ("503", "stall", "garbage") or None."""
        with self.lock:
            if self.mode == "normal":
                return None, 0
            mode, generation = self.mode, self.mode_generation
            self.faults_served += 1
            if self.mode_count > 0:
                self.mode_count -= 1
                if self.mode_count == 0:
                    self.mode = "normal"
                    self.mode_generation += 1
            return mode, generation

    def set_mode(self, mode, count):
        with self.lock:
            self.mode = mode
            self.mode_count = count if mode != "normal" else 0
            self.mode_generation += 1

    def set_worker_state(self, state):
        with self.cond:
            self.worker_state = state
            self.cond.notify_all()

    def state(self):
        with self.lock:
            statuses = collections.Counter(sub["status_id"] for sub in self.submissions.values())
            return {
                "mode": self.mode, "count": self.mode_count, "faults_served": self.faults_served,
                "workers": self.worker_state, "worker_threads": len(self.threads), "busy": self.workers_busy,
                "queued": len(self.queue), "max_queue_size": self.max_queue_size,
                "cache_duration": self.cache_duration, "submissions": len(self.submissions),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "sandbox": self.sandbox, "sandbox_exists": os.access(self.sandbox, os.X_OK),
            }

    def reset(self):
        with self.cond:
            self.submissions.clear()
            self.queue.clear()
            self.cache.clear()
            self.requests.clear()
            self.mode, self.mode_count, self.faults_served = "normal", 0, 0
            self.mode_generation += 1
            self.worker_state = "running"
            self.cond.notify_all()

    def forget(self):
        """A restart with a fresh database: every token unknown, nothing queued."""
        with self.cond:
            self.submissions.clear()
            self.queue.clear()
            self.cache.clear()

    def lose_queue(self):
        """The queue's jobs lost (Redis flushed): the submissions stay In Queue, never taken."""
        with self.cond:
            self.queue.clear()

    # ---- submissions ----

    def validate(self, params, b64):
        """A new submission from request params, or an errors hash {field: [messages]}."""
        errors = collections.OrderedDict()

        def add(field, message):
            errors.setdefault(field, []).append(message)

        def text(name):
            value = params.get(name)
            if value is None:
                return None
            if not isinstance(value, str):
                value = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
            return decode64(value) if b64 else value.encode("utf-8")

        sub = {"token": str(uuid.uuid4()), "status_id": 1, "created_at": now_iso(), "finished_at": None,
               "time": None, "wall_time": None, "memory": None, "stdout": None, "stderr": None,
               "compile_output": None, "exit_code": None, "exit_signal": None, "message": None}
        raw_language = params.get("language_id")
        language_id = None if raw_language in (None, "") else ruby_to_i(raw_language)
        sub["language_id"] = language_id
        sub["source_code"] = text("source_code")
        sub["stdin"] = text("stdin")
        sub["expected_output"] = text("expected_output")

        if language_id != 89 and (sub["source_code"] is None or not sub["source_code"].strip()):
            add("source_code", "can't be blank")
        if language_id is None:
            add("language_id", "can't be blank")
        if language_id not in ACTIVE:
            if language_id in ARCHIVED:
                add("language_id", "language with id %d is archived and cannot be used anymore" % language_id)
            else:
                add("language_id", "language with id %s doesn't exist" % ("" if raw_language is None
                                                                           else raw_language))

        for name, (default, kind, low, low_inclusive, high, high_text) in LIMITS.items():
            value = params.get(name)
            if value is None or value == "":
                sub[name] = default
                continue
            try:
                number = float(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None or number != number:
                add(name, "is not a number")
                sub[name] = default
                continue
            if low_inclusive and number < low:
                add(name, "must be greater than or equal to %s" % low)
            elif not low_inclusive and number <= low:
                add(name, "must be greater than %s" % low)
            elif number > high:
                add(name, "must be less than or equal to %s" % high_text)
            sub[name] = kind(number)

        for name, default in BOOLEANS.items():
            sub[name] = cast_bool(params.get(name), default)

        for name in ("compiler_options", "command_line_arguments"):
            value = params.get(name)
            value = None if value is None else str(value)
            if value is not None and len(value) > 512:
                add(name, "is too long (maximum is 512 characters)")
            sub[name] = value
        if sub["compiler_options"] and language_id in ACTIVE and ACTIVE[language_id][2] is None:
            add("compiler_options", "setting compiler options is only allowed for compiled languages")
        callback = params.get("callback_url")
        sub["callback_url"] = None if callback in (None, "") else str(callback)
        files = params.get("additional_files")
        sub["additional_files"] = None if files in (None, "") else str(files)
        if language_id == 89 and sub["additional_files"] is None:
            add("additional_files", "can't be blank")
        return (None, errors) if errors else (sub, None)

    def queue_full(self, count):
        with self.lock:
            return len(self.queue) + count > self.max_queue_size

    def enqueue(self, subs):
        with self.cond:
            for sub in subs:
                self.submissions[sub["token"]] = sub
                self.queue.append(sub["token"])
            self.cond.notify_all()

    def register(self, sub):
        with self.lock:
            self.submissions[sub["token"]] = sub

    def find(self, token):
        with self.lock:
            sub = self.submissions.get(token)
            return dict(sub) if sub else None

    def worker_loop(self):
        while not self.stop.is_set():
            with self.cond:
                while not self.stop.is_set() and (self.worker_state == "paused" or not self.queue):
                    self.cond.wait(0.5)
                if self.stop.is_set():
                    return
                sub = self.submissions.get(self.queue.popleft())
                if sub is None:
                    continue
                sub["status_id"] = 2
                self.workers_busy += 1
                while self.worker_state == "hold" and not self.stop.is_set():
                    self.cond.wait(0.5)
            try:
                self.execute(sub)
            finally:
                with self.lock:
                    self.workers_busy -= 1

    def execute(self, sub):
        """Runs a submission (already Processing) to its final state, then fires the callback."""
        with self.lock:
            sub["status_id"] = 2
            job = dict(sub)
        try:
            result = self.run_all(job)
        except Exception as exc:  # a broken worker: Judge0 reports the exception text
            result = {"status_id": 13, "message": "%s: %s" % (type(exc).__name__, exc)}
        result["finished_at"] = now_iso()
        with self.lock:
            sub.update(result)
            final = dict(sub)
        if final.get("callback_url"):
            threading.Thread(target=self.callback, args=(final,), daemon=True).start()

    def callback(self, sub):
        body = json.dumps(serialize(sub, DEFAULT_FIELDS, True), separators=(",", ":")).encode()
        for _ in range(3):
            request = urllib.request.Request(sub["callback_url"], data=body, method="PUT",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    response.read()
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer counts as delivered
            except Exception as exc:
                log("callback to %s failed: %s", sub["callback_url"], exc)

    def run_all(self, sub):
        runs = [self.run_once(sub) for _ in range(max(1, sub["number_of_runs"]))]
        last = runs[-1]
        if last["status_id"] in (6, 13, 14) or len(runs) == 1:
            return last
        times = [r["time"] for r in runs if r.get("time") is not None]
        memories = [r["memory"] for r in runs if r.get("memory") is not None]
        if times:
            last["time"] = sum(times) / len(times)
        if memories:
            last["memory"] = int(sum(memories) / len(memories))
        return last

    def run_once(self, sub):
        language = ACTIVE[sub["language_id"]]
        if sub["language_id"] == 43:  # /bin/cat text.txt: no code runs
            return self.finish(sub, {"status": "OK", "time": 0.001, "wall_time": 0.002, "memory": 376,
                                     "exit_code": 0, "signal": 0, "stdout": sub["source_code"], "stderr": b""})
        if not os.access(self.sandbox, os.X_OK):
            return {"status_id": 13, "message": "No such file or directory - %s (the sandbox CLI is not built)"
                    % self.sandbox}
        with tempfile.TemporaryDirectory(prefix="judge0-peer-") as work:
            source = os.path.join(work, language[1] or "source")
            with open(source, "wb") as f:
                f.write(sub["source_code"] or b"")
            command = [self.sandbox, "run", "--language", str(sub["language_id"]), "--source", source]
            if sub["stdin"] is not None:
                stdin = os.path.join(work, "stdin.txt")
                with open(stdin, "wb") as f:
                    f.write(sub["stdin"])
                command += ["--stdin", stdin]
            command += ["--time-limit", "%g" % sub["cpu_time_limit"], "--memory-limit", str(sub["memory_limit"])]
            try:
                done = subprocess.run(command, capture_output=True, timeout=sub["wall_time_limit"] + 120)
            except subprocess.TimeoutExpired:
                return {"status_id": 13, "message": "the sandbox CLI did not answer"}
        try:
            answer = json.loads(done.stdout)
            if not isinstance(answer, dict) or "status" not in answer:
                raise ValueError("no status")
        except ValueError:
            tail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[-300:]
            return {"status_id": 13, "message": "sandbox CLI exit %d: %s" % (done.returncode, tail)}
        return self.finish(sub, answer)

    @staticmethod
    def _bytes(answer, name):
        for key in (name + "_base64", name + "_b64"):
            if isinstance(answer.get(key), str):
                return decode64(answer[key])
        value = answer.get(name)
        if value is None:
            return b""
        if isinstance(value, bytes):
            return value
        return str(value).encode("utf-8", "surrogateescape")

    def finish(self, sub, answer):
        """A sandbox answer reported the way Judge0 1.13 reports it (reference §3.5)."""
        status = str(answer.get("status", "")).upper()
        stdout, stderr = self._bytes(answer, "stdout"), self._bytes(answer, "stderr")
        compile_output = self._bytes(answer, "compile_output")
        signal_number = int(answer.get("signal") or 0)
        exit_code = answer.get("exit_code")
        exit_code = int(exit_code) if isinstance(exit_code, (int, float)) else 0
        cpu_time = float(answer.get("time") or 0)
        result = {"time": cpu_time, "wall_time": float(answer.get("wall_time") or cpu_time),
                  "memory": int(answer.get("memory") or 0), "exit_code": 0, "exit_signal": None,
                  "message": None, "compile_output": compile_output or None}
        run_cmd = ACTIVE[sub["language_id"]][3] or "./run"

        if status == "CE":
            return {"status_id": 6, "compile_output": compile_output or None, "time": None, "wall_time": None,
                    "memory": None, "stdout": None, "stderr": None, "exit_code": None, "exit_signal": None,
                    "message": None}
        if status == "TLE":
            result["status_id"] = 5
            result["message"] = ("Time limit exceeded" if cpu_time >= sub["cpu_time_limit"]
                                 else "Time limit exceeded (wall clock)")
        elif status in ("RE", "MLE", "OLE"):
            if status == "MLE":
                signal_number = 9
                result["memory"] = sub["memory_limit"]
            elif status == "OLE":
                # The sandbox may stop an output flood with SIGKILL; Judge0's file-size limit
                # (isolate -f) always shows up as SIGXFSZ, exit 153.
                signal_number = 25
            code = 128 + signal_number if signal_number > 0 else exit_code
            bash_says = {9: "Killed                 ", 11: "Segmentation fault      (core dumped)"}
            if signal_number in bash_says:
                stderr += ("run: line 1:     3 %s %s\n" % (bash_says[signal_number], run_cmd)).encode()
            result.update(status_id=11, exit_code=code, message="Exited with error status %d" % code)
        elif status == "OK":
            result["status_id"] = 3
            if sub["expected_output"] is not None:
                actual = (stdout + (stderr if sub["redirect_stderr_to_stdout"] else b"")) or None
                if judge0_strip(sub["expected_output"]) != judge0_strip(actual):
                    result["status_id"] = 4
        else:
            return {"status_id": 13, "message": str(answer.get("message") or "sandbox status %r" % status)}
        if sub["redirect_stderr_to_stdout"]:
            stdout, stderr = stdout + stderr, b""
        result["stdout"] = stdout or None
        result["stderr"] = stderr or None
        return result

    # ---- cache of GET /submissions/{token} (SUBMISSION_CACHE_DURATION) ----

    def cached(self, key):
        with self.lock:
            entry = self.cache.get(key)
            if entry and entry[0] > time.monotonic():
                return entry[1]
            return None

    def remember(self, key, value):
        if self.cache_duration > 0:
            with self.lock:
                if len(self.cache) > 10000:
                    self.cache.clear()
                self.cache[key] = (time.monotonic() + self.cache_duration, value)


def serialize(sub, fields, b64):
    """A submission as Judge0's serializer writes it: requested fields in column order."""
    out = collections.OrderedDict()
    wanted = set(fields)
    for name in ALL_FIELDS:
        if name not in wanted:
            continue
        if name == "status":
            out[name] = {"id": sub["status_id"], "description": STATUSES[sub["status_id"]]}
        elif name == "language":
            language_id = sub["language_id"]
            name_text = ACTIVE[language_id][0] if language_id in ACTIVE else ARCHIVED.get(language_id)
            out[name] = {"id": language_id, "name": name_text}
        elif name in ("time", "wall_time", "cpu_time_limit", "cpu_extra_time", "wall_time_limit"):
            out[name] = decimal_string(sub.get(name))
        elif name in BASE64_FIELDS:
            value = sub.get(name)
            if isinstance(value, str):
                value = value.encode("utf-8")
            if value is None:
                out[name] = None
            elif b64:
                out[name] = encode64(value)
            else:
                if any(byte >= 0x80 for byte in value):
                    raise Utf8Error()
                out[name] = value.decode("ascii")
        else:
            out[name] = sub.get(name)
    return out


def parse_fields(text):
    """The fields list, or raises ValueError with Judge0's message."""
    if text is None or text.strip() == "":
        return DEFAULT_FIELDS
    names = [name.strip() for name in text.split(",")]
    if "*" in names:
        return ALL_FIELDS
    invalid = [name for name in names if name not in ALL_FIELDS]
    if invalid:
        raise ValueError("invalid fields: [%s]" % ", ".join(invalid))
    return names


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "judge0-peer/" + VERSION
    peer = None  # set by main

    def log_message(self, fmt, *args):
        if self.peer.args.verbose:
            log("%s %s", self.address_string(), fmt % args)

    # ---- plumbing ----

    def send(self, code, body=b"", content_type="application/json; charset=utf-8", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(code)
        if body or code not in (401, 403, 404):
            self.send_header("Content-Type", content_type)
        else:
            self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def params_of(self, body):
        """Rails params: query string merged with a JSON or form body (the body wins)."""
        params = {}
        for key, values in urllib.parse.parse_qs(self.query, keep_blank_values=True).items():
            params[key] = values[-1]
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and content_type == "application/json":
            parsed = json.loads(body.decode("utf-8"))
            if isinstance(parsed, dict):
                params.update(parsed)
        elif body and content_type == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                      keep_blank_values=True).items():
                params[key] = values[-1]
        return params

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        self.route, self.query = url.path.rstrip("/") or "/", url.query
        try:
            body = self.read_body()
            if self.route.startswith("/_peer/"):
                return self.control(body)
            self.note_request(body)
            try:
                self.params = self.params_of(body)
            except (ValueError, UnicodeDecodeError):
                return self.send(400)  # Rails ParseError: empty body
            if self.route == "/" and self.command == "GET":
                return self.send(200, b"", "text/html")
            if self.route == "/docs" and self.command == "GET":
                return self.send(200, "<html><body>Judge0 API peer</body></html>", "text/html")
            fault, generation = self.peer.take_fault()
            if fault == "down":
                self.close_connection = True
                return None
            if fault == "401" or not self.authenticated():
                return self.send(401)
            if fault == "503":
                return self.send(503, {"error": "queue is full"})
            if fault == "garbage":
                return self.send(200, GARBAGE)
            if fault == "stall":
                return self.stall(generation)
            return self.api()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # Rails' 500
            log("error on %s %s: %r", self.command, self.path, exc)
            try:
                self.send(500, {"error": "internal server error"})
            except OSError:
                self.close_connection = True

    def note_request(self, body):
        header = self.peer.args.auth_header
        with self.peer.lock:
            self.peer.requests.append({
                "method": self.command, "path": self.route, "query": self.query,
                "auth": bool(self.headers.get(header)), "content_type": self.headers.get("Content-Type"),
                "body_size": len(body)})

    def stall(self, generation):
        """Hold the request without an answer until the mode changes or 10 minutes pass, then hang up."""
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not self.peer.stop.is_set():
            with self.peer.lock:
                if self.peer.mode_generation != generation:
                    break
            time.sleep(0.05)
        self.close_connection = True

    def authenticated(self):
        if not self.peer.auth_tokens:
            return True
        header = self.peer.args.auth_header
        token = self.headers.get(header) or self.params.get(header)
        return isinstance(token, str) and token in self.peer.auth_tokens

    def authorized(self):
        header = self.peer.args.authz_header
        token = self.headers.get(header) or self.params.get(header)
        return bool(self.peer.authz_tokens) and isinstance(token, str) and token in self.peer.authz_tokens

    def b64(self):
        return self.params.get("base64_encoded") == "true"

    # ---- the API ----

    def api(self):
        method, route = self.command, self.route
        if route == "/submissions/batch":
            if method == "POST":
                return self.batch_create()
            if method == "GET":
                return self.batch_show()
        elif route == "/submissions":
            if method == "POST":
                return self.create()
            if method == "GET":
                return self.index()
        elif route.startswith("/submissions/") and route.count("/") == 2:
            token = route.split("/")[2]
            if method == "GET":
                return self.show(token)
            if method == "DELETE":
                return self.destroy(token)
        elif method == "GET" and route in ("/languages", "/languages/all"):
            return self.languages(route.endswith("/all"))
        elif method == "GET" and route.startswith("/languages/"):
            return self.language(route.split("/")[2])
        elif method == "GET" and route in INFO_ROUTES:
            return INFO_ROUTES[route](self)
        elif method == "POST" and route == "/authenticate":
            return self.send(200, b"", "text/html")
        elif method == "POST" and route == "/authorize":
            return self.send(200 if self.authorized() else 403, b"", "text/html")
        return self.send(404)

    def create(self):
        peer = self.peer
        wait = self.params.get("wait") == "true"
        if wait and not peer.enable_wait:
            return self.send(400, {"error": "wait not allowed"})
        if peer.queue_full(1):
            return self.send(503, {"error": "queue is full"})
        try:
            fields = parse_fields(self.params.get("fields"))
        except ValueError as exc:
            return self.send(400, {"error": str(exc)})
        sub, errors = peer.validate(self.params, self.b64())
        if errors:
            return self.send(422, errors)
        if not wait:
            peer.enqueue([sub])
            return self.send(201, {"token": sub["token"]})
        # wait=true runs in the request thread, as 1.13 does (IsolateJob.perform_now)
        peer.register(sub)
        peer.execute(sub)
        final = peer.find(sub["token"])
        try:
            return self.send(201, serialize(final, fields, self.b64()))
        except Utf8Error:
            return self.send(201, collections.OrderedDict([("error", UTF8_ERROR_ONE), ("token", sub["token"])]))

    def batch_create(self):
        peer = self.peer
        items = self.params.get("submissions")
        if not isinstance(items, list) or not items:
            return self.send(400, {"error": BATCH_EMPTY})
        if len(items) > MAX_BATCH:
            return self.send(400, {"error": BATCH_TOO_BIG})
        if peer.queue_full(len(items)):
            return self.send(503, {"error": "queue is full"})
        results, valid = [], []
        for item in items:
            sub, errors = peer.validate(item if isinstance(item, dict) else {}, self.b64())
            if errors:
                results.append(errors)
            else:
                valid.append(sub)
                results.append({"token": sub["token"]})
        if not valid:
            return self.send(422, results)
        peer.enqueue(valid)
        return self.send(201, results)

    def show(self, token):
        try:
            fields = parse_fields(self.params.get("fields"))
        except ValueError as exc:
            return self.send(400, {"error": str(exc)})
        key = (token, self.b64(), tuple(fields))
        answer = self.peer.cached(key)
        if answer is None:
            sub = self.peer.find(token)
            if sub is None:
                return self.send(404)
            try:
                answer = (200, serialize(sub, fields, self.b64()))
            except Utf8Error:
                answer = (400, {"error": UTF8_ERROR_ONE})
            self.peer.remember(key, answer)
        return self.send(*answer)

    def batch_show(self):
        text = self.params.get("tokens") or self.headers.get("tokens") or ""
        tokens = [token for token in text.strip().split(",") if token != ""]
        if not tokens:
            return self.send(400, {"error": BATCH_EMPTY})
        if len(tokens) > MAX_BATCH:
            return self.send(400, {"error": BATCH_TOO_BIG})
        try:
            fields = parse_fields(self.params.get("fields"))
        except ValueError as exc:
            return self.send(400, {"error": str(exc)})
        out = []
        try:
            for token in tokens:
                sub = self.peer.find(token.strip())
                out.append(serialize(sub, fields, self.b64()) if sub else None)
        except Utf8Error:
            return self.send(400, {"error": UTF8_ERROR_MANY})
        return self.send(200, {"submissions": out})

    def index(self):
        if not self.authorized():
            return self.send(403)
        try:
            page = int(self.params.get("page") or 1)
            per_page = int(self.params.get("per_page") or 20)
        except ValueError:
            page, per_page = 1, 20
        if page <= 0:
            return self.send(400, {"error": "invalid page: %d" % page})
        if per_page < 0:
            return self.send(400, {"error": "invalid per_page: %d" % per_page})
        try:
            fields = parse_fields(self.params.get("fields"))
        except ValueError as exc:
            return self.send(400, {"error": str(exc)})
        with self.peer.lock:
            subs = [dict(s) for s in reversed(list(self.peer.submissions.values()))]
        pages = max(1, -(-len(subs) // per_page)) if per_page else 1
        chunk = subs[(page - 1) * per_page:page * per_page]
        try:
            body = {"submissions": [serialize(s, fields, self.b64()) for s in chunk],
                    "meta": {"current_page": page, "next_page": page + 1 if page < pages else None,
                             "prev_page": page - 1 if page > 1 else None, "total_pages": pages,
                             "total_count": len(subs)}}
        except Utf8Error:
            return self.send(400, {"error": UTF8_ERROR_MANY})
        return self.send(200, body)

    def destroy(self, token):
        if not self.authorized():
            return self.send(403)
        return self.send(400, {"error": "delete not allowed"})

    def languages(self, include_archived):
        if not include_archived:
            return self.send(200, [{"id": i, "name": ACTIVE[i][0]} for i in ACTIVE_ORDER])
        every = [{"id": i, "name": ACTIVE[i][0], "is_archived": False} for i in ACTIVE_ORDER]
        every += [{"id": i, "name": name, "is_archived": True} for i, name in ARCHIVED.items()]
        every.sort(key=lambda language: re.sub(r"[^a-z0-9]", "", language["name"].lower()))
        return self.send(200, every)

    def language(self, text):
        language_id = int(text) if text.isdigit() else None
        if language_id in ACTIVE:
            name, source_file, compile_cmd, run_cmd = ACTIVE[language_id]
            return self.send(200, collections.OrderedDict([
                ("id", language_id), ("name", name), ("is_archived", False), ("source_file", source_file),
                ("compile_cmd", compile_cmd), ("run_cmd", run_cmd)]))
        if language_id in ARCHIVED:
            return self.send(200, collections.OrderedDict([
                ("id", language_id), ("name", ARCHIVED[language_id]), ("is_archived", True),
                ("source_file", None), ("compile_cmd", None), ("run_cmd", None)]))
        return self.send(404)

    # ---- information endpoints ----

    def statuses(self):
        return self.send(200, [{"id": i, "description": d} for i, d in STATUSES.items()])

    def about(self):
        return self.send(200, collections.OrderedDict([
            ("version", VERSION), ("homepage", "https://judge0.com"),
            ("source_code", "https://github.com/judge0/judge0"),
            ("maintainer", "Herman Zvonimir Do\u0161ilovi\u0107 <hermanz.dosilovic@gmail.com>")]))

    def version(self):
        return self.send(200, VERSION, "text/plain; charset=utf-8")

    def isolate(self):
        return self.send(200, "The process isolator 1.8.1\n(c) 2012--2019 Martin Mares and Bernard Blackham\n"
                              "Built on 2020-01-01 from Git commit v1.8.1-8-gad39cc4\n", "text/plain; charset=utf-8")

    def license(self):
        return self.send(200, "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n", "text/plain; charset=utf-8")

    def config_info(self):
        overrides = {"max_queue_size": self.peer.max_queue_size, "enable_wait_result": self.peer.enable_wait,
                     "submission_cache_duration": float(self.peer.cache_duration)}
        return self.send(200, collections.OrderedDict((k, overrides.get(k, v)) for k, v in CONFIG_INFO))

    def system_info(self):
        info = collections.OrderedDict([
            ("Architecture", platform.machine()), ("CPU op-mode(s)", "32-bit, 64-bit"),
            ("Byte Order", "Little Endian" if sys.byteorder == "little" else "Big Endian"),
            ("CPU(s)", str(os.cpu_count() or 1))])
        try:
            with open("/proc/cpuinfo") as f:
                model = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            if model:
                info["Model name"] = model.group(1)
            with open("/proc/meminfo") as f:
                mem = dict(re.findall(r"^(\w+):\s+(\d+) kB", f.read(), re.M))
            info["Mem"] = "%.1fGi" % (int(mem.get("MemTotal", 0)) / 1048576)
            info["Swap"] = "%.1fGi" % (int(mem.get("SwapTotal", 0)) / 1048576)
        except OSError:
            pass
        return self.send(200, info)

    def statistics(self):
        with self.peer.lock:
            subs = list(self.peer.submissions.values())
        languages = collections.Counter(s["language_id"] for s in subs)
        statuses = collections.Counter(s["status_id"] for s in subs)
        return self.send(200, collections.OrderedDict([
            ("now", now_iso()),
            ("submissions", {"total": len(subs), "today": len(subs), "last_30_days": len(subs)}),
            ("languages", [{"language": {"id": i, "name": ACTIVE[i][0]}, "count": n}
                           for i, n in languages.most_common()]),
            ("statuses", [{"status": {"id": i, "description": STATUSES[i]}, "count": n}
                          for i, n in statuses.most_common()]),
            ("database", {"size_pretty": "0 kB", "size_in_bytes": 0})]))

    def workers(self):
        peer = self.peer
        with peer.lock:
            queued, busy = len(peer.queue), peer.workers_busy
        count = len(peer.threads)
        return self.send(200, [collections.OrderedDict([
            ("queue", VERSION), ("size", queued), ("available", count), ("idle", count - busy),
            ("working", busy), ("paused", count if peer.worker_state == "paused" else 0), ("failed", 0)])])

    # ---- /_peer control ----

    def control(self, body):
        peer = self.peer
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            return self.send(400, {"error": "control body must be a JSON object"})
        route, method = self.route, self.command
        if route == "/_peer/mode" and method == "POST":
            mode, count = str(data.get("mode", "")), data.get("count", 0)
            if mode not in FAULT_MODES or not isinstance(count, int) or count < 0:
                return self.send(400, {"error": "mode must be one of %s, count a non-negative integer"
                                                % ", ".join(FAULT_MODES)})
            peer.set_mode(mode, count)
        elif route == "/_peer/workers" and method == "POST":
            state = data.get("state")
            if state not in WORKER_STATES:
                return self.send(400, {"error": "state must be one of %s" % ", ".join(WORKER_STATES)})
            peer.set_worker_state(state)
        elif route == "/_peer/config" and method == "POST":
            size, cache = data.get("max_queue_size"), data.get("cache_duration")
            if size is not None and (not isinstance(size, int) or size < 0):
                return self.send(400, {"error": "max_queue_size must be a non-negative integer"})
            if cache is not None and (not isinstance(cache, (int, float)) or cache < 0):
                return self.send(400, {"error": "cache_duration must be a non-negative number"})
            with peer.lock:
                if size is not None:
                    peer.max_queue_size = size
                if cache is not None:
                    peer.cache_duration = float(cache)
                    peer.cache.clear()
        elif route == "/_peer/reset" and method == "POST":
            peer.reset()
        elif route == "/_peer/forget" and method == "POST":
            peer.forget()
        elif route == "/_peer/lose-queue" and method == "POST":
            peer.lose_queue()
        elif route == "/_peer/requests" and method == "GET":
            with peer.lock:
                return self.send(200, list(peer.requests))
        elif route != "/_peer/state" or method != "GET":
            return self.send(404, {"error": "unknown control endpoint"})
        return self.send(200, peer.state())


INFO_ROUTES = {
    "/statuses": Handler.statuses, "/about": Handler.about, "/version": Handler.version,
    "/isolate": Handler.isolate, "/license": Handler.license, "/config_info": Handler.config_info,
    "/system_info": Handler.system_info, "/statistics": Handler.statistics, "/workers": Handler.workers,
}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Judge0 CE 1.13.1 API peer for tests.",
                                     epilog="Prints the listening port on stdout when ready.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2358, help="port; 0 picks a free one (default 2358)")
    parser.add_argument("--auth-token", action="append",
                        help="accepted X-Auth-Token (repeatable; also $JUDGE0_AUTHN_TOKEN, space separated); "
                             "none: authentication off")
    parser.add_argument("--auth-header", default="X-Auth-Token", help="authentication header (AUTHN_HEADER)")
    parser.add_argument("--authz-token", action="append", help="accepted X-Auth-User for the list endpoint")
    parser.add_argument("--authz-header", default="X-Auth-User", help="authorization header (AUTHZ_HEADER)")
    parser.add_argument("--sandbox", default=os.environ.get("SOLVEIT_SANDBOX_BIN", DEFAULT_SANDBOX),
                        help="solveit-sandbox CLI (default $SOLVEIT_SANDBOX_BIN or %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="worker threads (default 2)")
    parser.add_argument("--workers-state", choices=WORKER_STATES, default="running",
                        help="running, paused (submissions stay In Queue) or hold (stay Processing)")
    parser.add_argument("--max-queue-size", type=int, default=100, help="MAX_QUEUE_SIZE (default 100)")
    parser.add_argument("--cache-duration", type=float, default=1.0,
                        help="SUBMISSION_CACHE_DURATION of GET /submissions/{token}, seconds (default 1)")
    parser.add_argument("--mode", choices=FAULT_MODES, default="normal", help="fault mode at start")
    parser.add_argument("--mode-count", type=int, default=0,
                        help="requests the fault mode applies to, then normal (0: until changed)")
    parser.add_argument("--no-wait", action="store_true", help="ENABLE_WAIT_RESULT=false")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if not args.auth_token and os.environ.get("JUDGE0_AUTHN_TOKEN"):
        args.auth_token = os.environ["JUDGE0_AUTHN_TOKEN"].split()
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    peer = Peer(args)
    Handler.peer = peer
    server = Server((args.host, args.port), Handler)

    def stop(signum, frame):
        peer.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(server.server_address[1], flush=True)
    log("listening on %s:%d, sandbox %s%s", args.host, server.server_address[1], args.sandbox,
        "" if os.access(args.sandbox, os.X_OK) else " (missing: runs end in Internal Error)")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        peer.stop.set()
        with peer.cond:
            peer.cond.notify_all()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
