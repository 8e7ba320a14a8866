"""The handlers of generations, ownership declarations (declare, retract,
dispute) and exhibitions; `ledger.handlers` lists every handler."""

from __future__ import annotations

from ledger import commands as c
from ledger import outputs
from ledger.actors import Actor
from ledger.application import Ledger
from ledger.changes import Changes, Created, Declared, Hung, StatusChanged, sealed_reason
from ledger.domain import Exhibition, Generation, Work


def record_generation(
    ledger: Ledger, command: c.RecordGeneration, actor: Actor
) -> Changes[Created]:
    actor.check_acts_for(command.participant_id)
    at = Generation.check_time(command.generated_at, ledger.clock())
    # Both only read: shared, not copied.
    participant, program = ledger.participant_with_program(command.participant_id)
    generation = Generation.record(
        participant,
        program,
        command.tool,
        command.tool_version,
        command.output_sha256,
        command.media_type,
        command.prompt_sha256,
        at,
        actor,
    )
    seen = ledger.outputs.get(command.output_sha256)
    index = outputs.recorded(seen, participant.id, generation.id)
    return Changes((generation,), Created(generation.id), index)


def declare_ownership(
    ledger: Ledger, command: c.DeclareOwnership, actor: Actor
) -> Changes[Declared]:
    artist = ledger.get_application(Work.check_declarer(actor))
    artist.check_ever_admitted()
    seen = ledger.outputs.get(command.content_sha256)
    Work.check_claimable(command.content_sha256, seen.participant, artist.id)
    number, latest = ledger.latest_declaration(command.content_sha256)
    Work.check_unowned(command.content_sha256, latest)
    work_id = Work.create_id(command.content_sha256, number)
    person = ledger.get_person(artist)
    # The work credits the artist's display name of now; its opening is
    # what the work's certificate carries.
    personal = person.seal(
        work_id, 1, statement=command.statement, credit_name=person.display_name or ""
    )
    work = Work.declare(
        work_id,
        artist,
        command.title,
        command.content_sha256,
        command.generation_ids,
        personal.commitments,
        actor,
        find=lambda generation_id: ledger.find(generation_id, "generation"),
    )
    side_writes = (personal, *outputs.claimed(seen))
    return Changes((work,), Declared(work.id, artist.id), side_writes)


def retract_declaration(
    ledger: Ledger, command: c.RetractDeclaration, actor: Actor
) -> Changes[StatusChanged]:
    """The hash is free again: its next declaration is a work of its own."""
    work = ledger.get_work(command.work_id)
    work.check_retractor(actor)
    artist = ledger.get_application(work.artist)
    reason, personal = sealed_reason(ledger, artist, work, command.reason)
    work.retract(artist, reason, actor)
    result = StatusChanged(work.id, "retracted")
    return Changes((work,), result, personal)


def dispute_declaration(
    ledger: Ledger, command: c.DisputeDeclaration, actor: Actor
) -> Changes[StatusChanged]:
    work = ledger.get_work(command.work_id)
    work.check_disputable()
    artist = ledger.get_application(work.artist)
    reason, personal = sealed_reason(ledger, artist, work, command.reason)
    work.dispute(artist, reason, actor)
    result = StatusChanged(work.id, "disputed")
    return Changes((work,), result, personal)


def schedule_exhibition(
    ledger: Ledger, command: c.ScheduleExhibition, actor: Actor
) -> Changes[Created]:
    exhibition = Exhibition.schedule(
        command.program,
        command.title,
        command.venue,
        command.opens_on,
        command.closes_on,
        command.partner,
        actor,
    )
    ledger.get_program(command.program)
    return Changes((exhibition,), Created(exhibition.id))


def hang_work(ledger: Ledger, command: c.HangWork, actor: Actor) -> Changes[Hung]:
    exhibition = ledger.get_exhibition(command.exhibition_id)
    work = ledger.get_declared_work(command.work_id)
    work.exhibit(exhibition.id, actor)
    return Changes((work,), Hung(work.artist))
