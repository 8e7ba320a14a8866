"""`verify store`: rebuild the tree from the stored events and compare.

Everything streams: events, stored leaves, stored nodes and recorded
checkpoints are read in pages and compared in one pass, so memory stays flat
at any log size and any number of checkpoints. No stored event stops it: an
event that cannot be read is compared through its unreadable-form leaf
(`transparency.leaves`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.database import Database
from ledger.log import Entry, EventLog
from transparency import merkle, note, tiles
from transparency.leaves import entry_leaf, raw_leaf_bytes, read_once
from transparency.store import TreeStore


class StoreMismatch(Exception):
    """The first difference between the stored events and the stored tree."""


class StoreUnverified(Exception):
    """The tree may match the events, but no signature can be checked for it."""


class StoreStale(Exception):
    """The store's tree is whole, but smaller than a checkpoint the log
    published: a copy from before it (or a log rolled back)."""


@dataclass(frozen=True)
class StoreReport:
    size: int
    root: bytes
    checkpoints: int
    latest_checkpoint: int | None
    signature_checked: bool
    key: str = ""  # which key checked the signature: "pinned" or the key file
    # Leaves of events that could not be read when the tree was built (and
    # still bind their stored bytes): how many, and the first few positions.
    unreadable: int = 0
    unreadable_positions: tuple[int, ...] = ()
    tiles: int = 0  # stored full tiles, each equal to the stored nodes it holds
    known: int | None = None  # the size of the published checkpoint it was asked to hold


class _Checkpoints:
    """The recorded checkpoints, streamed in size order beside the recomputed tree."""

    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self.rows = rows
        self.pending = next(rows, None)
        self.count = 0

    def check(self, size: int, frontier: list[bytes]) -> None:
        """Compare the checkpoint of `size`, if any, with the tree recomputed to
        `size` leaves (called for every size in turn, so none is skipped)."""
        while self.pending is not None and int(self.pending["size"]) <= size:
            if bytes.fromhex(self.pending["root"]) != merkle.root_from_frontier(frontier):
                raise StoreMismatch(
                    f"checkpoint at size {size}: its root differs from the recomputed tree "
                    f"(leaf index {size - 1} or before)"
                )
            self.count += 1
            self.pending = next(self.rows, None)


def _check_tiles(store: TreeStore, size: int) -> int:
    """Every full tile of the tree is stored, holds exactly its (checked) nodes,
    and no other tile is stored: what `/log/` serves as immutable."""
    count = 0
    for tile in tiles.all_tiles(size):
        if not tile.is_full:
            continue
        stored = store.full_tile(tile)
        if stored is None:
            raise StoreMismatch(f"the full tile {tile.path} is missing from the store")
        if stored != tiles.tile_hashes(tile, store.fetch_nodes):
            raise StoreMismatch(f"the stored tile {tile.path} differs from the tree's nodes")
        count += 1
    stored_count = store.db.fetchone("SELECT COUNT(*) AS n FROM {t}tlog_tiles")
    if stored_count is not None and int(stored_count["n"]) > count:
        raise StoreMismatch(f"the store holds tiles beyond the tree's {count} full tiles")
    return count


def _leaf(index: int, entry: Entry, stored: bytes) -> tuple[bytes, bool]:
    """The recomputed leaf that must equal `stored`, and whether it is the
    unreadable form. A leaf built as the unreadable form (the event could not
    be read back then) is accepted when it still binds the stored bytes."""
    expected, raw = entry_leaf(entry)
    if stored != expected and not raw and stored == raw_leaf_bytes(entry):
        return stored, True
    if stored != expected:
        now = (
            f" (and it cannot be read now: {entry.envelope['unreadable']['error']})"
            if entry.unreadable
            else ""
        )
        raise StoreMismatch(
            f"leaf index {index} (log position {entry.position}): the stored event "
            f"does not reproduce the stored leaf{now}"
        )
    return expected, raw


def check_store(
    log: EventLog,
    db: Database,
    key_file: Path | None,
    log_name: str,
    advance: Callable[[int], None] = lambda n: None,
    pinned: note.Verifier | None = None,
    published: str | None = None,
) -> StoreReport:
    """Raise StoreMismatch naming the first bad leaf index, StoreUnverified when
    no signature can vouch for the tree; else a summary.

    The latest checkpoint's signature is checked with `pinned` (the log's
    published key) when given, else with the key file beside the store.
    `published`: a signed checkpoint the log published (checked with the
    same key), which the store's tree must hold: its root at that size, so
    a copy from before it is `StoreStale` and a forked or rewritten log a
    mismatch."""
    known = None if published is None else _published(published, key_file, log_name, pinned)
    store = TreeStore(db)
    # The latest checkpoint first: it and every one before it was signed for
    # a head no newer than the one read next.
    latest_row = store.latest_checkpoint()
    latest = int(latest_row["size"]) if latest_row is not None else None
    head = store.head()
    # A running builder may append meanwhile: compare only up to this head.
    leaves = store.iter_leaves(below=head.size)
    nodes = store.iter_nodes(below=merkle.stored_count(head.size))
    checkpoints = _Checkpoints(store.iter_checkpoints(below=-1 if latest is None else latest + 1))
    frontier: list[bytes] = []
    index, unreadable, first_unreadable = 0, 0, []
    checkpoints.check(index, frontier)
    if known is not None and known.size == 0:
        _hold(known, frontier)
    for entry in read_once(log, 0):
        if entry.position > head.position:
            break  # written after the builder's last batch: not in the tree yet
        stored = next(leaves, None)
        if stored is None or int(stored["idx"]) != index:
            raise StoreMismatch(f"leaf index {index}: missing from the stored tree")
        if int(stored["position"]) != entry.position:
            raise StoreMismatch(
                f"leaf index {index}: stored for log position {stored['position']}, "
                f"but the next event is at position {entry.position}"
            )
        expected, raw = _leaf(index, entry, stored["leaf"].encode("utf-8"))
        if raw:
            unreadable += 1
            if len(first_unreadable) < 10:
                first_unreadable.append(entry.position)
        for node_id, digest in merkle.append_leaf(index, frontier, merkle.leaf_hash(expected)):
            if next(nodes, None) != (node_id, digest):
                raise StoreMismatch(f"leaf index {index}: stored tree node {node_id} differs")
        index += 1
        advance(1)
        checkpoints.check(index, frontier)
        if known is not None and index == known.size:
            _hold(known, frontier)
    if index != head.size:
        raise StoreMismatch(
            f"leaf index {index}: the tree head says {head.size} leaves up to position "
            f"{head.position}, the log has {index} events there"
        )
    root = merkle.root_from_frontier(frontier)
    if root != head.root:
        raise StoreMismatch(
            f"the tree head's root differs from the recomputed root at size {index}"
        )
    if latest is not None and latest > index:
        raise StoreMismatch(f"checkpoint at size {latest} is beyond the tree (size {index})")
    if known is not None and known.size > index:
        raise StoreStale(
            f"the store's tree has {index} leaves, the published checkpoint {known.size}: "
            "this copy is from before it, or the log was rolled back"
        )
    report = StoreReport(
        index,
        root,
        checkpoints.count,
        latest,
        False,
        unreadable=unreadable,
        unreadable_positions=tuple(first_unreadable),
        tiles=_check_tiles(store, index),
        known=known.size if known is not None else None,
    )
    if latest_row is None:
        if index:
            raise StoreUnverified(
                f"no signed checkpoint covers the tree ({index} leaves): every checkpoint "
                "was deleted, or none was signed yet (the tree builder signs one within a "
                "second of appending; GET /v1/transparency/checkpoint signs one too)"
            )
        return report
    verifier, key = _verifier(key_file, log_name, pinned)
    try:
        signed = note.parse_checkpoint(note.open_note(latest_row["note"], verifier))
    except note.NoteError as error:
        raise StoreMismatch(f"checkpoint at size {latest}: {error}") from error
    if signed.size != latest or signed.root.hex() != latest_row["root"]:
        raise StoreMismatch(f"checkpoint at size {latest}: the signed note says otherwise")
    return replace(report, signature_checked=True, key=key)


def _published(
    text: str, key_file: Path | None, log_name: str, pinned: note.Verifier | None
) -> note.Checkpoint:
    """The published checkpoint, once its signature is the log's."""
    verifier, _ = _verifier(key_file, log_name, pinned)
    try:
        known = note.parse_checkpoint(note.open_note(text, verifier))
    except note.NoteError as error:
        raise StoreMismatch(f"the published checkpoint: {error}") from error
    if known.origin != verifier.name:
        raise StoreMismatch(
            f"the published checkpoint is of log {known.origin!r}, the key's is {verifier.name!r}"
        )
    return known


def _hold(known: note.Checkpoint, frontier: list[bytes]) -> None:
    root = merkle.root_from_frontier(frontier)
    if root != known.root:
        raise StoreMismatch(
            f"the store's tree at size {known.size} has root {root.hex()}, the published "
            f"checkpoint {known.root.hex()}: the store is not the log that published it "
            "(forked or rewritten)"
        )


def _verifier(
    key_file: Path | None, log_name: str, pinned: note.Verifier | None
) -> tuple[note.Verifier, str]:
    """The key to check the latest checkpoint with, and what it is."""
    local: note.Verifier | None = None
    if key_file is not None and Path(key_file).exists():
        try:
            local = note.load_signer(Path(key_file), log_name).verifier
        except (OSError, note.NoteError) as error:
            if pinned is None:
                raise StoreUnverified(f"cannot read the signing key {key_file}: {error}") from error
    if pinned is not None:
        if local is not None and local.vkey != pinned.vkey:
            raise StoreMismatch(
                f"the signing key in {key_file} ({local.vkey}) is not the pinned key "
                f"({pinned.vkey}): this store signs checkpoints no holder of the pinned "
                "key can verify"
            )
        return pinned, "pinned"
    if local is None:
        raise StoreUnverified(
            f"cannot check the latest checkpoint's signature: the signing key file "
            f"{key_file} is missing (pass --key with the log's published key)"
        )
    return local, str(key_file)
