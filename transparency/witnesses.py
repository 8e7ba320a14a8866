"""The witnesses the log asks for cosignatures, and the cosignatures they gave.

`LEDGER_WITNESSES` names each witness (its URL and cosignature key) and a
quorum. A cosignature is stored per (checkpoint size, witness key) beside the
checkpoint the log signed, so recording one is an idempotent insert and
"the latest checkpoint that a quorum cosigned" is one query. A checkpoint is
served as the log's signed note followed by the cosignature lines of the
configured witnesses (C2SP tlog-cosignature: extra signature lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.database import Database
from ledger.settings import Settings
from ledger.tables import Table, bigint, text
from transparency import cosignature

COSIGNATURES = Table(
    "tlog_cosignatures",
    (bigint("size"), text("witness"), text("lines")),
    primary_key=("size", "witness"),
)
TABLES = (COSIGNATURES,)


@dataclass(frozen=True)
class Witness:
    url: str  # its submission prefix: add-checkpoint is POSTed to <url>/add-checkpoint
    key: cosignature.WitnessKey

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def vkey(self) -> str:
        return self.key.vkey


@dataclass(frozen=True)
class WitnessPolicy:
    """Who is asked, and how many of them must cosign a checkpoint before the
    log publishes it as witnessed (0 when there are none)."""

    witnesses: tuple[Witness, ...] = ()
    quorum: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> WitnessPolicy:
        """ValueError naming the witness whose key is malformed."""
        witnesses = []
        for entry in settings.witnesses:
            try:
                key = cosignature.parse_witness_vkey(entry.vkey)
            except ValueError as error:
                raise ValueError(
                    f"LEDGER_WITNESSES: the key of {entry.url} is not a witness vkey: {error}"
                ) from error
            witnesses.append(Witness(entry.url, key))
        quorum = len(witnesses) if settings.witness_quorum is None else settings.witness_quorum
        return cls(tuple(witnesses), quorum)

    @property
    def vkeys(self) -> list[str]:
        return [w.vkey for w in self.witnesses]


class CosignatureStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, size: int, witness: str, lines: Sequence[str]) -> None:
        """Record `witness`'s cosignature line(s) of the checkpoint of `size`
        (the first recorded stays: a witness cosigns a checkpoint once)."""
        self.db.execute(
            "INSERT INTO {t}tlog_cosignatures (size, witness, lines) VALUES (?, ?, ?) "
            "ON CONFLICT (size, witness) DO NOTHING",
            (size, witness, "".join(lines)),
        )

    def lines(self, size: int, witnesses: Sequence[str]) -> str:
        """The cosignature lines of `witnesses` on the checkpoint of `size`, in their order."""
        if not witnesses:
            return ""
        marks = ",".join("?" * len(witnesses))
        rows = self.db.fetchall(
            f"SELECT witness, lines FROM {{t}}tlog_cosignatures "
            f"WHERE size = ? AND witness IN ({marks})",
            (size, *witnesses),
        )
        found = {row["witness"]: row["lines"] for row in rows}
        return "".join(found[w] for w in witnesses if w in found)

    def lines_of(self, sizes: Sequence[int], witnesses: Sequence[str]) -> dict[int, str]:
        """`lines` for each of `sizes`, in one query."""
        if not sizes or not witnesses:
            return dict.fromkeys(sizes, "")
        size_marks, marks = ",".join("?" * len(sizes)), ",".join("?" * len(witnesses))
        rows = self.db.fetchall(
            f"SELECT size, witness, lines FROM {{t}}tlog_cosignatures "
            f"WHERE size IN ({size_marks}) AND witness IN ({marks})",
            (*sizes, *witnesses),
        )
        found = {(int(row["size"]), row["witness"]): row["lines"] for row in rows}
        return {s: "".join(found.get((s, w), "") for w in witnesses) for s in sizes}

    def cosigned_size(self, witness: str) -> int | None:
        """The largest checkpoint size `witness` cosigned (None: none yet)."""
        row = self.db.fetchone(
            "SELECT MAX(size) AS size FROM {t}tlog_cosignatures WHERE witness = ?", (witness,)
        )
        return None if row is None or row["size"] is None else int(row["size"])

    def latest(
        self, witnesses: Sequence[str], quorum: int, covering: int = 0
    ) -> dict[str, Any] | None:
        """The latest recorded checkpoint of size >= `covering` that at least
        `quorum` of `witnesses` cosigned (quorum 0: the latest)."""
        if quorum <= 0:
            return self.db.fetchone(
                "SELECT size, root, note FROM {t}tlog_checkpoints WHERE size >= ? "
                "ORDER BY size DESC LIMIT 1",
                (covering,),
            )
        # Walks the cosignatures' primary key down from the top and stops at the
        # first size with a quorum (both stores): no scan of unwitnessed checkpoints.
        marks = ",".join("?" * len(witnesses))
        return self.db.fetchone(
            "SELECT c.size, c.root, c.note FROM {t}tlog_checkpoints c WHERE c.size = "
            f"(SELECT s.size FROM {{t}}tlog_cosignatures s WHERE s.size >= ? "
            f"AND s.witness IN ({marks}) GROUP BY s.size HAVING COUNT(*) >= ? "
            "ORDER BY s.size DESC LIMIT 1)",
            (covering, *witnesses, quorum),
        )
