"""Payloads, webhook ids, the retry schedule and Retry-After parsing."""

from __future__ import annotations

import json

from webhooks.client import parse_retry_after
from webhooks.payload import payload
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
        "artist_name": "Kim Seo-yeon",
        "email": "kim@example.org",
        "statement": "I work with memory.",
        "portfolio_url": "https://portfolio.example.org/kim",
    },
    "_salt": "00" * 32,
}


def test_payload_has_type_timestamp_and_data_with_position_and_sequence() -> None:
    body = payload(ENVELOPE, 7)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "application.submitted"
    assert body["timestamp"] == "2026-03-02T09:00:00.000000Z"
    data = body["data"]
    assert (data["position"], data["sequence"], data["event_id"]) == (42, 7, ENVELOPE["event_id"])
    assert data["program"] == "seoul-2026" and data["actor"] == {"id": "tok-1", "role": "staff"}


def test_payload_never_carries_personal_data() -> None:
    raw = json.dumps(payload(ENVELOPE, 1))
    for leaked in ("kim@example.org", "I work with memory.", "email", "statement", "_salt"):
        assert leaked not in raw


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
