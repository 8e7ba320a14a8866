"""The second process of a long rebuild opens the same database by URL."""

from __future__ import annotations

from types import SimpleNamespace

from ledger.database import Database
from ledger.store import store_env
from projections.bulk_split import database_url


def _postgres(password: str) -> Database:
    pool = SimpleNamespace(
        kwargs={"dbname": "led ger", "host": "db.local", "port": "5433", "user": "u@x"}
        | {"password": password}
    )
    return Database(SimpleNamespace(pool=pool, schema="rb_1"), "postgres")


def test_the_second_process_opens_the_same_postgresql_database_and_schema():
    env = store_env(database_url(_postgres("p@ss:w/rd?&=")))
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == (
        "led ger",
        "db.local",
        "5433",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("u@x", "p@ss:w/rd?&=")
    assert env["POSTGRES_SCHEMA"] == "rb_1"


def test_the_second_process_opens_the_same_sqlite_file_and_never_a_private_memory_one(tmp_path):
    path = tmp_path / "ledger.sqlite3"
    file = Database(
        SimpleNamespace(pool=SimpleNamespace(is_sqlite_memory_mode=False, db_name=str(path))),
        "sqlite",
    )
    assert store_env(database_url(file))["SQLITE_DBNAME"] == str(path)
    assert database_url(Database.memory()) is None
