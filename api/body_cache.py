"""A worker's memory of the 200 bodies of its tagged reads.

A read's strong tag (`api.conditional.tag_read`) names one representation's
exact bytes: the views' positions, the log head and who asks for what. So a
worker that already answered a tag may answer it again from memory, without
reading a view row or building a body: the token and the positions are still
read first (one statement; on SQLite none while no connection committed,
`api.state_cache`), so a revoked token is still refused and a new event
still makes a new tag. A body that changes with time alone names the
instant (`until`) after which it is not served from here.

Bounded by entries and by bytes, least recently used first out; per worker
(each gunicorn worker builds its own app), shared by its threads under a lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response

MAX_ENTRIES = 512
MAX_BYTES = 32 * 1024 * 1024
EXTENSION = "body_cache"


@dataclass(frozen=True)
class Entry:
    """A 200 answer: its bytes, every header the view and `@etagged` set
    (Content-Type, Content-Disposition, ETag, Vary...), and the instant it
    stops being the answer (None: only a new tag changes it)."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    until: str | None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers)

    def response(self, response_class: type[Response]) -> Response:
        response = response_class(self.body, status=200)
        # The headers as they were sent (werkzeug checked each when the view's
        # response was built): copied in, not checked one by one again.
        response.headers._list = list(self.headers)  # type: ignore[attr-defined]
        return response


def entry_of(response: Response, until: str | None) -> Entry | None:
    """What to keep of a finished 200 answer; None for a file or a stream
    (their bytes are not in memory)."""
    if response.direct_passthrough or response.is_streamed:
        return None
    return Entry(response.get_data(), tuple(response.headers.items()), until)


class BodyCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, tag: str, now: str | Callable[[], str]) -> Entry | None:
        """The answer kept for `tag`, if it is still valid at `now` (RFC 3339
        UTC, or how to read it: only an entry with an instant needs it)."""
        with self._lock:
            entry = self._entries.get(tag)
            if entry is None:
                return None
            if (
                entry.until is not None
                and not (now if isinstance(now, str) else now()) < entry.until
            ):
                self._drop(tag)
                return None
            self._entries.move_to_end(tag)
            return entry

    def put(self, tag: str, entry: Entry) -> None:
        if entry.size > self.max_bytes:
            return
        with self._lock:
            if tag in self._entries:
                self._drop(tag)
            self._entries[tag] = entry
            self.size += entry.size
            while len(self._entries) > self.max_entries or self.size > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, tag: str) -> None:
        self.size -= self._entries.pop(tag).size
