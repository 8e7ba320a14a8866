"""What a leaf is: the event's envelope as RFC 8785 canonical JSON.

Every stored event gets a leaf, readable or not: the tree may never skip a
position. When an event cannot be decoded, or its envelope cannot be
canonicalised (an integer beyond JSON's safe range, a NaN), its leaf is the
*unreadable* envelope instead: its position, ids, topic and the SHA-256 of
its stored bytes (see
`ledger.events.unreadable_envelope`). That is a function of the stored bytes
alone, so `verify store` recomputes it exactly, and it still binds the event:
change one stored byte and the leaf no longer matches.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledger.leaf import leaf_bytes
from ledger.log import Entry, EventLog, StoredLog, iter_entries
from transparency.store import LeafRecord

__all__ = ["entry_leaf", "leaf_bytes", "leaf_record", "raw_leaf_bytes", "read_once"]
ONCE_PAGE = 1000


def read_once(log: EventLog, after: int = 0, page: int = ONCE_PAGE) -> Iterator[Entry]:
    """Every stored event after `after`, in log order, for a reader that reads
    each event once (`verify store`): a `StoredLog`'s pages are decoded
    directly, past its cache of recently decoded envelopes, which such a
    reader would only churn (a tenth of its time at a million events)."""
    if not isinstance(log, StoredLog):
        yield from iter_entries(log, after, page)
        return
    while True:
        stored = log.recorder.select_notifications(after + 1, page)
        if not stored:
            return
        for notification in stored:
            yield Entry(notification, log.decode(notification))
        after = int(stored[-1].id)


def raw_leaf_bytes(entry: Entry) -> bytes:
    """The leaf of the event's unreadable envelope (its stored bytes alone)."""
    return leaf_bytes(entry.raw())


def entry_leaf(entry: Entry) -> tuple[bytes, bool]:
    """The leaf of a stored event, and whether it is the unreadable form."""
    if not entry.unreadable:
        try:
            return leaf_bytes(entry.envelope), False
        except Exception:  # whatever the decoded values are, the position gets a leaf
            pass
    return raw_leaf_bytes(entry), True


def leaf_record(entry: Entry) -> LeafRecord:
    leaf, raw = entry_leaf(entry)
    env = entry.raw() if raw else entry.envelope
    return LeafRecord(
        position=entry.position,
        aggregate_id=env["aggregate_id"],
        aggregate_version=env["aggregate_version"],
        type=env["type"],
        leaf=leaf,
    )
