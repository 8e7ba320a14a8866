"""`witness serve` and `witness vkey`: a click group the `labledger` CLI can mount."""

from __future__ import annotations

import os
import sys

import click

from transparency import cosignature
from witness.config import ConfigError, WitnessConfig
from witness.state import WitnessState


def _config() -> WitnessConfig:
    try:
        return WitnessConfig.from_env(os.environ)
    except ConfigError as error:
        raise click.UsageError(str(error)) from error


@click.group()
def witness() -> None:
    """A C2SP tlog-witness: cosign checkpoints of the logs it trusts.

    Settings (environment): LEDGER_WITNESS_NAME (the witness's key name),
    LEDGER_WITNESS_KEY_FILE (created 0600 if missing), LEDGER_WITNESS_DB (its
    SQLite state) and LEDGER_WITNESS_LOGS (the trusted logs: VKEY or ORIGIN=VKEY,
    space-separated).
    """


@witness.command("vkey")
def vkey() -> None:
    """Print the witness's public key (give it to the logs' operators and verifiers)."""
    config = _config()
    click.echo(cosignature.load_or_create_cosigner(config.key_file, config.name).key.vkey)


@witness.command("serve")
@click.option("--bind", default="127.0.0.1:8100", show_default=True, help="HOST:PORT")
@click.option("--workers", "n_workers", type=click.IntRange(1), default=2, show_default=True)
def serve(bind: str, n_workers: int) -> None:
    """Serve POST /add-checkpoint with gunicorn."""
    config = _config()
    if not config.logs:
        raise click.UsageError("LEDGER_WITNESS_LOGS names no log to witness")
    # Key and schema once, before the workers start and would race to create them.
    cosigner = cosignature.load_or_create_cosigner(config.key_file, config.name)
    WitnessState(config.database)
    click.echo(f"witness {cosigner.key.vkey} on http://{bind}/add-checkpoint")
    for origin, keys in sorted(config.logs.items()):
        click.echo(f"  witnessing {origin}: {', '.join(k.vkey for k in keys)}")
    sys.stdout.flush()
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        str(n_workers),
        *_no_control_socket(),
        "witness.app:create_app()",
    ]
    os.execv(sys.executable, args)


def _no_control_socket() -> list[str]:
    """Nothing uses `gunicornc`, and the control socket's default path (one
    per user, gunicorn 25.1+) was taken over by each server started after."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []
