"""The event feed pages through the log: bounded reads, a cursor to go on."""

from __future__ import annotations

from typing import Any

import pytest

from projections import feed as feed_module
from projections.feed import MAX_SCAN, feed

TYPES = ("application.submitted", "generation.recorded")


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A log of 30,000 events alternating two types; returns the page sizes read."""
    reads: list[int] = []

    def read_page(ledger: Any, after: int, limit: int) -> list[dict[str, Any]]:
        reads.append(limit)
        last = min(after + limit, 30_000)
        return [{"position": p, "type": TYPES[p % 2]} for p in range(after + 1, last + 1)]

    monkeypatch.setattr(feed_module, "read_page", read_page)
    return reads


def test_an_unfiltered_page_reads_only_the_events_it_returns(log):
    items, cursor = feed(None, 10, 3)

    assert [e["position"] for e in items] == [11, 12, 13] and cursor == 13
    assert log == [3]


def test_a_filtered_page_returns_matches_and_the_cursor_after_the_last(log):
    items, cursor = feed(None, 0, 2, frozenset({"generation.recorded"}))

    assert [e["position"] for e in items] == [1, 3] and cursor == 3


def test_a_filtered_read_scans_at_most_max_scan_events_then_hands_back_a_cursor(log):
    items, cursor = feed(None, 0, 1000, frozenset({"program.opened"}))

    assert items == [] and cursor == MAX_SCAN
    assert sum(log) == MAX_SCAN


def test_the_end_of_the_log_has_no_cursor(log):
    items, cursor = feed(None, 29_998, 100)

    assert [e["position"] for e in items] == [29_999, 30_000] and cursor is None
