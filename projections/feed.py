"""The event feed: the log itself, read in pages (no view to lag behind)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ledger.log import PAGE, EventLog, read_page

# A filtered read scans at most this many events per request, then hands the
# client a cursor, so a rare `type=` never turns one request into a full scan.
MAX_SCAN = 10_000


def feed(
    log: EventLog, after: int, limit: int, types: Collection[str] | None = None
) -> tuple[list[dict[str, Any]], int | None]:
    """Events after `after` (of `types`, if given), and the cursor to continue
    from (None when the log's end was reached)."""
    items: list[dict[str, Any]] = []
    cursor, scanned = after, 0
    while scanned < MAX_SCAN:
        # Unfiltered, every event read is returned: read no more than asked for.
        wanted = PAGE if types is not None else limit - len(items)
        page = read_page(log, cursor, min(wanted, MAX_SCAN - scanned))
        if not page:
            return items, None
        for env in page:
            cursor = env["position"]
            scanned += 1
            if types is None or env["type"] in types:
                items.append(env)
                if len(items) == limit:
                    return items, cursor
    return items, cursor
