"""A worker's memory of which tag each request it answered was given, so a
repeated read is answered (304, or its remembered body) before its query is
parsed and its view runs.

A read's tag (`api.conditional.tag_read`) is a function of the positions it
was read at (the log head, each view's generation and position) and of the
representation asked for. So once a request got a 200 under a tag, the same
request (the same path, query string, `Accept` and `Authorization`) gets the
same tag for as long as the head and every view's generation and position are
what they were, and the tag's instant (`valid_until`) has not passed. The
token and the positions are still read first, as for any read
(`api.read_state`: one statement, on SQLite none while nothing committed), so
a revoked token is refused and a new event is a new tag.

A remembered tag's instant only makes the memory let go sooner: a 304 still
needs the client's tag to be before its own instant, and a remembered body
before its own (`api.body_cache`), and at the same positions the tag's
digest is the same after its instant as before (the instant is not in it).

Only a read whose views were all at the log head is remembered: a view behind
it would be caught up by the read itself when no follower keeps it
(`api.reads.fresh`), and a remembered tag must not stand in for that. A read
that names `min_position` is never answered from here (it may have to wait).
Keys are hashes: no token is kept. Bounded, least recently used first out;
per worker, shared by its threads under a lock.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_ENTRIES = 4096
EXTENSION = "labledger.tag_memo"

Positions = tuple[int, tuple[tuple[str, int, int], ...]]


@dataclass(frozen=True)
class Tagged:
    positions: Positions
    tag: str
    until: str | None  # after it the tag no longer holds (RFC 3339 UTC)


def key_of(environ: Mapping[str, Any]) -> bytes | None:
    """What names a request's representation and its asker; None for a read
    that must not be answered from memory (one naming `min_position`)."""
    query = environ.get("QUERY_STRING", "")
    if "min_position" in query:
        return None
    raw = "\0".join(
        (
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            query,
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_AUTHORIZATION", ""),
        )
    )
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).digest()


class TagMemo:
    """`read_state`: the request's state (`api.read_state.read_state`: its
    `head` and `views`), which a remembered tag is checked against."""

    def __init__(self, read_state: Callable[[], Any], max_entries: int = MAX_ENTRIES) -> None:
        self.read_state = read_state
        self.max_entries = max_entries
        self._entries: OrderedDict[bytes, Tagged] = OrderedDict()
        self._lock = threading.Lock()
        self._views: object = None  # the views mapping `_positions` last read
        self._view_positions: tuple[tuple[str, int, int], ...] = ()

    def __len__(self) -> int:
        return len(self._entries)

    def positions(self, head: int, views: Mapping[str, Any]) -> Positions:
        """The head and every view's (name, generation, position): leases and
        their instants left out, as a tag does not depend on them."""
        with self._lock:
            if views is not self._views:  # on SQLite, one mapping per committed change
                self._view_positions = tuple(
                    sorted((name, view.gen, view.position) for name, view in views.items())
                )
                self._views = views
            return head, self._view_positions

    def get(self, key: bytes, positions: Positions, now: Callable[[], str]) -> str | None:
        """The tag this request was given, if it still is its tag."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expired = found.until is not None and not now() < found.until
            if found.positions != positions or expired:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found.tag

    def put(self, key: bytes, positions: Positions, tag: str, until: str | None) -> None:
        with self._lock:
            self._entries[key] = Tagged(positions, tag, until)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
