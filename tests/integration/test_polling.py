"""polling.py, the tests' one way to wait: what it returns, and what a wait that gives up says."""

import itertools
import time

import pytest

from polling import WaitTimeout, wait_for, wait_log


def test_returns_the_first_value_that_passes():
    counter = itertools.count()
    assert wait_for(lambda: next(counter) >= 3 and "third", "the third call", 10, interval=0) == "third"
    values = iter([{"n": 1}, {"n": 2}, {"n": 5}])
    assert wait_for(lambda: next(values), "n above 4", 10, until=lambda v: v["n"] > 4, interval=0) == {"n": 5}


def test_giving_up_names_what_and_the_last_value_seen():
    values = itertools.count()
    start = time.monotonic()
    with pytest.raises(WaitTimeout) as e:
        wait_for(lambda: {"seen": next(values)}, "the counter to go negative", 0.3, until=lambda v: v["seen"] < 0)
    assert time.monotonic() - start < 5
    text = str(e.value)
    assert text.startswith("the counter to go negative: did not happen within 0 s; last seen: {'seen': ")
    assert isinstance(e.value, AssertionError)  # reported by pytest as the test's failure


def test_the_description_comes_before_the_timeout():
    with pytest.raises(TypeError):
        wait_for(lambda: True, 60, "the old order")


def test_a_probe_that_raises_ends_the_wait_at_once():
    def probe():
        raise AssertionError("the process died")
    start = time.monotonic()
    with pytest.raises(AssertionError, match="the process died"):
        wait_for(probe, "anything", 60)
    assert time.monotonic() - start < 5


def test_wait_log_counts_lines_after_a_mark():
    log = ["ready\n"]
    since = len(log[0])
    appended = iter(["one ok\n", "two ok\n"])

    def read():
        text = "".join(log)
        log.append(next(appended, ""))
        return text
    assert wait_log(read, r"ok\n", count=2, since=since, timeout=10) == 2


def test_wait_log_fails_at_once_when_the_process_is_gone():
    start = time.monotonic()
    with pytest.raises(WaitTimeout) as e:
        wait_log(lambda: "starting\nfatal: no broker\n", r"consuming", timeout=60, alive=lambda: False,
                 name="result-sink")
    assert time.monotonic() - start < 5
    assert "result-sink exited before /consuming/ x1 was logged" in str(e.value)
    assert "fatal: no broker" in str(e.value)


def test_wait_log_gives_up_with_the_log_tail():
    with pytest.raises(WaitTimeout) as e:
        wait_log(lambda: "line one\nline two\n", r"line three", timeout=0.2, name="the worker's log")
    assert "/line three/ x1 in the worker's log: did not happen" in str(e.value)
    assert "--- the worker's log (tail) ---\nline one\nline two\n" in str(e.value)
