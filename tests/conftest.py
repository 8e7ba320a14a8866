"""Shared fixtures: a fresh store per test (SQLite file or PostgreSQL schema),
the process's System on it (`system`, `store_system`), the Flask app and
client (`store_client`: client, tokens and System on both stores), and tokens
for each role. Test modules import helpers from `tests.helpers`, never from here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from api.bootstrap import System
from ledger.settings import Settings
from tests.helpers import PG_DSN, Tokens, make_settings, open_system, require_postgres


@contextmanager
def _pg_schema() -> Iterator[str]:
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
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    with _pg_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"


STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both stores (the store contract)."""
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")


@pytest.fixture(scope="module", params=STORES)
def module_store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`store_url` shared by the tests of a module: its tests must not assume
    a fresh store (they open their own programs, measure from the log head)."""
    if request.param == "postgres":
        with _pg_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'ledger.sqlite3'}"


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    """Settings on SQLite (most tests); use `store_settings` for both stores."""
    return make_settings(sqlite_url, tmp_path)


@pytest.fixture
def store_settings(store_url: str, tmp_path: Path) -> Settings:
    return make_settings(store_url, tmp_path)


@pytest.fixture
def system(settings: Settings) -> Iterator[System]:
    opened = open_system(settings)
    yield opened
    opened.close()


@pytest.fixture
def store_system(store_settings: Settings) -> Iterator[System]:
    opened = open_system(store_settings)
    yield opened
    opened.close()


@pytest.fixture
def app(settings: Settings, system: System):
    from api.app import create_app

    flask_app = create_app(settings, system=system)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(system: System) -> Tokens:
    return Tokens(system)


@pytest.fixture
def store_client(store_settings: Settings, store_system: System):
    """A test client, tokens and the System, on SQLite and on PostgreSQL."""
    from api.app import create_app

    flask_app = create_app(store_settings, system=store_system)
    flask_app.config["TESTING"] = True
    return flask_app.test_client(), Tokens(store_system), store_system
