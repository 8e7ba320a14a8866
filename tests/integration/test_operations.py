"""Operating the store: `verify store` refuses to vouch without a signature it
can check, and can pin the log's public key; the SQLite file is private; the
database password is never printed."""

from __future__ import annotations

import stat
import uuid
from typing import Any

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from ledger.store import open_store
from tests.helpers import PG_DSN, Tokens, require_postgres, seed
from tests.integration.conftest import cli_env, labledger
from transparency import note
from transparency.follower import TreeBuilder
from transparency.service import TransparencyLog


def _env(settings: Any) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_LOG_NAME": settings.log_name,
    }


@pytest.fixture
def signed_store(store_settings, store_system) -> Any:
    """A seeded store whose tree was built and signed."""
    app = create_app(store_settings, system=store_system)
    seed(app.test_client(), Tokens(store_system))
    TreeBuilder(store_system.log, store_system.db, store_settings).catch_up()
    TransparencyLog(store_system.db, _signer(store_settings)).checkpoint()
    return store_settings, store_system


def _signer(settings: Any) -> note.Signer:
    return note.load_or_create_signer(settings.signing_key_file, settings.log_name)


def _verify(settings: Any, *args: str) -> Any:
    return CliRunner().invoke(main, ["verify", "store", *args], env=_env(settings))


def test_verify_store_fails_when_every_checkpoint_was_deleted(signed_store):
    settings, system = signed_store
    assert _verify(settings).exit_code == 0
    system.db.execute("DELETE FROM {t}tlog_checkpoints")
    result = _verify(settings)
    assert result.exit_code == 1
    assert "UNVERIFIED: no signed checkpoint covers the tree" in result.output
    assert "every checkpoint was deleted" in result.output


def test_verify_store_fails_without_the_signing_key_unless_one_is_pinned(signed_store, tmp_path):
    settings, _ = signed_store
    vkey = _signer(settings).verifier.vkey
    settings.signing_key_file.rename(tmp_path / "elsewhere.key")
    missing = _verify(settings)
    assert missing.exit_code == 1
    assert f"the signing key file {settings.signing_key_file} is missing" in missing.output
    assert not settings.signing_key_file.exists()  # verify never creates a key

    pinned = _verify(settings, "--key", vkey)
    assert pinned.exit_code == 0, pinned.output
    assert "signature verified with the pinned key" in pinned.output


def test_verify_store_checks_the_latest_checkpoint_against_the_pinned_key(signed_store, tmp_path):
    settings, _ = signed_store
    published = _signer(settings).verifier.vkey
    key_file = tmp_path / "log.vkey"
    key_file.write_text(published + "\n")
    ok = _verify(settings, "--key", str(key_file))
    assert ok.exit_code == 0 and "with the pinned key" in ok.output

    # The key beside the store was swapped: what it signs, no pinned key verifies.
    settings.signing_key_file.unlink()
    other = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
    assert other.verifier.vkey != published
    swapped = _verify(settings, "--key", published)
    assert swapped.exit_code == 1
    assert "is not the pinned key" in swapped.output

    bad = _verify(settings, "--key", "not-a-key")
    assert bad.exit_code == 2 and "--key" in bad.output


def test_sqlite_files_are_created_readable_by_their_owner_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'var' / 'ledger.sqlite3'}"
    labledger(cli_env(url, tmp_path), "db", "init")
    database = tmp_path / "var" / "ledger.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    from ledger.settings import Settings

    system = open_store(Settings(database_url=url))
    try:
        system.db.execute("CREATE TABLE t (x INTEGER)")  # a write: the WAL files appear
        companions = [p for p in database.parent.iterdir() if p != database]
        assert companions, "expected -wal/-shm files beside the database"
        for path in companions:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    finally:
        system.close()


def test_db_init_never_prints_the_database_password(pg_url, tmp_path):
    require_postgres()
    secret = "S3cret-" + uuid.uuid4().hex[:8]
    with_password = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@")
    assert secret in with_password and PG_DSN in pg_url  # trust auth ignores the password
    done = labledger(cli_env(with_password, tmp_path), "db", "init")
    assert "schema ready at postgresql://postgres:***@" in done.stdout
    assert secret not in done.stdout + done.stderr


def test_a_refused_database_url_is_echoed_without_its_password(tmp_path):
    failed = labledger(
        cli_env("mysql://admin:Hunter2@db.example/x", tmp_path), "db", "init", check=False
    )
    assert failed.returncode != 0
    assert "mysql://admin:***@db.example/x" in failed.stderr
    assert "Hunter2" not in failed.stdout + failed.stderr


def test_verify_store_on_a_store_that_cannot_be_read_hides_the_password(tmp_path):
    url = "postgresql://nobody:Hunter2@127.0.0.1:1/none"
    result = labledger(cli_env(url, tmp_path), "verify", "store", check=False)
    assert result.returncode == 2
    assert "cannot read the transparency tree in postgresql://nobody:***@127.0.0.1:1/none" in (
        result.stderr
    )
    assert "Hunter2" not in result.stdout + result.stderr


def test_opening_a_second_store_never_reopens_an_existing_sqlite_file(tmp_path, monkeypatch):
    """Closing any descriptor of a file drops every POSIX lock the process holds
    on it: opening the file beside live SQLite connections (a second store in
    the same process) would strip theirs, and another process could then delete
    the -wal and -shm files they still use."""
    from ledger import store as store_module
    from ledger.settings import Settings

    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    labledger(cli_env(url, tmp_path), "db", "init")
    first = open_store(Settings(database_url=url))
    opened: list[str] = []
    real_open = store_module.os.open
    monkeypatch.setattr(
        store_module.os,
        "open",
        lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k),
    )
    try:
        second = open_store(Settings(database_url=url))
        second.close()
    finally:
        first.close()
    assert opened == []
