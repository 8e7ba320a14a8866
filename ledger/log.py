"""Reading the log in pages: every follower goes through here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledger.events import envelope

PAGE = 500


def read_page(ledger: Any, after: int, limit: int = PAGE) -> list[dict[str, Any]]:
    """Envelopes of the events with position > `after`, in log order.

    Positions are strictly increasing; on PostgreSQL they may have gaps
    (a rejected append burns a sequence value), on SQLite they do not.
    """
    notifications = ledger.recorder.select_notifications(after + 1 if after >= 0 else 1, limit)
    return [envelope(n.id, ledger.mapper.to_domain_event(n)) for n in notifications]


def iter_log(ledger: Any, after: int = 0, page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Every envelope after `after`, streamed page by page (flat memory)."""
    while True:
        batch = read_page(ledger, after, page)
        if not batch:
            return
        yield from batch
        after = batch[-1]["position"]
