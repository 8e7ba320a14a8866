"""`verify store`: rebuild the tree from the stored events and compare.

Everything streams: events, stored leaves and stored nodes are read in pages
and compared in one pass, so memory stays flat at any log size.
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


def check_store(
    ledger: Any,
    key_file: Path | None,
    log_name: str,
    advance: Callable[[int], None] = lambda n: None,
) -> StoreReport:
    """Raise StoreMismatch naming the first bad leaf index; else a summary."""
    store = TreeStore(ledger.db)
    # Checkpoints first: each was signed for a head no newer than the one read next.
    checkpoints = {int(row["size"]): row for row in store.checkpoints()}
    head = store.head()
    # A running builder may append meanwhile: compare only up to this head.
    leaves = store.iter_leaves(below=head.size)
    nodes = store.iter_nodes(below=merkle.stored_count(head.size))
    frontier: list[bytes] = []
    index = 0
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
        if index in checkpoints:
            root = merkle.root_from_frontier(frontier)
            if bytes.fromhex(checkpoints[index]["root"]) != root:
                raise StoreMismatch(
                    f"checkpoint at size {index}: its root differs from the recomputed tree "
                    f"(leaf index {index - 1} or before)"
                )
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
    latest = max(checkpoints) if checkpoints else None
    if latest is not None and latest > index:
        raise StoreMismatch(f"checkpoint at size {latest} is beyond the tree (size {index})")
    signature_checked = False
    if latest is not None and key_file is not None and Path(key_file).exists():
        verifier = note.load_or_create_signer(Path(key_file), log_name).verifier
        try:
            text = note.open_note(checkpoints[latest]["note"], verifier)
            signed = note.parse_checkpoint(text)
        except note.NoteError as error:
            raise StoreMismatch(f"checkpoint at size {latest}: {error}") from error
        if signed.size != latest or signed.root.hex() != checkpoints[latest]["root"]:
            raise StoreMismatch(f"checkpoint at size {latest}: the signed note says otherwise")
        signature_checked = True
    return StoreReport(index, root, len(checkpoints), latest, signature_checked)
