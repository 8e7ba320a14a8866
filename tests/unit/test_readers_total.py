"""Readers are total, without I/O: timestamps past year 9999, unreadable
envelopes, leaves of any stored event, back-off, and what is safe to print."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from uuid import UUID

from ledger.database import storable_row, storable_text
from ledger.events import leaf_form, redacted, rfc3339, unreadable_envelope
from ledger.faults import Fault
from ledger.log import Entry
from ledger.store import redact_url
from transparency.leaves import entry_leaf, leaf_bytes, raw_leaf_bytes

AGGREGATE = UUID("6449d427-eef4-5c78-ac6c-6cf5d12afba8")


def test_rfc3339_spells_utc_with_z():
    at = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    assert rfc3339(at) == "2026-03-02T00:30:00.000000Z"


def test_rfc3339_keeps_the_offset_of_an_instant_past_year_9999_in_utc():
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
    assert rfc3339(far) == "9999-12-31T23:59:59.000000-14:00"
    early = datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert rfc3339(early) == "0001-01-01T00:30:00.000000+05:30"
    odd = datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=2, seconds=5)))
    assert rfc3339(odd) == "9999-12-31T23:00:00.000000-02:00:05"
    # As text it still compares as later / earlier than any instant of this century.
    now = rfc3339(datetime.now(UTC))
    assert rfc3339(early) < now < rfc3339(far)


def _stored(state: bytes, position: int = 7) -> SimpleNamespace:
    return SimpleNamespace(
        id=position,
        originator_id=AGGREGATE,
        originator_version=2,
        topic="ledger.domainmodel:Program.ProgramOpened",
        state=state,
    )


def _readable(position: int = 7, **data: object) -> dict:
    return {
        "position": position,
        "event_id": "e",
        "aggregate_id": str(AGGREGATE),
        "aggregate_version": 2,
        "type": "program.opened",
        "timestamp": "2026-03-02T00:00:00.000000Z",
        "actor": {"id": "staff-1", "role": "staff"},
        "data": dict(data),
    }


def test_an_unreadable_envelope_commits_to_the_stored_bytes_alone():
    env = unreadable_envelope(7, AGGREGATE, 2, "gone:Thing", b"\xff\x00")
    assert env["type"] == "ledger.unreadable" and env["position"] == 7
    assert env["data"] == {
        "topic": "gone:Thing",
        "state_sha256": hashlib.sha256(b"\xff\x00").hexdigest(),
    }
    env["unreadable"] = {"error": "ValueError", "detail": "bad value 'kim@example.org'"}
    assert redacted(env)["unreadable"] == {"error": "ValueError"}  # the detail may quote data
    assert "unreadable" not in leaf_form(env)  # why it failed is no part of the leaf


def test_every_stored_event_has_a_leaf():
    readable = Entry(_stored(b"{}"), _readable(capacity=21))
    assert entry_leaf(readable) == (leaf_bytes(readable.envelope), False)

    # Beyond what canonical JSON can spell: the leaf is the unreadable form.
    huge = Entry(_stored(b'{"capacity": 1152921504606846976}'), _readable(capacity=2**60))
    leaf, raw = entry_leaf(huge)
    assert raw and json.loads(leaf)["type"] == "ledger.unreadable"
    assert leaf == raw_leaf_bytes(huge)

    # The unreadable form changes with any stored byte.
    other = Entry(_stored(b'{"capacity": 1152921504606846977}'), _readable(capacity=2**60 + 1))
    assert raw_leaf_bytes(other) != raw_leaf_bytes(huge)


def test_retries_at_one_position_back_off_exponentially_up_to_a_minute():
    def after(failures: int) -> float:
        return Fault("c", 9, "E", "", failures, 0.0, 100.0).retry_at() - 100.0

    assert [after(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert after(7) == 60.0 and after(10_000) == 60.0


def test_database_urls_are_printed_without_their_password():
    assert redact_url("postgresql://app:s3cr%40t@db:5432/ledger?schema=x") == (
        "postgresql://app:***@db:5432/ledger?schema=x"
    )
    assert redact_url("postgresql://app@db/ledger?password=s3cret&schema=x") == (
        "postgresql://app@db/ledger?password=***&schema=x"
    )
    for url in ("sqlite:///./var/ledger.sqlite3", "postgresql://app@db/ledger"):
        assert redact_url(url) == url


def test_text_for_a_view_never_holds_nul():
    assert storable_text("Nul\x00Artist") == "Nul\ufffdArtist"
    assert storable_text("Kim Seo-yeon") == "Kim Seo-yeon"


def test_a_row_is_stored_with_nul_replaced_in_each_string_and_nothing_else_changed():
    assert storable_row((1, "Nul\x00Artist", None, b"\x00", "ok")) == (
        1,
        "Nul\ufffdArtist",
        None,
        b"\x00",
        "ok",
    )
    clean = [1, "Kim Seo-yeon", None]
    assert storable_row(clean) is clean  # no copy of a row without NUL
