"""Issue 14, finding 8: a dead letter never blocks the result-sink. A 999,950-byte event fits the
producer's limit, but its dead-letter copy with the reason headers does not; the sink used to retry
that copy forever, holding up every event behind it, and a restart read it again. Now the copy is cut
to what fits (or reduced to a reference to the original), says so in a header, and the sink goes on."""

import json
import uuid

import pytest

from test_result_sink import connect, final, insert_submission, row, sinks  # noqa: F401 (fixture)
from polling import wait_for

pytestmark = pytest.mark.usefixtures("built_programs")

ORIGINAL_SIZE = 999950
PARTITION = 0  # the oversized event and the good ones behind it share one partition


def oversized_event(sub):
    """A result the sink must refuse (score 250), padded to exactly ORIGINAL_SIZE bytes."""
    event = dict(final(sub), score=250, compiler_output="")
    padding = ORIGINAL_SIZE - len(json.dumps(event).encode())
    event["compiler_output"] = "x" * padding
    body = json.dumps(event).encode()
    assert len(body) == ORIGINAL_SIZE
    return body


def produce_on_partition(services, events):
    """events: (key, bytes) pairs, all to PARTITION of code-results in this order."""
    # The Python client counts its framing against the limit a little more generously than the
    # daemons' librdkafka: a limit just above the default lets the event itself through as it did
    # in the finding, where only the dead-letter copy with its headers was too large.
    producer = services.producer(**{"enable.idempotence": True, "message.max.bytes": 1048576})
    for key, value in events:
        producer.produce("code-results", key=key, value=value, partition=PARTITION)
    assert producer.flush(30) == 0, "events not delivered to code-results"


def dead_letters(services, key):
    """(headers, payload size) of each record of code-results-dead keyed by key."""
    found = []
    text = services.read_topic("code-results-dead", fmt="%k\t%h\t%S\n")
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == key:
            found.append((parts[1], int(parts[2])))
    return found


def test_oversized_event_is_dead_lettered_cut_down_and_the_sink_goes_on(services, sinks):
    db = connect(services)
    sink = sinks(["--no-sweeper"])
    victim = insert_submission(db)
    behind = [insert_submission(db) for _ in range(3)]
    key = "oversized-%s" % uuid.uuid4().hex[:8]

    produce_on_partition(services, [(key, oversized_event(victim))] +
                         [(sub.key, json.dumps(final(sub, verdict="AC")).encode()) for sub in behind])

    # Every good result behind it on the same partition is applied.
    wait_for(lambda: all(row(db, sub)["status"] == "completed" for sub in behind),
             "the results behind the oversized event applied", 90)
    assert sink.alive()
    assert row(db, victim)["status"] == "pending"  # the refused event changed nothing

    # The dead letter is there, smaller than the original, saying so and where the original is.
    letters = wait_for(lambda: dead_letters(services, key) or None, "the oversized event's dead letter", 60)
    assert len(letters) == 1, letters
    headers, size = letters[0]
    assert "solveit-truncated=%d" % ORIGINAL_SIZE in headers, headers
    assert "solveit-source=code-results[%d]@" % PARTITION in headers, headers
    assert "solveit-error=" in headers and "score" in headers, headers
    assert size < ORIGINAL_SIZE
    assert "dead letter cut from %d" % ORIGINAL_SIZE in sink.text()

    # A restart does not read it again: its offset was stored, and later events still flow.
    sink.stop()
    sink = sinks(["--no-sweeper"])
    late = insert_submission(db)
    produce_on_partition(services, [(late.key, json.dumps(final(late, verdict="WA", score=0, passed=0)).encode())])
    wait_for(lambda: row(db, late)["status"] == "completed", "an event after the restart applied", 90)
    assert row(db, late)["verdict"] == "WA"
    assert len(dead_letters(services, key)) == 1
    assert "rejected event for submission %d" % victim.id not in sink.text()
    db.close()
