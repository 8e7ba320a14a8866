"""One handler per command: get -> check -> change, no I/O of its own.

A handler finds what it needs through the `Ledger`'s lookups (which raise
when something is missing), lets the aggregates apply their rules, and
returns what changed and a small typed result. `ledger.messagebus` saves
it (the position comes from the save) and retries on a lost race.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import commands as c
from ledger.actors import Actor
from ledger.application import Ledger
from ledger.domain import Application, Exhibition, Generation, Program, Work

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
    """What a handler changed (saved in this order) and what it reports."""

    aggregates: tuple[Aggregate, ...]
    result: R


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
    application = Application.submit(
        ledger.get_program(command.program),
        command.artist_name,
        command.email,
        command.portfolio_url,
        command.statement,
        actor,
    )
    return Changes((application,), Created(application.id))


def admit_applicant(ledger: Ledger, command: c.AdmitApplicant, actor: Actor) -> Changes[Admitted]:
    application = ledger.get_application(command.application_id)
    application.check_pending()
    program = ledger.program_of(application)
    program.allocate_seat(str(application.id), actor)
    application.admit(actor)
    result = Admitted(application.id, application.status, program.seats_left)
    return Changes((program, application), result)


def decline_application(
    ledger: Ledger, command: c.DeclineApplication, actor: Actor
) -> Changes[StatusChanged]:
    application = ledger.get_application(command.application_id)
    application.decline(command.reason, actor)
    return Changes((application,), StatusChanged(application.id, application.status))


def withdraw_participant(
    ledger: Ledger, command: c.WithdrawParticipant, actor: Actor
) -> Changes[StatusChanged]:
    application = ledger.get_application(command.application_id)
    was_admitted = application.status == "admitted"
    application.withdraw(command.reason, actor)
    changed: tuple[Aggregate, ...] = (application,)
    if was_admitted:
        program = ledger.program_of(application)
        program.release_seat(str(application.id), actor)
        changed = (program, application)
    return Changes(changed, StatusChanged(application.id, application.status))


def grant_tool(ledger: Ledger, command: c.GrantTool, actor: Actor) -> Changes[Updated]:
    participant = ledger.get_application(command.participant_id)
    ledger.program_of(participant).check_tool(command.tool)
    participant.grant_tool(command.tool, command.expires_at, ledger.clock(), actor)
    return Changes((participant,), Updated())


def revoke_tool(ledger: Ledger, command: c.RevokeTool, actor: Actor) -> Changes[Updated]:
    participant = ledger.get_application(command.participant_id)
    participant.revoke_tool(command.tool, command.reason, ledger.clock(), actor)
    return Changes((participant,), Updated())


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
    return Changes((generation,), Created(generation.id))


def declare_ownership(
    ledger: Ledger, command: c.DeclareOwnership, actor: Actor
) -> Changes[Declared]:
    artist = ledger.get_application(Work.check_declarer(actor))
    work = Work.declare(
        artist,
        command.title,
        command.content_sha256,
        command.generation_ids,
        command.statement,
        actor,
        find=lambda generation_id: ledger.find(generation_id, "generation"),
    )
    ledger.check_unowned(command.content_sha256)
    return Changes((work,), Declared(work.id, artist.id))


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
    c.GrantTool: grant_tool,
    c.RevokeTool: revoke_tool,
    c.RecordGeneration: record_generation,
    c.DeclareOwnership: declare_ownership,
    c.ScheduleExhibition: schedule_exhibition,
    c.HangWork: hang_work,
}
