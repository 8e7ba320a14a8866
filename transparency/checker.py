"""`verify store`: rebuild the tree from the stored events and compare.

Everything streams: events, stored leaves, stored nodes and recorded
checkpoints are read in pages and compared in one pass, so memory stays flat
at any log size and any number of checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.log import iter_log
from transparency import merkle, note
from transparency.leaves import leaf_bytes
from transparency.store import TreeStore


class StoreMismatch(Exception):
    """The first difference between the stored events and the stored tree."""


@dataclass(frozen=True)
class StoreReport:
    size: int
    root: bytes
    checkpoints: int
    latest_checkpoint: int | None
    signature_checked: bool


def _events(ledger: Any) -> Iterator[dict[str, Any]]:
    last = 0
    iterator = iter_log(ledger, 0)
    while True:
        try:
            env = next(iterator)
        except StopIteration:
            return
        except Exception as error:  # a tampered event may no longer decode at all
            raise StoreMismatch(
                f"the event after log position {last} cannot be decoded: "
                f"{type(error).__name__}: {error}"
            ) from error
        last = env["position"]
        yield env


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


def check_store(
    ledger: Any,
    key_file: Path | None,
    log_name: str,
    advance: Callable[[int], None] = lambda n: None,
) -> StoreReport:
    """Raise StoreMismatch naming the first bad leaf index; else a summary."""
    store = TreeStore(ledger.db)
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
    index = 0
    checkpoints.check(index, frontier)
    for env in _events(ledger):
        if env["position"] > head.position:
            break  # written after the builder's last batch: not in the tree yet
        stored = next(leaves, None)
        if stored is None or int(stored["idx"]) != index:
            raise StoreMismatch(f"leaf index {index}: missing from the stored tree")
        if int(stored["position"]) != env["position"]:
            raise StoreMismatch(
                f"leaf index {index}: stored for log position {stored['position']}, "
                f"but the next event is at position {env['position']}"
            )
        expected = leaf_bytes(env)
        if stored["leaf"].encode("utf-8") != expected:
            raise StoreMismatch(
                f"leaf index {index} (log position {env['position']}): the stored event "
                "does not reproduce the stored leaf"
            )
        for node_id, digest in merkle.append_leaf(index, frontier, merkle.leaf_hash(expected)):
            if next(nodes, None) != (node_id, digest):
                raise StoreMismatch(f"leaf index {index}: stored tree node {node_id} differs")
        index += 1
        advance(1)
        checkpoints.check(index, frontier)
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
    signature_checked = False
    if latest_row is not None and key_file is not None and Path(key_file).exists():
        verifier = note.load_or_create_signer(Path(key_file), log_name).verifier
        try:
            text = note.open_note(latest_row["note"], verifier)
            signed = note.parse_checkpoint(text)
        except note.NoteError as error:
            raise StoreMismatch(f"checkpoint at size {latest}: {error}") from error
        if signed.size != latest or signed.root.hex() != latest_row["root"]:
            raise StoreMismatch(f"checkpoint at size {latest}: the signed note says otherwise")
        signature_checked = True
    return StoreReport(index, root, checkpoints.count, latest, signature_checked)
