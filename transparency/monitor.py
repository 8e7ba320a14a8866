"""A monitor: follow a log through its C2SP tiles and prove it only ever grew.

Each run fetches `<url>/checkpoint`, verifies the log's signature and the
witnesses' cosignatures, rebuilds the tree's right edge from the tiles (they
must fold into the checkpoint's root), checks the consistency proof (built
from the tiles) from the checkpoint the last run stored, re-derives every new
leaf's hash from the entry bundles, and only then stores the new checkpoint.
Any failure leaves the stored state as it was.

Standard library HTTP only: no Flask, eventsourcing or database driver here.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from transparency import cosignature, merkle, note, tiles
from transparency.tile_reader import TileReader

USER_AGENT = "labledger-monitor/1"
MAX_CHECKPOINT = 1 << 20
MAX_BUNDLE = tiles.WIDTH * (2 + tiles.MAX_ENTRY_SIZE)
# What gzip may add to a body it cannot shrink (random hashes): its header and
# trailer, and 5 bytes per stored block of at most 64 KiB. The limits below
# apply to the decompressed bytes; this bounds the compressed ones.
GZIP_SLACK = 64 * 1024

Progress = Callable[[int, int], None]  # (entries verified, entries to verify)


class MonitorError(Exception):
    """The log is inconsistent or does not verify: its operator has something to explain."""


class FetchError(Exception):
    """The log could not be read (network, HTTP status): nothing is known either way."""


@dataclass(frozen=True)
class MonitorState:
    origin: str
    size: int
    root: bytes
    checkpoint: str  # the signed note, kept as evidence

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "origin": self.origin,
                    "size": self.size,
                    "root": base64.b64encode(self.root).decode("ascii"),
                    "checkpoint": self.checkpoint,
                },
                indent=1,
            )
            + "\n"
        )


@dataclass(frozen=True)
class MonitorReport:
    origin: str
    previous_size: int | None  # None: the first run, the whole log was checked
    size: int
    root: bytes
    new_entries: int
    cosigned_by: tuple[str, ...]


def load_state(path: Path, log: note.Verifier) -> MonitorState | None:
    """The last verified checkpoint; FetchError if the file exists but cannot be trusted."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        signed = raw["checkpoint"]
        checkpoint = note.parse_checkpoint(note.open_note(signed, log))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, note.NoteError) as error:
        raise FetchError(
            f"the state file {path} is unreadable or not of this log: {error}"
        ) from error
    return MonitorState(checkpoint.origin, checkpoint.size, checkpoint.root, signed)


def save_state(path: Path, state: MonitorState) -> None:
    """Atomically: a crash leaves the old state or the new one, never half of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    os.replace(tmp, path)


class HttpLog:
    """The log's static resources under its URL prefix."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout

    def get(self, path: str, limit: int) -> bytes:
        """The resource's bytes, at most `limit` of them once decoded. A gzipped
        body is read up to `limit + GZIP_SLACK` and then decompressed: gzip
        makes a hash tile (incompressible) a little longer than its `limit`."""
        request = urllib.request.Request(
            f"{self.url}/{path}",
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, identity"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
                read = limit + GZIP_SLACK if encoding == "gzip" else limit
                data = response.read(read + 1)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise tiles.TileNotFound(path) from error
            raise FetchError(f"GET {self.url}/{path}: HTTP {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise FetchError(f"GET {self.url}/{path}: {error}") from error
        if len(data) > read:
            raise FetchError(f"GET {self.url}/{path}: more than {limit} bytes")
        if encoding == "gzip":  # tlog-tiles lets a log gzip bundles without negotiation
            try:
                data = gzip.GzipFile(fileobj=io.BytesIO(data)).read(limit + 1)
            except (OSError, EOFError, zlib.error) as error:
                raise FetchError(f"GET {self.url}/{path}: bad gzip body: {error}") from error
        if len(data) > limit:
            raise FetchError(f"GET {self.url}/{path}: more than {limit} bytes")
        return data

    def checkpoint(self) -> bytes:
        try:
            return self.get("checkpoint", MAX_CHECKPOINT)
        except tiles.TileNotFound as error:
            raise FetchError(f"{self.url}/checkpoint: HTTP 404") from error

    def tile(self, tile: tiles.Tile) -> bytes:
        limit = MAX_BUNDLE if tile.entries else tile.width * merkle.HASH_SIZE
        return self.get(tile.path, limit)


def _keys(
    log_vkey: str, witness_vkeys: Sequence[str], quorum: int | None
) -> tuple[note.Verifier, list[cosignature.WitnessKey], int]:
    try:
        log = note.parse_vkey(log_vkey)
    except note.NoteError as error:
        raise ValueError(f"log key: {error}") from error
    witnesses, needed = cosignature.quorum_of(witness_vkeys, quorum)
    return log, witnesses, needed


def monitor(
    url: str,
    log_vkey: str,
    witness_vkeys: Sequence[str] = (),
    quorum: int | None = None,
    state_file: Path | None = None,
    progress: Progress | None = None,
    timeout: float = 30.0,
) -> MonitorReport:
    """Check the log at `url` against the last checkpoint in `state_file`, then store
    the new one. MonitorError: the log misbehaved; FetchError: it could not be read;
    ValueError: a malformed key or an impossible quorum (default quorum: all witnesses)."""
    log, witnesses, needed = _keys(log_vkey, witness_vkeys, quorum)
    state_file = Path(state_file) if state_file else None
    previous = load_state(state_file, log) if state_file else None
    source = HttpLog(url, timeout)
    signed = source.checkpoint()
    try:
        cosigned = cosignature.open_cosigned(signed, log, witnesses)
        cosigned.require(needed)
    except note.NoteError as error:
        raise MonitorError(
            f"the checkpoint at {url}/checkpoint does not verify: {error}"
        ) from error
    checkpoint = cosigned.checkpoint
    try:
        count = _check(source, checkpoint, previous, progress)
    except MonitorError:
        if state_file:  # keep what the log signed: with the stored state, it is the evidence
            state_file.with_name(state_file.name + ".rejected").write_bytes(signed)
        raise
    if state_file:
        text = signed.decode("utf-8")
        save_state(
            state_file, MonitorState(checkpoint.origin, checkpoint.size, checkpoint.root, text)
        )
    return MonitorReport(
        checkpoint.origin,
        previous.size if previous else None,
        checkpoint.size,
        checkpoint.root,
        count,
        tuple(cosigned.cosigned_by),
    )


def _check(
    source: HttpLog,
    checkpoint: note.Checkpoint,
    previous: MonitorState | None,
    progress: Progress | None,
) -> int:
    """How many new entries were verified; MonitorError on any inconsistency."""
    old = previous.size if previous else 0
    if previous and checkpoint.size < old:
        raise MonitorError(f"the log shrank: size {checkpoint.size} after size {old}")
    if previous and checkpoint.size == old and checkpoint.root != previous.root:
        raise MonitorError(
            f"two roots for size {old}: {previous.root.hex()} and {checkpoint.root.hex()} (a fork)"
        )
    try:
        reader = TileReader(checkpoint.size, checkpoint.root, source.tile)
        if previous and 0 < old < checkpoint.size:
            proof = reader.consistency_proof(old)
            try:
                merkle.verify_consistency(
                    old, checkpoint.size, proof, previous.root, checkpoint.root
                )
            except merkle.ProofError as error:
                raise MonitorError(
                    f"the tree of size {checkpoint.size} does not extend the tree of size {old} "
                    f"this monitor verified (root {previous.root.hex()}): history was rewritten "
                    f"({error})"
                ) from error
        total, done = checkpoint.size - old, 0
        for _ in reader.entries(old, checkpoint.size):
            done += 1
            if progress and (done % tiles.WIDTH == 0 or done == total):
                progress(done, total)
    except tiles.TileError as error:
        raise MonitorError(
            f"the tiles do not match the checkpoint of size {checkpoint.size}: {error}"
        ) from error
    except tiles.TileNotFound as error:
        raise FetchError(
            f"the log does not serve {error}, which size {checkpoint.size} needs"
        ) from error
    return total
