"""The bytes an event becomes in the transparency log, and their limit.

A leaf is the RFC 8785 canonical JSON of the event's envelope (events hold
no personal data: people are ids, their values salted commitments). C2SP tlog-tiles entry bundles
prefix each leaf with a big-endian uint16 length, so a leaf over 65,535
bytes could never be served: the command bus refuses such an event before
it is saved (`check_leaf_size`), so none is ever written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import rfc8785

from ledger import errors
from ledger.events import envelope, leaf_form

MAX_LEAF_BYTES = 0xFFFF
# The position is assigned by the save: measure with the widest one a leaf can
# spell (RFC 8785 refuses integers beyond 2^53 - 1; such a leaf would be the
# event's small unreadable form).
WIDEST_POSITION = 2**53 - 1


def leaf_bytes(env: dict[str, Any]) -> bytes:
    """Events hold no personal data (people are ids, their values salted
    commitments), so every leaf is public."""
    return rfc8785.dumps(leaf_form(env))


def leaf_size(domain_event: Any) -> int | None:
    """The most bytes the event's leaf can take, whatever position it is saved at;
    None when it cannot be canonicalised (its leaf is then the small unreadable form)."""
    try:
        return len(leaf_bytes(envelope(WIDEST_POSITION, domain_event)))
    except Exception:  # the tree gives such an event its unreadable leaf
        return None


def check_leaf_size(domain_events: Iterable[Any]) -> None:
    """EventTooLarge unless every event's leaf fits an entry bundle."""
    for domain_event in domain_events:
        size = leaf_size(domain_event)
        if size is not None and size > MAX_LEAF_BYTES:
            raise errors.EventTooLarge(
                f"the {type(domain_event).__qualname__} event would be a transparency-log "
                f"leaf of {size:,} bytes; a leaf holds at most {MAX_LEAF_BYTES:,}: "
                "shorten the request's text",
                leaf_bytes=size,
                max_leaf_bytes=MAX_LEAF_BYTES,
            )
