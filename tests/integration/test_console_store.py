"""The console's sessions and invites on both stores: a session found only
while its token is live and it is neither idle nor too old; an invite used
once even by two browsers at the same moment; `db init` brings a version-3
store to version 4 by adding their tables."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from api.bootstrap import bootstrap, init_store
from ledger import schema
from ledger.schema import SchemaError
from ledger.sessions import IDLE, LIFETIME, InviteStore, SessionStore
from tests.helpers import open_system


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_session_lives_while_its_token_does_and_until_idle_or_old(store_system):
    clock = Clock()
    sessions = SessionStore(store_system.db, clock)
    token = store_system.tokens.create("staff", name="staff")
    session_id, opened = sessions.open(token.id)
    assert opened is not None and opened.actor.id == token.id

    clock.now += IDLE - timedelta(minutes=1)
    assert sessions.find(session_id) is not None  # used: idle time starts again
    clock.now += IDLE - timedelta(minutes=1)
    assert sessions.find(session_id) is not None
    clock.now += IDLE
    assert sessions.find(session_id) is None

    session_id, _ = sessions.open(token.id)
    for _ in range(int(LIFETIME / (IDLE / 2)) + 1):  # used all along, it still ends
        clock.now += IDLE / 2
        sessions.find(session_id)
    assert sessions.find(session_id) is None

    session_id, _ = sessions.open(token.id)
    store_system.tokens.revoke(token.id)
    assert sessions.find(session_id) is None


def test_closing_a_session_ends_it(store_system):
    sessions = SessionStore(store_system.db)
    token = store_system.tokens.create("auditor", name="auditor")
    session_id, _ = sessions.open(token.id)
    sessions.close(session_id)
    assert sessions.find(session_id) is None


def test_an_invite_is_used_once_by_browsers_racing_on_it(store_system):
    invites = InviteStore(store_system.db)
    secret, _ = invites.create(uuid.uuid4(), "staff-token")
    states: list[str] = []
    start = threading.Barrier(4)

    def use() -> None:
        start.wait()
        states.append(invites.use(secret).state)

    racers = [threading.Thread(target=use) for _ in range(4)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert sorted(states) == ["open", "used", "used", "used"]
    assert invites.peek(secret).state == "used"


def test_an_expired_invite_cannot_be_used(store_system):
    clock = Clock()
    invites = InviteStore(store_system.db, clock)
    secret, _ = invites.create(uuid.uuid4(), "staff-token", ttl=timedelta(hours=1))
    clock.now += timedelta(hours=1)
    assert invites.use(secret).state == "expired"
    assert invites.peek("no such secret").state == "unknown"


def test_db_init_brings_a_version_4_store_to_version_5(store_settings):
    system = open_system(store_settings)
    try:
        with system.db.transaction(write=True) as cur:
            cur.execute("DROP TABLE {t}console_sessions")
            cur.execute("DROP TABLE {t}console_invites")
            cur.execute("UPDATE {t}ledger_schema SET version = 4")
        with pytest.raises(SchemaError, match="run `labledger db init` to migrate"):
            schema.check(system.db)
    finally:
        system.close()

    assert init_store(store_settings) == (4, schema.VERSION)

    system = bootstrap(store_settings)
    try:
        token = system.tokens.create("staff", name="staff")
        session_id, _ = SessionStore(system.db).open(token.id)
        assert SessionStore(system.db).find(session_id) is not None
    finally:
        system.close()
