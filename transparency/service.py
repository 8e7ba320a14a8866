"""The log as the HTTP layer sees it: signed checkpoints (cached while the tree
does not grow), proofs and certificates. No Flask here."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from ledger.database import Database
from ledger.personal import PersonalData
from transparency import certificate, note
from transparency.store import Head, TreeStore


@dataclass(frozen=True)
class SignedCheckpoint:
    head: Head
    note: str


class NotInTree(LookupError):
    """The requested leaf is not (yet) in the tree."""


class TransparencyLog:
    def __init__(self, db: Database, signer: note.Signer) -> None:
        self.store = TreeStore(db)
        self.people = PersonalData(db)
        self.signer = signer
        self._lock = threading.Lock()
        self._cached: SignedCheckpoint | None = None

    @property
    def vkey(self) -> str:
        return self.signer.verifier.vkey

    def checkpoint(self, head: Head | None = None) -> SignedCheckpoint:
        """The checkpoint of the current tree, signed once per tree size.

        Every signed checkpoint is recorded, so `verify store` can check the
        latest one; Ed25519 is deterministic, so re-signing a size (another
        process, a restart) yields the identical note.
        """
        head = head or self.store.head()
        with self._lock:
            cached = self._cached
            if cached is not None and cached.head.size >= head.size:
                return cached  # the tree only grows: a newer checkpoint serves too
            text = note.Checkpoint(self.signer.name, head.size, head.root).text()
            signed = SignedCheckpoint(head, self.signer.sign(text))
            self.store.save_checkpoint(head.size, head.root, signed.note)
            self._cached = signed
            return signed

    def certificate(self, work_id: str) -> dict[str, Any]:
        """The work's certificate, with the opening of its credit while the
        artist's personal data exists (`credit: null` after the erasure)."""
        row = self.store.leaf_of(work_id, 1)
        if row is None or row["type"] != certificate.DECLARATION_TYPE:
            raise NotInTree(f"no ownership declaration of work {work_id} in the tree")
        signed = self.checkpoint()
        index, size = int(row["idx"]), signed.head.size
        path = self.store.inclusion_proof(index, size)
        artist = json.loads(row["leaf"])["data"]["artist"]
        return certificate.build_certificate(
            work_id,
            index,
            row["leaf"].encode("utf-8"),
            size,
            path,
            signed.note,
            self.vkey,
            self.people.credit(artist, work_id),
        )
