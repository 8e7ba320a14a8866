"""Settings, read once from the environment by the CLI or `create_app`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///./var/ledger.sqlite3"
DEFAULT_SIGNING_KEY_FILE = "./var/log-signing.key"
DEFAULT_LOG_NAME = "labledger.local/log"
# Standard Webhooks / Svix schedule, seconds between attempts.
DEFAULT_WEBHOOK_RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "y", "on")


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
                webhook_retry_schedule=tuple(float(s) for s in schedule.split(",") if s.strip()),
            )
        if env.get("LEDGER_WEBHOOK_TIMEOUT"):
            settings = replace(settings, webhook_timeout=float(env["LEDGER_WEBHOOK_TIMEOUT"]))
        if env.get("LEDGER_WEBHOOK_DISABLE_AFTER"):
            settings = replace(
                settings, webhook_disable_after=float(env["LEDGER_WEBHOOK_DISABLE_AFTER"])
            )
        if env.get("LEDGER_POLL_INTERVAL"):
            settings = replace(settings, poll_interval=float(env["LEDGER_POLL_INTERVAL"]))
        return settings
