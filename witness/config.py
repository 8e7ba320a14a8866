"""The witness's settings, read once from the environment by the CLI or `create_app`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from transparency import note

DEFAULT_NAME = "labledger.local/witness"
DEFAULT_KEY_FILE = "./var/witness.key"
DEFAULT_DATABASE = "./var/witness.sqlite3"


class ConfigError(ValueError):
    pass


def parse_log(entry: str) -> tuple[str, note.Verifier]:
    """`VKEY` (the origin is the key's name, as Lab Ledger logs sign) or `ORIGIN=VKEY`."""
    try:
        verifier = note.parse_vkey(entry)
        return verifier.name, verifier
    except note.NoteError:
        pass
    origin, _, vkey = entry.partition("=")
    try:
        return origin, note.parse_vkey(vkey)
    except note.NoteError as error:
        raise ConfigError(f"log {entry!r} is neither VKEY nor ORIGIN=VKEY: {error}") from error


@dataclass(frozen=True)
class WitnessConfig:
    name: str = DEFAULT_NAME
    key_file: Path = Path(DEFAULT_KEY_FILE)
    database: Path = Path(DEFAULT_DATABASE)
    # origin -> the log keys trusted for it (several: a log rotating its key)
    logs: Mapping[str, tuple[note.Verifier, ...]] | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WitnessConfig:
        logs: dict[str, tuple[note.Verifier, ...]] = {}
        for entry in environ.get("LEDGER_WITNESS_LOGS", "").split():
            origin, verifier = parse_log(entry)
            logs[origin] = (*logs.get(origin, ()), verifier)
        name = environ.get("LEDGER_WITNESS_NAME", DEFAULT_NAME)
        try:
            note.check_name(name)
        except note.NoteError as error:
            raise ConfigError(f"LEDGER_WITNESS_NAME: {error}") from error
        return cls(
            name=name,
            key_file=Path(environ.get("LEDGER_WITNESS_KEY_FILE", DEFAULT_KEY_FILE)),
            database=Path(environ.get("LEDGER_WITNESS_DB", DEFAULT_DATABASE)),
            logs=logs,
        )
