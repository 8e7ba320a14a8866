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
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from ledger import commands as c
from ledger import work_handlers as w
from ledger.actors import Actor
from ledger.application import Ledger
from ledger.changes import (
    Admitted,
    Changes,
    Created,
    StatusChanged,
    Updated,
    next_version,
    sealed_reason,
)
from ledger.domain import Application, Program
from ledger.personal import Erasure, Person, Published


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
    program = ledger.get_program(command.program, shared=True)  # only read
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
    reason, personal = sealed_reason(ledger, application, application, command.reason)
    application.decline(reason, actor)
    result = StatusChanged(application.id, application.status)
    return Changes((application,), result, personal)


def withdraw_participant(
    ledger: Ledger, command: c.WithdrawParticipant, actor: Actor
) -> Changes[StatusChanged]:
    application = ledger.get_application(command.application_id)
    application.check_can_withdraw()
    was_admitted = application.status == "admitted"
    reason, personal = sealed_reason(ledger, application, application, command.reason)
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
        participant.id, next_version(participant), display_name=command.display_name
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
    reason = person.seal(participant.id, next_version(participant), reason=command.reason)
    participant.erase(reason.commitment("reason"), actor)
    result = StatusChanged(participant.id, participant.status)
    return Changes((participant,), result, (Erasure(str(participant.id)),))


def grant_tool(ledger: Ledger, command: c.GrantTool, actor: Actor) -> Changes[Updated]:
    participant = ledger.get_application(command.participant_id)
    program = ledger.program_of(participant, shared=True)  # only read
    program.check_open()
    program.check_tool(command.tool)
    participant.grant_tool(command.tool, command.expires_at, ledger.clock(), actor)
    return Changes((participant,), Updated())


def revoke_tool(ledger: Ledger, command: c.RevokeTool, actor: Actor) -> Changes[Updated]:
    participant = ledger.get_application(command.participant_id)
    now = ledger.clock()
    participant.check_revocable(command.tool, now)
    reason, personal = sealed_reason(ledger, participant, participant, command.reason)
    participant.revoke_tool(command.tool, reason, now, actor)
    return Changes((participant,), Updated(), personal)


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
    c.RecordGeneration: w.record_generation,
    c.DeclareOwnership: w.declare_ownership,
    c.RetractDeclaration: w.retract_declaration,
    c.DisputeDeclaration: w.dispute_declaration,
    c.ScheduleExhibition: w.schedule_exhibition,
    c.HangWork: w.hang_work,
}
