"""The commands: what a caller asks the ledger to do, one frozen dataclass
each, typed. A command's fields are named as the request body's fields.
Run them with `ledger.messagebus.CommandBus.handle`; each has one handler
in `ledger.handlers`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class Command:
    def __post_init__(self) -> None:
        # Immutable all through: a list given for a sequence becomes a tuple.
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, list):
                object.__setattr__(self, field.name, tuple(value))


@dataclass(frozen=True)
class OpenProgram(Command):
    slug: str
    name: str
    city: str
    starts_on: date
    ends_on: date
    capacity: int


@dataclass(frozen=True)
class RegisterTool(Command):
    program: str
    tool: str
    name: str
    provider: str
    version: str
    capabilities: tuple[str, ...]
    limitations: tuple[str, ...]


@dataclass(frozen=True)
class UpdateToolDisclosure(Command):
    program: str
    tool: str
    version: str
    capabilities: tuple[str, ...]
    limitations: tuple[str, ...]


@dataclass(frozen=True)
class CloseProgram(Command):
    program: str


@dataclass(frozen=True)
class SubmitApplication(Command):
    program: str
    artist_name: str
    email: str
    portfolio_url: str
    statement: str


@dataclass(frozen=True)
class AdmitApplicant(Command):
    application_id: UUID


@dataclass(frozen=True)
class DeclineApplication(Command):
    application_id: UUID
    reason: str


@dataclass(frozen=True)
class WithdrawParticipant(Command):
    application_id: UUID
    reason: str


@dataclass(frozen=True)
class ChangeDisplayName(Command):
    participant_id: UUID
    display_name: str


@dataclass(frozen=True)
class ErasePersonalData(Command):
    participant_id: UUID
    reason: str


@dataclass(frozen=True)
class GrantTool(Command):
    participant_id: UUID
    tool: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class RevokeTool(Command):
    participant_id: UUID
    tool: str
    reason: str


@dataclass(frozen=True)
class RecordGeneration(Command):
    participant_id: UUID
    tool: str
    tool_version: str
    output_sha256: str
    media_type: str
    prompt_sha256: str | None = None
    generated_at: datetime | None = None


@dataclass(frozen=True)
class DeclareOwnership(Command):
    title: str
    content_sha256: str
    generation_ids: tuple[UUID, ...]
    statement: str


@dataclass(frozen=True)
class RetractDeclaration(Command):
    work_id: UUID
    reason: str


@dataclass(frozen=True)
class DisputeDeclaration(Command):
    work_id: UUID
    reason: str


@dataclass(frozen=True)
class ScheduleExhibition(Command):
    program: str
    title: str
    venue: str
    opens_on: date
    closes_on: date
    partner: str | None = None


@dataclass(frozen=True)
class HangWork(Command):
    exhibition_id: UUID
    work_id: UUID
