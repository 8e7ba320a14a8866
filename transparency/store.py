"""The stored tree: leaves, complete-subtree nodes, full tiles, the tree head,
signed checkpoints.

Nodes are keyed by their append-order id (see `merkle.stored_index`), so a
proof is one `SELECT ... WHERE id IN (...)` of O(log n) rows, and appending
a batch of leaves writes its leaves, nodes, the full C2SP tiles it completes
and the new head in one transaction. A full tile never changes, so it is
computed once, by the append that completes it, and served from its row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.database import Cursor, Database
from ledger.events import rfc3339
from ledger.tables import Index, Table, bigint, blob, integer, text
from transparency import merkle, tiles

HEAD = Table(
    "tlog_head",
    (integer("id"), bigint("size"), bigint("position"), text("root")),
    primary_key=("id",),
    check="id = 1",
)
LEAVES = Table(
    "tlog_leaves",
    (
        bigint("idx"),
        bigint("position", unique=True),
        text("aggregate_id"),
        bigint("aggregate_version"),
        text("type"),
        text("leaf"),
    ),
    primary_key=("idx",),
    indexes=(Index("tlog_leaves_aggregate", "aggregate_id, aggregate_version"),),
)
NODES = Table("tlog_nodes", (bigint("id"), blob("hash")), primary_key=("id",))
# `signed_at`: when the log first signed the size (null for checkpoints signed
# before schema version 3 recorded it; the note itself carries no time).
CHECKPOINTS = Table(
    "tlog_checkpoints",
    (bigint("size"), text("root"), text("note"), text("signed_at", null=True)),
    primary_key=("size",),
)
# Full hash tiles (256 hashes, 8,192 bytes) by their path, e.g. tile/0/x001/234.
TILES = Table("tlog_tiles", (text("path"), blob("data")), primary_key=("path",))
TABLES = (HEAD, LEAVES, NODES, CHECKPOINTS, TILES)


def add_signing_times(cur: Cursor) -> None:
    """Migration to schema version 3: checkpoints record when they were signed."""
    cur.execute("ALTER TABLE {t}tlog_checkpoints ADD COLUMN signed_at TEXT")


def seed(cur: Cursor) -> None:
    """The empty tree's head."""
    cur.execute(
        "INSERT INTO {t}tlog_head (id, size, position, root) VALUES (1, 0, 0, ?) "
        "ON CONFLICT (id) DO NOTHING",
        (merkle.EMPTY_ROOT.hex(),),
    )


def _store_full_tiles(cur: Cursor, old_size: int, new_size: int) -> None:
    """The full hash tiles a tree of `new_size` has and one of `old_size` lacks,
    read from the nodes already written in this transaction."""
    for tile in tiles.new_tiles(old_size, new_size):
        if tile.is_full:
            data = tiles.tile_hashes(tile, lambda nodes: _fetch(cur, nodes))
            cur.execute(
                "INSERT INTO {t}tlog_tiles (path, data) VALUES (?, ?) "
                "ON CONFLICT (path) DO NOTHING",
                (tile.path, data),
            )


def _fetch(cur: Cursor, nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
    if not nodes:
        return {}
    ids = {merkle.stored_index(level, index): (level, index) for level, index in nodes}
    marks = ",".join("?" * len(ids))
    cur.execute(f"SELECT id, hash FROM {{t}}tlog_nodes WHERE id IN ({marks})", list(ids))
    found = {ids[int(row["id"])]: bytes(row["hash"]) for row in cur.fetchall()}
    if len(found) != len(ids):
        raise LookupError("the stored tree is missing nodes")
    return found


class StaleHead(RuntimeError):
    """Another builder advanced the tree since this one read its head."""


@dataclass(frozen=True)
class Head:
    size: int
    position: int  # the last log position in the tree (0: none)
    root: bytes


@dataclass(frozen=True)
class LeafRecord:
    position: int
    aggregate_id: str
    aggregate_version: int
    type: str
    leaf: bytes  # RFC 8785 canonical JSON


class TreeStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ---- reading -------------------------------------------------------------

    def head(self) -> Head:
        row = self.db.fetchone("SELECT size, position, root FROM {t}tlog_head WHERE id = 1")
        if row is None:
            raise LookupError("the transparency tables are missing; run `labledger db init`")
        return Head(int(row["size"]), int(row["position"]), bytes.fromhex(row["root"]))

    def fetch_nodes(self, nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
        with self.db.transaction() as cur:
            return _fetch(cur, nodes)

    def hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """MTH of each leaf range [lo, hi), every node they need read in one query."""
        return merkle.prove(ranges, self.fetch_nodes)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return self.hashes(merkle.inclusion_ranges(index, size))

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        return self.hashes(merkle.consistency_ranges(first, second))

    def root_at(self, size: int) -> bytes:
        nodes = merkle.frontier(size)
        hashes = self.fetch_nodes(nodes)
        return merkle.root_from_frontier([hashes[node] for node in nodes])

    def leaf(self, index: int) -> dict[str, Any] | None:
        return self.db.fetchone("SELECT * FROM {t}tlog_leaves WHERE idx = ?", (index,))

    def leaf_of(self, aggregate_id: str, aggregate_version: int) -> dict[str, Any] | None:
        return self.db.fetchone(
            "SELECT * FROM {t}tlog_leaves WHERE aggregate_id = ? AND aggregate_version = ?",
            (aggregate_id, aggregate_version),
        )

    def full_tile(self, tile: tiles.Tile) -> bytes | None:
        row = self.db.fetchone("SELECT data FROM {t}tlog_tiles WHERE path = ?", (tile.path,))
        return bytes(row["data"]) if row else None

    def leaves_between(self, lo: int, hi: int) -> list[bytes]:
        """The leaf bytes of indexes lo..hi-1, in order."""
        rows = self.db.fetchall(
            "SELECT leaf FROM {t}tlog_leaves WHERE idx >= ? AND idx < ? ORDER BY idx", (lo, hi)
        )
        return [row["leaf"].encode("utf-8") for row in rows]

    def _pages(
        self, table: str, columns: str, key: str, below: int, page: int
    ) -> Iterator[dict[str, Any]]:
        """Rows with `key` < `below` in key order, read `page` rows at a time."""
        sql = (
            f"SELECT {columns} FROM {{t}}{table} WHERE {key} > ? AND {key} < ? "
            f"ORDER BY {key} LIMIT ?"
        )
        after = -1
        while True:
            rows = self.db.fetchall(sql, (after, below, page))
            if not rows:
                return
            yield from rows
            after = int(rows[-1][key])

    def iter_leaves(self, below: int, page: int = 1000) -> Iterator[dict[str, Any]]:
        return self._pages("tlog_leaves", "*", "idx", below, page)

    def iter_nodes(self, below: int, page: int = 5000) -> Iterator[tuple[int, bytes]]:
        for row in self._pages("tlog_nodes", "id, hash", "id", below, page):
            yield int(row["id"]), bytes(row["hash"])

    # ---- appending -----------------------------------------------------------

    def append(self, expected: Head, records: Sequence[LeafRecord]) -> Head:
        """Add leaves after `expected`; leaves, nodes and head in one transaction."""
        if not records:
            return expected
        size = expected.size
        with self.db.transaction(write=True) as cur:
            # The frontier of `expected` is complete, committed and never changes,
            # so the new nodes and root can be computed before the head is claimed.
            nodes = merkle.frontier(size)
            found = _fetch(cur, nodes)
            frontier = [found[node] for node in nodes]
            node_rows: list[tuple[int, bytes]] = []
            leaf_rows = []
            for offset, record in enumerate(records):
                leaf = merkle.leaf_hash(record.leaf)
                node_rows += merkle.append_leaf(size + offset, frontier, leaf)
                leaf_rows.append(
                    (
                        size + offset,
                        record.position,
                        record.aggregate_id,
                        record.aggregate_version,
                        record.type,
                        record.leaf.decode("utf-8"),
                    )
                )
            head = Head(
                size + len(records), records[-1].position, merkle.root_from_frontier(frontier)
            )
            # Claim the head before inserting: a concurrent builder blocks here,
            # then finds 0 rows (StaleHead) instead of colliding on leaf indexes.
            cur.execute(
                "UPDATE {t}tlog_head SET size = ?, position = ?, root = ? "
                "WHERE id = 1 AND size = ? AND position = ? RETURNING size",
                (head.size, head.position, head.root.hex(), size, expected.position),
            )
            if cur.fetchone() is None:
                raise StaleHead(f"the tree is no longer at size {size}")
            cur.executemany(
                "INSERT INTO {t}tlog_leaves (idx, position, aggregate_id, aggregate_version, "
                "type, leaf) VALUES (?, ?, ?, ?, ?, ?)",
                leaf_rows,
            )
            cur.executemany("INSERT INTO {t}tlog_nodes (id, hash) VALUES (?, ?)", node_rows)
            _store_full_tiles(cur, size, head.size)
        return head

    # ---- signed checkpoints --------------------------------------------------

    def save_checkpoint(self, size: int, root: bytes, signed_note: str) -> None:
        """Record a signed checkpoint; the first signing of a size keeps its time."""
        self.db.execute(
            "INSERT INTO {t}tlog_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (size) DO NOTHING",
            (size, root.hex(), signed_note, rfc3339(datetime.now(UTC))),
        )

    def checkpoints(
        self, *, after: int = 0, before: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Up to `limit` signed checkpoints, oldest first after size `after`,
        or newest first below size `before` when it is given."""
        columns = "size, root, note, signed_at"
        if before is None:
            sql, params = "WHERE size > ? ORDER BY size LIMIT ?", (after, limit)
        else:
            sql, params = "WHERE size < ? ORDER BY size DESC LIMIT ?", (before, limit)
        return self.db.fetchall(f"SELECT {columns} FROM {{t}}tlog_checkpoints {sql}", params)

    def checkpoint_below(self, size: int) -> dict[str, Any] | None:
        """The newest signed checkpoint smaller than `size`."""
        rows = self.checkpoints(before=size, limit=1)
        return rows[0] if rows else None

    def latest_checkpoint(self) -> dict[str, Any] | None:
        return self.db.fetchone(
            "SELECT size, root, note FROM {t}tlog_checkpoints ORDER BY size DESC LIMIT 1"
        )

    def iter_checkpoints(self, below: int, page: int = 1000) -> Iterator[dict[str, Any]]:
        return self._pages("tlog_checkpoints", "size, root", "size", below, page)
