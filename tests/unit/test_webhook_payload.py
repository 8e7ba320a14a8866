"""Payloads, webhook ids, the retry schedule and Retry-After parsing."""

from __future__ import annotations

import json

from ledger.personal import Person
from webhooks.client import parse_retry_after
from webhooks.payload import named, payload
from webhooks.queue import retry_delay, webhook_id

SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)

ENVELOPE = {
    "position": 42,
    "event_id": "0b6f3f7e-8a4f-5b1e-9c55-1c1d0e2f3a4b",
    "aggregate_id": "5f0c3b52-0000-4000-8000-000000000001",
    "aggregate_version": 1,
    "type": "application.submitted",
    "timestamp": "2026-03-02T09:00:00.000000Z",
    "actor": {"id": "tok-1", "role": "staff"},
    "data": {
        "program": "seoul-2026",
        "artist_name_commitment": "a1" * 32,
        "email_commitment": "e1" * 32,
        "statement_commitment": "51" * 32,
        "portfolio_url_commitment": "b1" * 32,
    },
}
WORK = "27f9e854-09ea-5fc2-af82-65c54926c658"
ARTIST = ENVELOPE["aggregate_id"]
DECLARED = {
    "type": "work.ownership_declared",
    "timestamp": "2026-03-02T09:00:00.000000Z",
    "data": {"artist": ARTIST, "aggregate_id": WORK, "title": "River", "sequence": 3},
}


class People:
    """The personal-data store's reads, as the dispatcher uses them."""

    def __init__(self, person: Person | None) -> None:
        self.person = person

    def get(self, person: str) -> Person | None:
        return self.person if self.person is not None and person == self.person.id else None

    def credit(self, artist: str, work_id: str) -> dict[str, str] | None:
        opening = self.person.opening(work_id, 1, "credit_name") if self.person else None
        return {"name": opening["value"], "salt": opening["salt"]} if opening else None


def test_payload_has_type_timestamp_and_data_with_position_and_sequence() -> None:
    body = payload(ENVELOPE, 7)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "application.submitted"
    assert body["timestamp"] == "2026-03-02T09:00:00.000000Z"
    data = body["data"]
    assert (data["position"], data["sequence"], data["event_id"]) == (42, 7, ENVELOPE["event_id"])
    assert data["program"] == "seoul-2026" and data["actor"] == {"id": "tok-1", "role": "staff"}


def test_payload_names_the_aggregate_by_its_kind_as_the_contract_shows_work_id() -> None:
    declared = ENVELOPE | {"type": "work.ownership_declared", "aggregate_id": WORK, "data": {}}
    assert payload(declared, 1)["data"]["work_id"] == WORK
    assert payload(ENVELOPE, 1)["data"]["application_id"] == ARTIST
    granted = ENVELOPE | {"type": "participant.tool_access_granted", "data": {"tool": "video"}}
    assert payload(granted, 1)["data"]["participant_id"] == ARTIST
    program = "5f0c3b52-0000-4000-8000-0000000000aa"
    submitted = ENVELOPE | {"data": {"program_id": program}}
    assert payload(submitted, 1)["data"]["program_id"] == program  # the event's own field stays


def test_a_message_gets_its_public_names_when_sent_and_none_once_erased() -> None:
    kim = Person(ARTIST, "00" * 32, {f"{WORK}/1/credit_name": "Kim Seo-yeon"}, "Kim", True)
    stored = json.dumps(DECLARED)
    sent = json.loads(named(stored, People(kim)))
    assert sent["data"] == DECLARED["data"] | {"credit_name": "Kim Seo-yeon"}
    assert json.loads(named(stored, People(None)))["data"]["credit_name"] is None
    admitted = json.dumps(payload(ENVELOPE | {"type": "application.admitted", "data": {}}, 1))
    assert json.loads(named(admitted, People(kim)))["data"]["display_name"] == "Kim"
    withdrawn = Person(ARTIST, "00" * 32, {}, "Kim", public=False)
    assert json.loads(named(admitted, People(withdrawn)))["data"]["display_name"] is None
    submitted = json.dumps(payload(ENVELOPE, 1))
    assert named(submitted, People(kim)) == submitted  # an applicant's name is never public


def test_webhook_id_is_stable_per_event_and_endpoint() -> None:
    event = ENVELOPE["event_id"]
    assert webhook_id(event, "endpoint-a") == webhook_id(event, "endpoint-a")
    assert webhook_id(event, "endpoint-a") != webhook_id(event, "endpoint-b")
    assert webhook_id(event, "endpoint-a") != webhook_id("another-event", "endpoint-a")
    assert webhook_id(event, "endpoint-a").startswith("msg_")


def test_retries_follow_the_schedule_with_jitter_then_stop() -> None:
    for attempt, base in enumerate(SCHEDULE, start=1):
        delay = retry_delay(attempt, SCHEDULE, None)
        assert delay is not None and base * 0.8 <= delay <= base * 1.2
    assert retry_delay(len(SCHEDULE) + 1, SCHEDULE, None) is None


def test_retry_after_wins_when_longer_and_is_capped_at_a_day() -> None:
    assert retry_delay(1, SCHEDULE, 60) == 60
    assert 4 <= retry_delay(1, SCHEDULE, 1) <= 6  # shorter: the schedule wins
    assert retry_delay(1, SCHEDULE, 10**9) == 24 * 3600


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = 1_770_000_000.0  # 2026-02-02T02:40:00Z
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Mon, 02 Feb 2026 02:41:00 GMT", now) == 60
    assert parse_retry_after("Mon, 02 Feb 2026 02:00:00 GMT", now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_attempts_are_counted_by_result() -> None:
    from webhooks.client import Outcome
    from webhooks.metrics import result_label

    assert result_label(Outcome(204, 1.0)) == "ok"
    assert result_label(Outcome(503, 1.0, "HTTP 503")) == "http_5xx"
    assert result_label(Outcome(410, 1.0, "HTTP 410")) == "http_4xx"
    assert result_label(Outcome(302, 1.0, "redirect")) == "redirect"
    assert result_label(Outcome(None, 1.0, "ConnectionRefusedError")) == "error"


def test_an_unreadable_event_is_never_sent_whatever_the_filter() -> None:
    from ledger.events import unreadable_envelope
    from webhooks.queue import wanted

    broken = unreadable_envelope(43, ENVELOPE["aggregate_id"], 2, "ledger.domainmodel:X", b"{")
    assert not wanted(frozenset(), broken)
    assert not wanted(frozenset({broken["type"]}), broken)
    assert wanted(frozenset(), ENVELOPE)
