"""Settings, read once from the environment by the CLI or `create_app`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./var/ledger.sqlite3"
DEFAULT_SIGNING_KEY_FILE = "./var/log-signing.key"
DEFAULT_LOG_NAME = "labledger.local/log"
DEFAULT_CHECKPOINT_INTERVAL = 1.0
DEFAULT_WITNESS_TIMEOUT = 5.0
# Standard Webhooks / Svix schedule, seconds between attempts.
DEFAULT_WEBHOOK_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "on")


def _seconds(name: str, value: str, *, zero: bool = False) -> float:
    """A setting's seconds, or a ValueError naming the setting."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not (0 <= seconds if zero else 0 < seconds) or seconds == float("inf"):
        kind = "non-negative" if zero else "positive"
        raise ValueError(f"{name}: {value!r} is not a {kind} number of seconds")
    return seconds


@dataclass(frozen=True)
class WitnessSetting:
    """One witness the log asks for cosignatures: where it listens and its
    cosignature key (the vkey text; `transparency` parses and checks it)."""

    url: str
    vkey: str


def parse_witnesses(text: str) -> tuple[tuple[WitnessSetting, ...], int | None]:
    """LEDGER_WITNESSES: entries separated by `;` or line breaks, each `URL VKEY`
    or `quorum=N`; e.g. `quorum=1; https://w1.example/ w1+…; https://w2.example/ w2+…`.
    (witnesses, quorum or None: all of them); ValueError naming what is wrong."""
    witnesses: list[WitnessSetting] = []
    quorum: int | None = None
    for entry in (part.strip() for part in text.replace("\n", ";").split(";")):
        if not entry:
            continue
        if entry.startswith("quorum="):
            value = entry[len("quorum=") :]
            if not value.isdigit() or quorum is not None:
                raise ValueError(f"LEDGER_WITNESSES: {entry!r} is not one quorum=N")
            quorum = int(value)
            continue
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise ValueError(
                f"LEDGER_WITNESSES: {entry!r} is not `URL VKEY` (an http(s) URL, a space, "
                "the witness's vkey) nor quorum=N"
            )
        witnesses.append(WitnessSetting(parts[0].rstrip("/"), parts[1]))
    if len({w.vkey for w in witnesses}) != len(witnesses):
        raise ValueError("LEDGER_WITNESSES: a witness key is listed twice")
    if quorum is not None and quorum > len(witnesses):
        raise ValueError(
            f"LEDGER_WITNESSES: a quorum of {quorum} needs at least {quorum} witnesses, "
            f"{len(witnesses)} listed"
        )
    return tuple(witnesses), quorum


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    signing_key_file: Path = Path(DEFAULT_SIGNING_KEY_FILE)
    log_name: str = DEFAULT_LOG_NAME
    webhook_allow_private: bool = False
    webhook_retry_schedule: tuple[float, ...] = DEFAULT_WEBHOOK_RETRY_SCHEDULE
    webhook_timeout: float = 15.0
    webhook_disable_after: float = 5 * 24 * 3600.0
    # How often followers poll the log when idle (seconds).
    poll_interval: float = 0.2
    # How long a read with `min_position` waits for the read model (seconds).
    read_wait: float = 5.0
    # The tree builder signs a grown tree at most this often, and a witness is
    # asked to cosign at most this often (seconds).
    checkpoint_interval: float = DEFAULT_CHECKPOINT_INTERVAL
    witnesses: tuple[WitnessSetting, ...] = ()
    witness_quorum: int | None = None  # None: every witness
    witness_timeout: float = DEFAULT_WITNESS_TIMEOUT  # seconds per add-checkpoint request
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls(
            database_url=env.get("LEDGER_DATABASE_URL") or DEFAULT_DATABASE_URL,
            signing_key_file=Path(env.get("LEDGER_SIGNING_KEY_FILE") or DEFAULT_SIGNING_KEY_FILE),
            log_name=env.get("LEDGER_LOG_NAME") or DEFAULT_LOG_NAME,
            webhook_allow_private=_truthy(env.get("LEDGER_WEBHOOK_ALLOW_PRIVATE")),
        )
        schedule = env.get("LEDGER_WEBHOOK_RETRY_SCHEDULE")
        if schedule:
            settings = replace(
                settings,
                webhook_retry_schedule=tuple(
                    _seconds("LEDGER_WEBHOOK_RETRY_SCHEDULE", s, zero=True)
                    for s in schedule.split(",")
                    if s.strip()
                ),
            )
        if env.get("LEDGER_WITNESSES"):
            witnesses, quorum = parse_witnesses(env["LEDGER_WITNESSES"])
            settings = replace(settings, witnesses=witnesses, witness_quorum=quorum)
        for name, attribute in (
            ("LEDGER_CHECKPOINT_INTERVAL", "checkpoint_interval"),
            ("LEDGER_WITNESS_TIMEOUT", "witness_timeout"),
            ("LEDGER_WEBHOOK_TIMEOUT", "webhook_timeout"),
            ("LEDGER_WEBHOOK_DISABLE_AFTER", "webhook_disable_after"),
            ("LEDGER_POLL_INTERVAL", "poll_interval"),
        ):
            if env.get(name):
                settings = replace(settings, **{attribute: _seconds(name, env[name])})
        return settings
