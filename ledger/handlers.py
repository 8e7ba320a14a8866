"""One handler per command: get -> check -> change, no I/O of its own.

A handler finds what it needs through the `Ledger`'s lookups (which raise
when something is missing), lets the aggregates apply their rules, and
returns what changed, the side writes that go with it and a small typed
result. `ledger.messagebus` saves it (the position comes from the save) and
retries on a lost race.

A personal value (a name, an e-mail, a reason, a statement) never enters an
event: the handler seals it with the person's secret (`Person.seal`), the
event carries the commitment, and the value goes to the personal-data store
as a side write of the same save.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from ledger import commands as c
from ledger import outputs
from ledger.actors import Actor
from ledger.application import Ledger
from ledger.domain import Application, Exhibition, Generation, Program, Work
from ledger.personal import Erasure, Person, Published, Sealed
from ledger.recorders import SideWrite

R = TypeVar("R")


@dataclass(frozen=True)
class Created:
    id: UUID


@dataclass(frozen=True)
class Updated:
    """The command changed what it names; nothing new to report."""


@dataclass(frozen=True)
class StatusChanged:
    id: UUID
    status: str


@dataclass(frozen=True)
class Admitted(StatusChanged):
    seats_left: int


@dataclass(frozen=True)
class Declared:
    id: UUID
    owner: UUID


@dataclass(frozen=True)
class Hung:
    credited_artist: UUID


@dataclass(frozen=True)
class Changes(Generic[R]):
    """What a handler changed (saved in this order), what it reports, and
    the rows written in the same transaction."""

    aggregates: tuple[Aggregate, ...]
    result: R
    side_writes: tuple[SideWrite, ...] = ()


def _next(aggregate: Aggregate) -> int:
    """The version of the aggregate's next event: what its personal values
    are filed under (the side write checks the event is saved)."""
    return aggregate.version + 1


def _reason(
    ledger: Ledger, person: Application, aggregate: Aggregate, reason: str
) -> tuple[str | None, tuple[Sealed, ...]]:
    """The commitment to a reason filed with `person`'s data for the next
    event of `aggregate`, and its side write; for a person whose data was
    erased the reason is not kept at all (None, nothing to write)."""
    if person.erased:
        return None, ()
    sealed = ledger.get_person(person).seal(aggregate.id, _next(aggregate), reason=reason)
    return sealed.commitment("reason"), (sealed,)


def open_program(ledger: Ledger, command: c.OpenProgram, actor: Actor) -> Changes[Created]:
    program = Program.open(
        command.slug,
        command.name,
        command.city,
        command.starts_on,
        command.ends_on,
        command.capacity,
        actor,
    )
    ledger.check_slug_free(command.slug)
    return Changes((program,), Created(program.id))


def register_tool(ledger: Ledger, command: c.RegisterTool, actor: Actor) -> Changes[Updated]:
    program = ledger.get_program(command.program)
    program.register_tool(
        command.tool,
        command.name,
        command.provider,
        command.version,
        list(command.capabilities),
        list(command.limitations),
        actor,
    )
    return Changes((program,), Updated())


def update_tool_disclosure(
    ledger: Ledger, command: c.UpdateToolDisclosure, actor: Actor
) -> Changes[Updated]:
    program = ledger.get_program(command.program)
    program.update_tool_disclosure(
        command.tool, command.version, list(command.capabilities), list(command.limitations), actor
    )
    return Changes((program,), Updated())


def close_program(ledger: Ledger, command: c.CloseProgram, actor: Actor) -> Changes[Updated]:
    program = ledger.get_program(command.program)
    program.close(actor)
    return Changes((program,), Updated())


def submit_application(
    ledger: Ledger, command: c.SubmitApplication, actor: Actor
) -> Changes[Created]:
    program = ledger.get_program(command.program)
    application_id = uuid4()
    personal = (
        Person.new(application_id)
        .seal(
            application_id,
            1,
            create=True,
            artist_name=command.artist_name,
            email=command.email,
            portfolio_url=command.portfolio_url,
            statement=command.statement,
        )
        .naming(command.artist_name)  # the display name, until the artist changes it
    )
    application = Application.submit(application_id, program, personal.commitments, actor)
    return Changes((application,), Created(application.id), (personal,))


def admit_applicant(ledger: Ledger, command: c.AdmitApplicant, actor: Actor) -> Changes[Admitted]:
    application = ledger.get_application(command.application_id)
    application.check_pending()
    program = ledger.program_of(application)
    program.allocate_seat(str(application.id), actor)
    application.admit(actor)
    result = Admitted(application.id, application.status, program.seats_left)
    # An admitted participant's display name is public.
    return Changes((program, application), result, (Published(str(application.id), True),))


def decline_application(
    ledger: Ledger, command: c.DeclineApplication, actor: Actor
) -> Changes[StatusChanged]:
    application = ledger.get_application(command.application_id)
    application.check_pending()
    reason, personal = _reason(ledger, application, application, command.reason)
    application.decline(reason, actor)
    result = StatusChanged(application.id, application.status)
    return Changes((application,), result, personal)


def withdraw_participant(
    ledger: Ledger, command: c.WithdrawParticipant, actor: Actor
) -> Changes[StatusChanged]:
    application = ledger.get_application(command.application_id)
    application.check_can_withdraw()
    was_admitted = application.status == "admitted"
    reason, personal = _reason(ledger, application, application, command.reason)
    application.withdraw(reason, actor)
    changed: tuple[Aggregate, ...] = (application,)
    if was_admitted:
        program = ledger.program_of(application)
        program.release_seat(str(application.id), actor)
        changed = (program, application)
    result = StatusChanged(application.id, application.status)
    return Changes(changed, result, tuple(p.publishing(False) for p in personal))


def change_display_name(
    ledger: Ledger, command: c.ChangeDisplayName, actor: Actor
) -> Changes[Updated]:
    actor.check_acts_for(command.participant_id)
    participant = ledger.get_application(command.participant_id)
    participant.check_admitted()
    person = ledger.get_person(participant)
    personal = person.seal(
        participant.id, _next(participant), display_name=command.display_name
    ).naming(command.display_name)
    participant.change_display_name(personal.commitment("display_name"), actor)
    return Changes((participant,), Updated(), (personal,))


def erase_personal_data(
    ledger: Ledger, command: c.ErasePersonalData, actor: Actor
) -> Changes[StatusChanged]:
    """The reason is kept only as a commitment whose salt dies with the row."""
    participant = ledger.get_application(command.participant_id)
    participant.check_erasable()
    person = ledger.get_person(participant)
    reason = person.seal(participant.id, _next(participant), reason=command.reason)
    participant.erase(reason.commitment("reason"), actor)
    result = StatusChanged(participant.id, participant.status)
    return Changes((participant,), result, (Erasure(str(participant.id)),))


def grant_tool(ledger: Ledger, command: c.GrantTool, actor: Actor) -> Changes[Updated]:
    participant = ledger.get_application(command.participant_id)
    program = ledger.program_of(participant)
    program.check_open()
    program.check_tool(command.tool)
    participant.grant_tool(command.tool, command.expires_at, ledger.clock(), actor)
    return Changes((participant,), Updated())


def revoke_tool(ledger: Ledger, command: c.RevokeTool, actor: Actor) -> Changes[Updated]:
    participant = ledger.get_application(command.participant_id)
    now = ledger.clock()
    participant.check_revocable(command.tool, now)
    reason, personal = _reason(ledger, participant, participant, command.reason)
    participant.revoke_tool(command.tool, reason, now, actor)
    return Changes((participant,), Updated(), personal)


def record_generation(
    ledger: Ledger, command: c.RecordGeneration, actor: Actor
) -> Changes[Created]:
    actor.check_acts_for(command.participant_id)
    at = Generation.check_time(command.generated_at, ledger.clock())
    participant = ledger.get_application(command.participant_id)
    generation = Generation.record(
        participant,
        ledger.program_of(participant),
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
    reason, personal = _reason(ledger, artist, work, command.reason)
    work.retract(artist, reason, actor)
    result = StatusChanged(work.id, "retracted")
    return Changes((work,), result, personal)


def dispute_declaration(
    ledger: Ledger, command: c.DisputeDeclaration, actor: Actor
) -> Changes[StatusChanged]:
    work = ledger.get_work(command.work_id)
    work.check_disputable()
    artist = ledger.get_application(work.artist)
    reason, personal = _reason(ledger, artist, work, command.reason)
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


Handler = Callable[[Ledger, Any, Actor], Changes[Any]]

HANDLERS: Mapping[type[c.Command], Handler] = {
    c.OpenProgram: open_program,
    c.RegisterTool: register_tool,
    c.UpdateToolDisclosure: update_tool_disclosure,
    c.CloseProgram: close_program,
    c.SubmitApplication: submit_application,
    c.AdmitApplicant: admit_applicant,
    c.DeclineApplication: decline_application,
    c.WithdrawParticipant: withdraw_participant,
    c.ChangeDisplayName: change_display_name,
    c.ErasePersonalData: erase_personal_data,
    c.GrantTool: grant_tool,
    c.RevokeTool: revoke_tool,
    c.RecordGeneration: record_generation,
    c.DeclareOwnership: declare_ownership,
    c.RetractDeclaration: retract_declaration,
    c.DisputeDeclaration: dispute_declaration,
    c.ScheduleExhibition: schedule_exhibition,
    c.HangWork: hang_work,
}
