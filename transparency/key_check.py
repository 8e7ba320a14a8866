"""Before a server signs anything: is its signing key the one that signed
this store's checkpoints?

A checkpoint extends the ones before it only under the same key (the key id
covers the log's name too). A server started from another directory finds
no `./var/log-signing.key`, makes a new key and signs checkpoints no
verifier pinned to the old one accepts, while `/readyz` and `verify store`
stay green; a damaged key file failed only at the first checkpoint, as 500s.
So `serve` asks here first and refuses with the reason.
"""

from __future__ import annotations

from pathlib import Path

from ledger.database import Database
from transparency.note import NoteError, load_signer, open_note, split_note
from transparency.store import TreeStore


class WrongSigningKey(ValueError):
    """The key file is missing, unreadable or not the store's signer."""


def check_signing_key(key_file: Path, log_name: str, db: Database) -> None:
    """Nothing when `key_file` (or, on a store with no checkpoint yet, a key
    about to be made there) can sign this store's next checkpoint."""
    path = Path(key_file)
    latest = TreeStore(db).latest_checkpoint()
    if latest is None and not path.exists():
        return  # a new log: the key is made on first use
    try:
        signer = load_signer(path, log_name)
    except FileNotFoundError:
        raise WrongSigningKey(
            f"the signing key {path} does not exist, but this store's checkpoints were signed "
            f"by {_signers(latest['note'])}: point LEDGER_SIGNING_KEY_FILE at that key "
            "(a new key cannot sign checkpoints that extend them)"
        ) from None
    except (NoteError, OSError, ValueError) as error:
        raise WrongSigningKey(f"the signing key {path} cannot be read: {error}") from error
    if latest is None:
        return
    try:
        open_note(latest["note"], signer.verifier)
    except NoteError:
        verifier = signer.verifier
        raise WrongSigningKey(
            f"the signing key {path} ({verifier.name}+{verifier.key_id:08x}) did not sign this "
            f"store's checkpoints (the latest, of size {latest['size']}, is signed by "
            f"{_signers(latest['note'])}): point LEDGER_SIGNING_KEY_FILE at that key, and "
            "LEDGER_LOG_NAME at its name"
        ) from None


def _signers(note: str) -> str:
    try:
        _, signatures = split_note(note)
    except NoteError:
        return "an unreadable signature"
    return ", ".join(f"{name}+{blob[:4].hex()}" for name, blob in signatures[:1]) or "no one"
