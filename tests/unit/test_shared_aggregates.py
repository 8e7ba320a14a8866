"""Commands that only read an aggregate take the cache's own instance, not
a copy (`ledger.application.CachedRepository.shared`): the cache is
copy-on-write, so what a command read never changes under it, and a shared
aggregate is never saved."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import commands as c
from ledger import store
from ledger.actors import Actor, Role
from ledger.domain import Program
from ledger.idempotency import IdempotencyStore
from ledger.messagebus import CommandBus

STAFF = Actor("staff-1", Role.STAFF)


@pytest.fixture
def bus(memory: store.Store) -> CommandBus:
    bus = CommandBus(memory.ledger, IdempotencyStore(memory.db, memory.positions))
    bus.handle(
        c.OpenProgram("seoul", "Seoul", "Seoul", date(2026, 3, 1), date(2026, 3, 31), 2), STAFF
    )
    return bus


def submit(bus: CommandBus, name: str) -> c.SubmitApplication:
    command = c.SubmitApplication("seoul", name, f"{name}@example.org", "https://x", "s")
    return bus.handle(command, STAFF).result.id


def test_a_shared_lookup_is_not_copied_and_a_get_is(bus, memory):
    ledger = memory.ledger
    shared = ledger.get_program("seoul", shared=True)
    assert ledger.get_program("seoul", shared=True) is shared
    copy = ledger.get_program("seoul")
    assert copy is not shared and copy.version == shared.version


def test_what_a_command_read_shared_never_changes_under_it(bus, memory):
    ledger = memory.ledger
    before = ledger.get_program("seoul", shared=True)
    seats, version = before.seats_used, before.version
    bus.handle(c.AdmitApplicant(submit(bus, "kim")), STAFF)
    assert (before.seats_used, before.version) == (seats, version)  # copy-on-write
    after = ledger.get_program("seoul", shared=True)
    assert after is not before
    assert (after.seats_used, after.version) == (seats + 1, version + 1)


def test_a_shared_aggregate_is_never_saved(bus, memory):
    ledger = memory.ledger
    program: Program = ledger.get_program("seoul", shared=True)
    with pytest.raises(RuntimeError, match="shared"):
        ledger.save(program)


def test_reads_with_shared_aggregates_still_check_the_rules(bus, memory):
    """A submission reads its program shared: a closed program still refuses it."""
    from ledger import errors

    submit(bus, "kim")
    bus.handle(c.CloseProgram("seoul"), STAFF)
    with pytest.raises(errors.LedgerError):
        submit(bus, "lee")
