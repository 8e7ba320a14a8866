"""`verify store --checkpoint FILE`: a copy of the store (a backup, a
restore) is checked against a checkpoint the log published. A whole, signed
copy from before it is STALE; a store whose tree differs at its size is not
the log that published it; a checkpoint no key of the log signed is refused."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from tests.helpers import Tokens, seed
from transparency import note
from transparency.follower import TreeBuilder
from transparency.service import TransparencyLog


def _env(settings: Any) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_LOG_NAME": settings.log_name,
    }


def _verify(settings: Any, *args: str) -> Any:
    return CliRunner().invoke(main, ["verify", "store", *args], env=_env(settings))


def _signer(settings: Any) -> note.Signer:
    return note.load_or_create_signer(settings.signing_key_file, settings.log_name)


def _publish(settings: Any, system: Any, tmp_path: Path, name: str) -> tuple[Path, int]:
    """Build the tree to the head, sign its checkpoint, and save the note as
    a client of GET /log/checkpoint would."""
    TreeBuilder(system.log, system.db, settings).catch_up()
    signed = TransparencyLog(system.db, _signer(settings)).checkpoint()
    path = tmp_path / name
    path.write_text(signed.note)
    return path, signed.head.size


@pytest.fixture
def served(store_settings, store_system) -> Any:
    client = create_app(store_settings, system=store_system).test_client()
    seed(client, Tokens(store_system))
    return store_settings, store_system, client


def test_the_store_holds_a_checkpoint_it_published_and_one_it_published_later(served, tmp_path):
    settings, system, client = served
    earlier, earlier_size = _publish(settings, system, tmp_path, "earlier.checkpoint")
    seed(client, Tokens(system), slug="later-2027")
    later, later_size = _publish(settings, system, tmp_path, "later.checkpoint")
    assert later_size > earlier_size
    for path, size in ((earlier, earlier_size), (later, later_size)):
        result = _verify(settings, "--checkpoint", str(path))
        assert result.exit_code == 0, result.output
        assert f"it holds the published checkpoint of size {size}" in result.output
    # a certificate holds the checkpoint its inclusion was proved in
    certificate = tmp_path / "work.certificate.json"
    certificate.write_text(json.dumps({"checkpoint": later.read_text()}))
    assert _verify(settings, "--checkpoint", str(certificate)).exit_code == 0


def test_a_copy_from_before_a_published_checkpoint_is_stale(sqlite_url, tmp_path):
    from tests.helpers import make_settings, open_system

    settings = make_settings(sqlite_url, tmp_path)
    system = open_system(settings)
    try:
        client = create_app(settings, system=system).test_client()
        seed(client, Tokens(system))
        _publish(settings, system, tmp_path, "at-backup.checkpoint")
        copy = tmp_path / "backup.sqlite3"
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as live:
            with sqlite3.connect(copy) as target:
                live.backup(target)
        seed(client, Tokens(system), slug="after-backup")
        later, later_size = _publish(settings, system, tmp_path, "later.checkpoint")
    finally:
        system.close()
    restored = replace(settings, database_url=f"sqlite:///{copy}")
    assert _verify(restored).exit_code == 0  # whole and signed: a copy passes alone
    stale = _verify(restored, "--checkpoint", str(later))
    assert stale.exit_code == 1
    assert "STALE: the store's tree has" in stale.output
    assert f"the published checkpoint {later_size}" in stale.output


def test_a_checkpoint_of_another_tree_at_the_same_size_is_a_fork(served, tmp_path):
    settings, system, _ = served
    honest, size = _publish(settings, system, tmp_path, "honest.checkpoint")
    text = note.Checkpoint(settings.log_name, size, bytes(32)).text()
    fork = tmp_path / "fork.checkpoint"
    fork.write_text(_signer(settings).sign(text))  # the log's own key, another tree
    result = _verify(settings, "--checkpoint", str(fork))
    assert result.exit_code == 1
    assert f"MISMATCH: the store's tree at size {size} has root" in result.output
    assert "is not the log that published it" in result.output


def test_a_checkpoint_the_logs_key_did_not_sign_is_refused(served, tmp_path):
    settings, system, _ = served
    _, size = _publish(settings, system, tmp_path, "honest.checkpoint")
    other = note.load_or_create_signer(tmp_path / "other.key", settings.log_name)
    text = note.Checkpoint(settings.log_name, size, bytes(32)).text()
    foreign = tmp_path / "foreign.checkpoint"
    foreign.write_text(other.sign(text))
    result = _verify(settings, "--checkpoint", str(foreign))
    assert result.exit_code == 1
    assert "MISMATCH: the published checkpoint:" in result.output

    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"not": "a certificate"}')
    refused = _verify(settings, "--checkpoint", str(garbage))
    assert refused.exit_code == 2 and "--checkpoint" in refused.output
