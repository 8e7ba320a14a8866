"""The personal-data store, in memory: values sealed with their events, each
commitment with its own salt, a row gone with the erasure, nothing personal
in any event."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from ledger import commands as c
from ledger import errors, store
from ledger.actors import Actor, Role
from ledger.events import commitment
from ledger.idempotency import IdempotencyStore
from ledger.log import iter_log
from ledger.messagebus import CommandBus
from ledger.personal import Person, label, salt

STAFF = Actor("staff-1", Role.STAFF)
APPLICATION = ("Kim Seo-yeon", "kim@example.org", "https://kim.example.org", "I film rivers.")


@pytest.fixture
def bus(memory: store.Store) -> CommandBus:
    run = CommandBus(memory.ledger, IdempotencyStore(memory.db, memory.positions))
    run.handle(
        c.OpenProgram("seoul", "Seoul", "Seoul", date(2026, 3, 1), date(2026, 3, 31), 2), STAFF
    )
    return run


def apply(bus: CommandBus) -> UUID:
    return bus.handle(c.SubmitApplication("seoul", *APPLICATION), STAFF).result.id


def test_an_application_keeps_its_values_beside_the_event_never_in_it(bus, memory):
    pid = apply(bus)
    [submitted] = [e for e in iter_log(memory.log) if e["type"] == "application.submitted"]
    assert not any(value in json.dumps(submitted) for value in APPLICATION)
    person = memory.ledger.people.get(pid)
    assert person is not None and person.display_name == "Kim Seo-yeon" and not person.public
    fields = ("artist_name", "email", "portfolio_url", "statement")
    for field, value in zip(fields, APPLICATION, strict=True):
        assert person.value(pid, 1, field) == value
        opening = person.opening(pid, 1, field)
        assert submitted["data"][f"{field}_commitment"] == commitment(opening["salt"], field, value)
    bus.handle(c.AdmitApplicant(pid), STAFF)
    assert memory.ledger.people.get(pid).public


def test_each_commitment_has_its_own_salt_so_one_opening_opens_nothing_else(bus, memory):
    pid = apply(bus)
    person = memory.ledger.people.get(pid)
    salts = {salt(person.secret, label(pid, 1, f)) for f in ("artist_name", "email")}
    assert len(salts) == 2 and person.secret not in salts
    # Whoever holds one salt (a certificate reveals its credit's) cannot test
    # guesses of another value against the log.
    name_salt = person.opening(pid, 1, "artist_name")["salt"]
    [submitted] = [e for e in iter_log(memory.log) if e["type"] == "application.submitted"]
    guess = commitment(name_salt, "email", "kim@example.org")
    assert guess != submitted["data"]["email_commitment"]


def test_values_are_filed_only_with_the_event_that_commits_to_them(bus, memory):
    pid = apply(bus)
    application = memory.ledger.get_application(pid)
    person = memory.ledger.people.get(pid)
    wrong = person.seal(pid, application.version + 2, reason="filed under no saved event")
    application.decline(wrong.commitment("reason"), STAFF)
    with pytest.raises(ValueError, match="not saved"):
        memory.ledger.save(application, side_writes=[wrong])
    assert memory.ledger.get_application(pid).status == "applied"  # nothing was written


def test_erasure_deletes_the_row_with_its_event_once(bus, memory):
    pid = apply(bus)
    erased = bus.handle(c.ErasePersonalData(pid, "asked"), STAFF)
    assert erased.types == ("participant.personal_data_erased",)
    assert memory.ledger.people.get(pid) is None
    with pytest.raises(errors.PersonalDataErased, match="already erased"):
        bus.handle(c.ErasePersonalData(pid, "again"), STAFF)
    # Still declined (never "applied" forever), the reason not kept at all.
    declined = bus.handle(c.DeclineApplication(pid, "reason"), STAFF)
    assert declined.result.status == "declined"
    [event] = [e for e in memory.log.entries(erased.position) if e.position == declined.position]
    assert event.envelope["data"]["reason_commitment"] is None
    assert memory.ledger.people.get(pid) is None
    with pytest.raises(errors.NotFound):
        bus.handle(c.ErasePersonalData(UUID(int=1), "who"), STAFF)


def test_a_person_erased_meanwhile_makes_the_command_run_again_and_refuse(bus, memory):
    pid = apply(bus)
    bus.handle(c.AdmitApplicant(pid), STAFF)
    stale: Person = memory.ledger.people.get(pid)
    application = memory.ledger.get_application(pid)
    bus.handle(c.ErasePersonalData(pid, "asked"), STAFF)
    late = stale.seal(pid, application.version + 1, display_name="K").naming("K")
    application.change_display_name(late.commitment("display_name"), STAFF)
    with pytest.raises(IntegrityError):  # the bus would retry, and find the person erased
        memory.ledger.save(application, side_writes=[late])
