"""The bytes an event becomes in the transparency log, and their limit.

A leaf is the RFC 8785 canonical JSON of the event's envelope (events hold
no personal data: people are ids, their values salted commitments). C2SP tlog-tiles entry bundles
prefix each leaf with a big-endian uint16 length, so a leaf over 65,535
bytes could never be served: the command bus refuses such an event before
it is saved (`check_leaf_size`), so none is ever written.

Canonicalising is most of the tree builder's and `verify store`'s work, and
`rfc8785` is pure Python; `canonical` spells the values leaves hold (no
floats) with the C JSON encoder instead, byte for byte the same, and hands
anything else to `rfc8785` (see `plain`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import rfc8785

from ledger import errors
from ledger.events import envelope, leaf_form

MAX_LEAF_BYTES = 0xFFFF
# The position is assigned by the save: measure with the widest one a leaf can
# spell (RFC 8785 refuses integers beyond 2^53 - 1; such a leaf would be the
# event's small unreadable form).
WIDEST_POSITION = 2**53 - 1
_INT_MAX = 2**53 - 1  # RFC 8785 (I-JSON): integers beyond are refused
_ENCODE = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
).encode


def plain(value: Any) -> bool:
    """Whether `json.dumps` (sorted keys, no spaces, UTF-8 as is) spells
    `value` exactly as RFC 8785 does: only dicts with plain keys, lists,
    tuples, strings, bools, None and integers within I-JSON's range (no
    floats: ECMAScript's number spelling differs from Python's repr). Exact
    types only, so a subclass's own conversions never enter. Lone surrogates
    are left to the UTF-8 encoding, which refuses them (see `canonical`)."""
    kind = type(value)
    if kind is dict:
        return _plain_keys(value) and _plain_all(value.values())
    if kind is list or kind is tuple:
        return _plain_all(value)
    return _plain_all((value,))


def _plain_keys(obj: dict[Any, Any]) -> bool:
    """RFC 8785 orders keys by UTF-16 code units, `sort_keys` by code points:
    the same order whenever no key has a character beyond the BMP (those
    become surrogates, which sort below U+E000..U+FFFF in UTF-16)."""
    for key in obj:
        if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
            return False
    return True


def _plain_all(values: Iterable[Any]) -> bool:
    # Inlined scalar checks, strings first: a leaf is mostly ids, hashes and
    # timestamps, and this walk is most of `canonical`'s own cost.
    for value in values:
        kind = type(value)
        if kind is str or value is None or kind is bool:
            continue
        if kind is int:
            if -_INT_MAX <= value <= _INT_MAX:
                continue
            return False
        if (kind is not dict and kind is not list and kind is not tuple) or not plain(value):
            return False
    return True


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON of `value`, raising what `rfc8785.dumps` raises
    for a value it refuses (anything not `plain`, or a lone surrogate, goes to
    `rfc8785.dumps` itself)."""
    try:
        if plain(value):
            return _ENCODE(value).encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        pass  # a lone surrogate, a cycle: rfc8785 says what it refuses
    return rfc8785.dumps(value)


def leaf_bytes(env: dict[str, Any]) -> bytes:
    """Events hold no personal data (people are ids, their values salted
    commitments), so every leaf is public."""
    return canonical(leaf_form(env))


def leaf_size(domain_event: Any) -> int | None:
    """The most bytes the event's leaf can take, whatever position it is saved at;
    None when it cannot be canonicalised (its leaf is then the small unreadable form)."""
    try:
        return len(leaf_bytes(envelope(WIDEST_POSITION, domain_event)))
    except Exception:  # the tree gives such an event its unreadable leaf
        return None


# What the envelope adds around the event's attributes: its keys, the event
# and aggregate ids, the position, the version, the type and the timestamp.
_ENVELOPE_BYTES = 1024
_ID_BYTES = 38  # a UUID in quotes
_TIME_BYTES = 64  # rfc3339 (or an isoformat with its offset) in quotes


def _most_bytes(value: Any) -> int | None:
    """At least as many bytes as `value` takes in a leaf (after
    `ledger.events._plain`), or None for a value it does not bound. A string
    takes at most 6 bytes a character (`\\u001f`; UTF-8 takes at most 4)."""
    kind = type(value)
    if kind is str:
        return 6 * len(value) + 2
    if value is None or kind is bool:
        return 5
    if kind is int:
        return 17 if -_INT_MAX <= value <= _INT_MAX else None
    if isinstance(value, UUID):
        return _ID_BYTES
    if isinstance(value, datetime):
        return _TIME_BYTES
    if kind is list or kind is tuple:
        return _most_bytes_all(value, 2)
    if kind is dict:
        if any(type(key) is not str for key in value):
            return None
        keys = _most_bytes_all(value.keys(), 2)
        values = _most_bytes_all(value.values(), 0)
        return None if keys is None or values is None else keys + values
    return None


def _most_bytes_all(values: Iterable[Any], total: int) -> int | None:
    for value in values:
        size = _most_bytes(value)
        if size is None:
            return None
        total += size + 1
    return total


def fits_surely(domain_event: Any) -> bool:
    """Whether the event's leaf fits without building it: its attributes,
    counted twice (the actor is both in `data` and beside it), plus the
    envelope's own, bounded well under the limit. A bound, so a normal event
    (~700 bytes) costs a walk of its values instead of a canonical encoding;
    anything it cannot bound is measured exactly."""
    try:
        attributes = _most_bytes(domain_event.__dict__)
    except RecursionError:
        return False
    return attributes is not None and 2 * attributes + _ENVELOPE_BYTES <= MAX_LEAF_BYTES


def check_leaf_size(domain_events: Iterable[Any]) -> None:
    """EventTooLarge unless every event's leaf fits an entry bundle."""
    for domain_event in domain_events:
        if fits_surely(domain_event):
            continue
        size = leaf_size(domain_event)
        if size is not None and size > MAX_LEAF_BYTES:
            raise errors.EventTooLarge(
                f"the {type(domain_event).__qualname__} event would be a transparency-log "
                f"leaf of {size:,} bytes; a leaf holds at most {MAX_LEAF_BYTES:,}: "
                "shorten the request's text",
                leaf_bytes=size,
                max_leaf_bytes=MAX_LEAF_BYTES,
            )
