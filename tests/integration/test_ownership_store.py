"""The generation-output index on both stores: a generation and a declaration
of the same hash racing each other cannot both commit on what each read;
`db init` builds the index from the generations a store already holds, and
has the audit re-check the whole history, so a front-running declaration
planted in it is reported."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import init_store
from ledger import commands as c
from ledger import errors, schema
from ledger.actors import Actor, Role
from ledger.domain import Work
from tests.helpers import DAYS, sha

STAFF = Actor("staff-race", Role.STAFF)
OUTPUT = sha("kim's output")


def residency(system: Any) -> tuple[Actor, Actor, UUID]:
    """Kim and Lee admitted and granted; Lee has recorded a generation."""
    run = system.bus.handle
    run(c.OpenProgram("race", "Race", "Seoul", *DAYS, 5), STAFF)
    run(c.RegisterTool("race", "video", "Motion", "Lab", "2.1", ("t2v",), ("720p",)), STAFF)
    artists = []
    for name in ("Kim", "Lee"):
        pid = run(
            c.SubmitApplication("race", name, f"{name}@example.org", "https://p.example", "s"),
            STAFF,
        ).result.id
        run(c.AdmitApplicant(pid), STAFF)
        run(c.GrantTool(pid, "video"), STAFF)
        artists.append(Actor(f"artist-{name}", Role.ARTIST, pid))
    kim, lee = artists
    assert lee.participant_id is not None
    lees = run(c.RecordGeneration(lee.participant_id, "video", "2.1", sha("lee"), "a/b"), lee)
    return kim, lee, lees.result.id


def generation(actor: Actor, output: str = OUTPUT) -> c.RecordGeneration:
    assert actor.participant_id is not None
    return c.RecordGeneration(actor.participant_id, "video", "2.1", output, "video/mp4")


def racing(bus: Any, command_type: type, rival: Any) -> list[int]:
    """Make `command_type`'s handler run `rival()` (which commits) after it has
    read, the first time only; returns the list of its runs."""
    handler = bus.handlers[command_type]
    runs: list[int] = []

    def run(ledger: Any, command: Any, actor: Any) -> Any:
        changes = handler(ledger, command, actor)
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            rival()
        return changes

    bus.handlers = {**bus.handlers, command_type: run}
    return runs


def test_a_declaration_racing_the_generation_of_its_hash_is_refused(store_system):
    bus = store_system.bus
    kim, lee, lees = residency(store_system)
    head = store_system.log.head()
    runs = racing(bus, c.DeclareOwnership, lambda: bus.handle(generation(kim), kim))

    # Lee read that no one had recorded the hash; Kim's generation committed first.
    with pytest.raises(errors.ContentGeneratedByAnother):
        bus.handle(c.DeclareOwnership("Front-run", OUTPUT, (lees,), "mine"), lee)

    assert runs == [1]  # its save failed whole; run again, it was refused before saving
    assert store_system.log.head() == head + 1  # Kim's generation alone
    assert store_system.store.ledger.latest_declaration(OUTPUT) == (1, None)
    assert store_system.store.ledger.outputs.get(OUTPUT).participant == kim.participant_id


def test_a_generation_racing_a_declaration_of_its_hash_comes_after_it(store_system):
    bus = store_system.bus
    kim, lee, lees = residency(store_system)
    declare = c.DeclareOwnership("First", OUTPUT, (lees,), "mine")
    runs = racing(bus, c.RecordGeneration, lambda: bus.handle(declare, lee))

    recorded = bus.handle(generation(kim), kim)

    assert runs == [1, 2]  # the declaration committed first: the generation ran again
    number, standing = store_system.store.ledger.latest_declaration(OUTPUT)
    assert number == 2 and standing is not None and standing.artist == lee.participant_id
    assert standing_position(store_system, standing.id) < recorded.position
    with pytest.raises(errors.ContentAlreadyOwned):
        bus.handle(c.DeclareOwnership("Mine too", OUTPUT, (recorded.result.id,), "s"), kim)


def standing_position(system: Any, work_id: UUID) -> int:
    position = system.store.positions.position_of(work_id, 1)
    assert position is not None
    return int(position)


def plant_front_running(system: Any, artist: Actor, generation_id: UUID) -> UUID:
    """A declaration of `OUTPUT` by `artist` saved straight into the store,
    past the rules the command bus applies (as a bug or a tampered writer would)."""
    ledger = system.store.ledger
    assert artist.participant_id is not None
    applicant = ledger.get_application(artist.participant_id)
    work_id = Work.create_id(OUTPUT)
    sealed = ledger.get_person(applicant).seal(work_id, 1, statement="s", credit_name="Lee")
    work = Work(
        work_id,
        applicant.id,
        "race",
        "Front-run",
        OUTPUT,
        [generation_id],
        sealed.commitment("statement"),
        sealed.commitment("credit_name"),
        *artist.recorded,
    )
    ledger.save(work, side_writes=[sealed])
    return work_id


def front_running(system: Any) -> list[str]:
    system.read_models.refresh("audit", budget=5.0)
    report = system.read_models.audit_report("race")
    return [v["detail"] for v in report["violations"] if "first recorded" in v["detail"]]


def test_db_init_builds_the_index_and_the_audit_from_the_history(store_system, store_settings):
    bus = store_system.bus
    kim, lee, lees = residency(store_system)
    bus.handle(generation(kim), kim)
    bus.handle(generation(lee), lee)  # recorded later: Kim stays the first
    planted = plant_front_running(store_system, lee, lees)
    assert len(front_running(store_system)) == 1
    # The store as schema version 3 had it: no index, and an audit that never
    # looked for front-running (its view rows of this history lack it).
    with store_system.db.transaction(write=True) as cur:
        cur.execute("DROP TABLE {t}ledger_outputs")
        cur.execute("DELETE FROM {t}proj_audit_violations")
        cur.execute("UPDATE {t}ledger_schema SET version = 3 WHERE id = 1")
    assert front_running(store_system) == []

    assert init_store(store_settings) == (3, schema.VERSION)  # through 4, and on

    outputs = store_system.store.ledger.outputs
    assert outputs.get(OUTPUT).participant == kim.participant_id
    assert outputs.get(sha("lee")).participant == lee.participant_id
    assert [f"and declared by {lee.participant_id}" in d for d in front_running(store_system)] == [
        True
    ]
    assert store_system.store.ledger.latest_declaration(OUTPUT)[1].id == planted
    other = sha("another hash kim made")
    bus.handle(generation(kim, other), kim)
    with pytest.raises(errors.ContentGeneratedByAnother):
        bus.handle(c.DeclareOwnership("Front-run", other, (lees,), "mine"), lee)


def test_a_generation_reads_on_one_connection_and_saves_on_another(store_system, monkeypatch):
    """Its participant, program and output-index row are read in one shared
    transaction (`ledger.messagebus`), not one connection checkout each."""
    kim, _, _ = residency(store_system)
    datastore = store_system.store.db.datastore
    checkout = datastore.get_connection
    checkouts: list[object] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        checkouts.append(kwargs.get("commit"))
        return checkout(*args, **kwargs)

    monkeypatch.setattr(datastore, "get_connection", counted)
    store_system.bus.handle(generation(kim), kim)
    assert len(checkouts) == 2


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda kim: c.CloseProgram("race"), errors.ProgramClosed),
        (lambda kim: c.RevokeTool(kim.participant_id, "video", "ended"), errors.NoActiveGrant),
    ],
)
def test_a_generation_sees_what_another_process_changed_since_it_cached_both(
    store_system, store_settings, change, refusal
):
    """The participant and the program, cached here, are brought up to date
    by one query (`Ledger.participant_with_program`): a program closed or a
    grant revoked by another process refuses the next generation here."""
    from api.bootstrap import bootstrap

    kim, _, _ = residency(store_system)
    store_system.bus.handle(generation(kim, sha("cached")), kim)  # both cached here
    other = bootstrap(store_settings)  # another process on the same store
    try:
        other.bus.handle(change(kim), STAFF)
    finally:
        other.close()
    with pytest.raises(refusal):
        store_system.bus.handle(generation(kim), kim)
