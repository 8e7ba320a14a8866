"""The log remembers decoded envelopes by the stored bytes: read again, an
event is not decoded again; altered in the store, it is; a reader that adds
to its envelope never changes another reader's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from ledger.log import StoredLog


@dataclass
class Stored:
    id: int
    originator_id: Any
    originator_version: int
    topic: str
    state: bytes


class Recorder:
    def __init__(self, stored: list[Stored]) -> None:
        self.stored = stored

    def select_notifications(self, start: int, limit: int) -> list[Stored]:
        return [n for n in self.stored if n.id >= start][:limit]


class Log(StoredLog):
    decoded = 0

    def decode(self, stored: Any) -> dict[str, Any]:
        self.decoded += 1
        return {"position": stored.id, "data": {"state": stored.state.decode()}}


def test_an_event_read_twice_is_decoded_once_and_afresh_once_altered():
    stored = [Stored(n, uuid4(), 1, "t", b"x%d" % n) for n in range(1, 4)]
    log = Log(Recorder(stored), mapper=None, remember=10)
    first = [e.envelope for e in log.entries(0)]
    first[0]["personal"] = {"name": "added by one reader"}
    again = [e.envelope for e in log.entries(0)]
    assert log.decoded == 3 and again[0] == {"position": 1, "data": {"state": "x1"}}
    stored[1].state = b"altered"
    assert log.entries(1)[0].envelope["data"]["state"] == "altered"
    assert log.decoded == 4


def test_it_remembers_at_most_its_bound():
    stored = [Stored(n, uuid4(), 1, "t", b"x") for n in range(1, 21)]
    log = Log(Recorder(stored), mapper=None, remember=5)
    log.entries(0)
    log.entries(0)
    assert log.decoded == 40 and len(log._decoded) == 5


class CountingRecorder(Recorder):
    reads: list[tuple[int, int]]

    def select_notifications(self, start: int, limit: int) -> list[Stored]:
        self.reads.append((start, limit))
        return super().select_notifications(start, limit)


def test_followers_share_a_page_and_read_only_what_was_committed_since():
    stored = [Stored(n, uuid4(), 1, "t", b"x%d" % n) for n in range(1, 4)]
    recorder = CountingRecorder(stored)
    recorder.reads = []
    log = Log(recorder, mapper=None)

    first = log.followed(0, 500)
    stored.append(Stored(4, uuid4(), 1, "t", b"x4"))  # committed after the first read
    second = log.followed(0, 500)

    assert [e.position for e in first] == [1, 2, 3]
    assert [e.position for e in second] == [1, 2, 3, 4]
    assert recorder.reads == [(1, 500), (4, 497)]  # the second read only what was new
    assert log.decoded == 4
    second[0].envelope["mine"] = True  # each follower's envelopes are its own
    assert "mine" not in log.followed(0, 2)[0].envelope
