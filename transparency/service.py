"""The log as the HTTP layer sees it: signed checkpoints (cached while the tree
does not grow) with their witnesses' cosignatures, proofs and certificates.
No Flask here."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from ledger.database import Database
from ledger.personal_store import PersonalData
from transparency import certificate, corrections, note
from transparency.store import Head, TreeStore
from transparency.witnesses import CosignatureStore, WitnessPolicy


@dataclass(frozen=True)
class SignedCheckpoint:
    head: Head
    note: str


class NotInTree(LookupError):
    """The requested leaf is not (yet) in the tree."""


class TransparencyLog:
    def __init__(
        self, db: Database, signer: note.Signer, policy: WitnessPolicy | None = None
    ) -> None:
        self.store = TreeStore(db)
        self.cosignatures = CosignatureStore(db)
        self.people = PersonalData(db)
        self.signer = signer
        self.policy = policy or WitnessPolicy()
        self._lock = threading.Lock()
        self._cached: SignedCheckpoint | None = None

    @property
    def vkey(self) -> str:
        return self.signer.verifier.vkey

    def checkpoint(self, head: Head | None = None) -> SignedCheckpoint:
        """The checkpoint of the current tree, signed once per tree size (by
        the log's key alone: see `latest` for the cosigned note).

        Every signed checkpoint is recorded, so `verify store` can check the
        latest one and the witnesses can be asked to cosign it; Ed25519 is
        deterministic, so re-signing a size (another process, a restart)
        yields the identical note.
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

    def cosigned(self, size: int, signed_note: str) -> str:
        """The log's signed note of `size` followed by the configured witnesses'
        cosignature lines on it (none yet: the note as the log signed it)."""
        return signed_note + self.cosignatures.lines(size, self.policy.vkeys)

    def latest(self, head: Head | None = None) -> tuple[int, str]:
        """The newest checkpoint (signed now if the tree has grown), with every
        cosignature it has gathered so far: (size, note)."""
        signed = self.checkpoint(head)
        return signed.head.size, self.cosigned(signed.head.size, signed.note)

    def _witnessed(self, covering: int = 0) -> dict[str, Any] | None:
        policy = self.policy
        found = self.cosignatures.latest(policy.vkeys, policy.quorum, covering)
        if found is None and policy.quorum:  # no quorum yet: the newest signed one
            found = self.cosignatures.latest(policy.vkeys, 0, covering)
        return found

    def published(self) -> tuple[int, str]:
        """What `/log/checkpoint` serves: the latest checkpoint a quorum of the
        witnesses cosigned (the latest signed one while none is), with its
        cosignatures: (size, note)."""
        found = self._witnessed()
        if found is None:
            return self.latest()
        return int(found["size"]), self.cosigned(int(found["size"]), found["note"])

    def witnessing(self) -> dict[str, Any]:
        """Readiness detail: how far the witnessed checkpoint trails the latest."""
        policy = self.policy
        latest = self.store.latest_checkpoint()
        witnessed = self.cosignatures.latest(policy.vkeys, policy.quorum)
        latest_size = int(latest["size"]) if latest else None
        witnessed_size = int(witnessed["size"]) if witnessed else None
        return {
            "witnesses": len(policy.witnesses),
            "quorum": policy.quorum,
            "latest_checkpoint": latest_size,
            "witnessed_checkpoint": witnessed_size,
            "quorum_met": witnessed_size is not None and witnessed_size == latest_size,
        }

    def history(
        self, *, after: int = 0, before: int | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Signed checkpoints (oldest first after `after`, or newest first
        below `before`): size, root, when signed, and the note with the
        configured witnesses' cosignatures."""
        rows = self.store.checkpoints(after=after, before=before, limit=limit)
        lines = self.cosignatures.lines_of([int(r["size"]) for r in rows], self.policy.vkeys)
        return [
            {
                "size": int(row["size"]),
                "root": row["root"],
                "signed_at": row["signed_at"],
                "note": row["note"] + lines[int(row["size"])],
            }
            for row in rows
        ]

    def certificate(self, work_id: str) -> dict[str, Any]:
        """The work's certificate on the latest checkpoint covering its leaf that
        a quorum of witnesses cosigned (else the newest covering it), cosignatures
        included, with the opening of its credit while the artist's personal data
        exists (`credit: null` after the erasure)."""
        row = self.store.leaf_of(work_id, 1)
        if row is None or row["type"] != certificate.DECLARATION_TYPE:
            raise NotInTree(f"no ownership declaration of work {work_id} in the tree")
        index = int(row["idx"])
        later = self._corrections(work_id)  # a retraction or dispute: proven in the same tree
        found = self._witnessed(covering=max([index, *(int(c["idx"]) for c in later)]) + 1)
        if found is None:
            size, signed = self.latest()
        else:
            size = int(found["size"])
            signed = self.cosigned(size, found["note"])
        path = self.store.inclusion_proof(index, size)
        artist = json.loads(row["leaf"])["data"]["artist"]
        corrected = [
            corrections.correction(
                int(c["idx"]),
                c["leaf"].encode("utf-8"),
                self.store.inclusion_proof(int(c["idx"]), size),
            )
            for c in later
            if int(c["idx"]) < size
        ]
        return certificate.build_certificate(
            work_id,
            index,
            row["leaf"].encode("utf-8"),
            size,
            path,
            signed,
            self.vkey,
            self.people.credit(artist, work_id),
            corrected,
        )

    def _corrections(self, work_id: str) -> list[dict[str, Any]]:
        marks = ", ".join("?" for _ in corrections.CORRECTIONS)
        return self.store.db.fetchall(
            "SELECT idx, leaf FROM {t}tlog_leaves WHERE aggregate_id = ? AND aggregate_version > 1 "
            f"AND type IN ({marks}) ORDER BY idx",
            (work_id, *corrections.CORRECTIONS),
        )
