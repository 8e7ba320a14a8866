"""Commands run in memory, as eventsourcing's own examples do: the Ledger on
the library's in-memory store (POPO), side tables in an in-memory SQLite
database, every command through the one bus. No file, no server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.popo import POPOApplicationRecorder

from ledger import commands as c
from ledger import errors, store
from ledger.actors import Actor, Role
from ledger.idempotency import DuplicateRequest, IdempotencyKey, IdempotencyStore
from ledger.messagebus import CommandBus

STAFF = Actor("staff-1", Role.STAFF)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def bus(memory: store.Store) -> CommandBus:
    return CommandBus(memory.ledger, IdempotencyStore(memory.db, memory.positions))


def program(bus: CommandBus, capacity: int = 2) -> None:
    bus.handle(
        c.OpenProgram("seoul", "Seoul", "Seoul", date(2026, 3, 1), date(2026, 3, 31), capacity),
        STAFF,
    )
    bus.handle(c.RegisterTool("seoul", "video", "Motion", "Lab", "2.1", ["t2v"], ["none"]), STAFF)


def admitted(bus: CommandBus, name: str = "Kim") -> UUID:
    applied = bus.handle(
        c.SubmitApplication("seoul", name, "k@example.org", "https://k", "s"), STAFF
    )
    bus.handle(c.AdmitApplicant(applied.result.id), STAFF)
    return applied.result.id


def test_the_ledger_runs_on_the_in_memory_store(memory):
    assert isinstance(memory.ledger.recorder, POPOApplicationRecorder)


def test_a_command_reports_its_result_position_and_event_types(bus, memory):
    program(bus, capacity=1)
    pid = bus.handle(
        c.SubmitApplication("seoul", "Kim", "k@example.org", "https://k", "s"), STAFF
    ).result.id
    written = bus.handle(c.AdmitApplicant(pid), STAFF)
    assert (written.result.id, written.result.status, written.result.seats_left) == (
        pid,
        "admitted",
        0,
    )
    assert written.position == memory.log.head() == 5
    assert written.types == ("program.seat_allocated", "application.admitted")
    with pytest.raises(errors.ProgramFull):
        bus.handle(c.AdmitApplicant(admitted_or_pending(bus)), STAFF)


def admitted_or_pending(bus: CommandBus) -> UUID:
    return bus.handle(
        c.SubmitApplication("seoul", "Lee", "l@example.org", "https://l", "s"), STAFF
    ).result.id


def test_commands_are_frozen_and_hold_tuples():
    command = c.RegisterTool("seoul", "video", "Motion", "Lab", "2.1", ["t2v"], ["none"])
    assert command.capabilities == ("t2v",)
    with pytest.raises(AttributeError):
        command.tool = "other"  # type: ignore[misc]


def test_every_command_has_exactly_one_handler(bus):
    assert set(bus.handlers) == set(c.Command.__subclasses__())


def test_date_order_is_the_aggregates_rule(bus):
    with pytest.raises(errors.InvalidField) as raised:
        bus.handle(
            c.OpenProgram("seoul", "S", "Seoul", date(2026, 3, 2), date(2026, 3, 1), 2), STAFF
        )
    assert (raised.value.field, raised.value.message) == ("ends_on", "must not be before starts_on")
    program(bus)
    with pytest.raises(errors.InvalidField) as exhibition:
        bus.handle(
            c.ScheduleExhibition("seoul", "T", "V", date(2026, 4, 2), date(2026, 4, 1)), STAFF
        )
    assert exhibition.value.field == "closes_on"


def test_a_generation_needs_a_registered_version_and_an_active_grant(bus):
    program(bus)
    pid = admitted(bus)
    artist = Actor("artist-1", Role.ARTIST, pid)
    generation = c.RecordGeneration(pid, "video", "2.1", "ab" * 32, "video/mp4")
    with pytest.raises(errors.NoActiveGrant):
        bus.handle(generation, artist)
    bus.handle(c.GrantTool(pid, "video", NOW + timedelta(days=1)), STAFF)
    with pytest.raises(errors.UnknownToolVersion, match="no registered version '9'") as unknown:
        bus.handle(c.RecordGeneration(pid, "video", "9", "ab" * 32, "video/mp4"), artist)
    assert not isinstance(unknown.value, errors.UnknownTool)
    with pytest.raises(errors.UnknownTool):
        bus.handle(c.RecordGeneration(pid, "image", "9", "ab" * 32, "image/png"), artist)
    with pytest.raises(errors.Forbidden):
        bus.handle(generation, Actor("artist-2", Role.ARTIST, uuid4()))
    with pytest.raises(errors.InvalidCommand, match="future"):
        bus.handle(
            c.RecordGeneration(
                pid, "video", "2.1", "ab" * 32, "video/mp4", generated_at=NOW + timedelta(hours=1)
            ),
            artist,
        )
    assert bus.handle(generation, artist).types == ("generation.recorded",)


def test_only_the_artist_who_recorded_the_generations_declares_ownership(bus):
    program(bus)
    kim, lee = admitted(bus, "Kim"), admitted(bus, "Lee")
    for pid in (kim, lee):
        bus.handle(c.GrantTool(pid, "video"), STAFF)
    kim_artist = Actor("artist-kim", Role.ARTIST, kim)
    generation = bus.handle(
        c.RecordGeneration(kim, "video", "2.1", "ab" * 32, "video/mp4"), kim_artist
    ).result.id
    declare = c.DeclareOwnership("River", "cd" * 32, (generation,), "mine")
    with pytest.raises(errors.Forbidden):
        bus.handle(declare, STAFF)
    with pytest.raises(errors.GenerationNotOwned):
        bus.handle(declare, Actor("artist-lee", Role.ARTIST, lee))
    declared = bus.handle(declare, kim_artist)
    assert declared.result.owner == kim
    with pytest.raises(errors.ContentAlreadyOwned):
        bus.handle(declare, kim_artist)


def test_an_idempotent_command_is_written_once_and_replayed(bus, memory):
    program(bus)
    key = IdempotencyKey("staff-1", "k", "hash", 201)
    command = c.SubmitApplication("seoul", "Kim", "k@example.org", "https://k", "s")
    first = bus.handle(command, STAFF, key, respond=lambda r: {"id": str(r.id)})
    head = memory.log.head()
    with pytest.raises(DuplicateRequest) as replay:
        bus.handle(command, STAFF, key, respond=lambda r: {"id": str(r.id)})
    assert (replay.value.stored.body, replay.value.stored.position) == (first.body, first.position)
    with pytest.raises(errors.IdempotencyKeyReused):
        bus.handle(command, STAFF, IdempotencyKey("staff-1", "k", "other", 201), respond=dict)
    assert memory.log.head() == head


def test_a_lost_race_runs_the_handler_again_on_fresh_aggregates(bus):
    program(bus, capacity=5)
    submit = c.SubmitApplication("seoul", "Kim", "k@example.org", "https://k", "s")
    kim, lee = (bus.handle(submit, STAFF).result.id for _ in range(2))
    handler = bus.handlers[c.AdmitApplicant]
    calls: list[UUID] = []

    def racing(ledger, command, actor):
        changes = handler(ledger, command, actor)  # has read the Program at version v
        calls.append(command.application_id)
        if calls == [kim]:  # a concurrent admission saves the Program's version v + 1 first
            bus.handle(c.AdmitApplicant(lee), STAFF)
        return changes

    bus.handlers = {**bus.handlers, c.AdmitApplicant: racing}
    written = bus.handle(c.AdmitApplicant(kim), STAFF)
    assert calls == [kim, lee, kim]
    assert written.result.seats_left == 3


def test_a_program_is_snapshotted_at_its_fiftieth_event(bus, memory):
    program(bus, capacity=60)  # version 2
    for n in range(48):
        admitted(bus, f"Artist {n}")
    ledger = memory.ledger
    program_id = ledger.get_program("seoul").id
    (snapshot,) = ledger.snapshots.get(program_id)
    assert snapshot.originator_version == 50
    assert ledger.get_program("seoul").seats_used == 48
