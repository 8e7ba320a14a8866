"""Shared fixtures: a fresh store per test (SQLite file or PostgreSQL schema),
the ledger, the Flask app and client, and tokens for each role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.settings import Settings
from ledger.tokens import TokenStore

PG_DSN = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # any failure to connect is a reason to skip
        return f"PostgreSQL at {PG_DSN} does not answer: {type(error).__name__}: {error}"
    return None


_PG_REASON: list[str | None] = []


def require_postgres() -> None:
    if not _PG_REASON:
        _PG_REASON.append(_postgres_available())
    reason = _PG_REASON[0]
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the PostgreSQL store tests must run: {reason}")
        pytest.skip(reason)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    require_postgres()
    import psycopg

    schema = "lt_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_DSN}?schema={schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both stores (the store contract)."""
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")


def make_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        signing_key_file=tmp_path / "log-signing.key",
        log_name="test.labledger.local/log",
        webhook_allow_private=True,
        webhook_retry_schedule=(0.2, 0.4, 0.8),
        webhook_timeout=2.0,
        poll_interval=0.02,
        read_wait=2.0,
    )


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    """Settings on SQLite (most tests); use `store_settings` for both stores."""
    return make_settings(sqlite_url, tmp_path)


@pytest.fixture
def store_settings(store_url: str, tmp_path: Path) -> Settings:
    return make_settings(store_url, tmp_path)


def _open(settings: Settings) -> Ledger:
    from api.cli import init_db

    init_db(settings)
    return open_ledger(settings)


@pytest.fixture
def ledger(settings: Settings) -> Iterator[Ledger]:
    app = _open(settings)
    yield app
    app.close()


@pytest.fixture
def store_ledger(store_settings: Settings) -> Iterator[Ledger]:
    app = _open(store_settings)
    yield app
    app.close()


@pytest.fixture
def app(settings: Settings, ledger: Ledger):
    from api.app import create_app

    flask_app = create_app(settings, ledger=ledger)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()


class Tokens:
    """Bearer headers per role: `tokens.staff`, `tokens.artist(pid)`."""

    def __init__(self, ledger: Ledger) -> None:
        self._store = TokenStore(ledger.db)
        self._cache: dict[str, dict[str, str]] = {}

    def headers(self, role: str, participant: str | uuid.UUID | None = None) -> dict[str, str]:
        key = f"{role}:{participant}"
        if key not in self._cache:
            pid = uuid.UUID(str(participant)) if participant else None
            issued = self._store.create(role, pid, name=f"test {role}")
            self._cache[key] = {"Authorization": f"Bearer {issued.token}"}
        return self._cache[key]

    @property
    def staff(self) -> dict[str, str]:
        return self.headers("staff")

    @property
    def auditor(self) -> dict[str, str]:
        return self.headers("auditor")

    @property
    def partner(self) -> dict[str, str]:
        return self.headers("partner")

    def artist(self, participant: str | uuid.UUID) -> dict[str, str]:
        return self.headers("artist", participant)


@pytest.fixture
def tokens(ledger: Ledger) -> Tokens:
    return Tokens(ledger)
