"""Named domain errors. The HTTP layer maps each class to one status."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every refusal the ledger gives."""

    title = "Ledger error"

    def __init__(self, detail: str, **context: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class NotFound(LedgerError):
    title = "Not found"


class Conflict(LedgerError):
    """A rule of the program refuses the command (invariants; HTTP 409)."""

    title = "Conflict"


class ProgramFull(Conflict):
    title = "Program is full"


class SlugTaken(Conflict):
    title = "Program slug already in use"


class ApplicationNotPending(Conflict):
    title = "Application is not pending"


class NotAdmitted(Conflict):
    title = "Participant is not admitted"


class UnknownTool(Conflict):
    title = "Tool is not registered for the program"


class UnknownToolVersion(Conflict):
    """A registered tool, but a version it never disclosed."""

    title = "Tool version is not registered"


class ToolAlreadyRegistered(Conflict):
    title = "Tool already registered"


class NoActiveGrant(Conflict):
    title = "No active grant for the tool"


class ToolAlreadyGranted(Conflict):
    """A second grant of a tool the participant holds would stack: its
    expiry would limit nothing while the first grant lasts."""

    title = "Tool already granted"


class GenerationNotOwned(Conflict):
    title = "Generation was not recorded by this artist"


class ContentAlreadyOwned(Conflict):
    title = "Content hash already has a declared owner"


class ContentGeneratedByAnother(Conflict):
    """The hash is another participant's recorded generation output: only
    they can declare it (no one front-runs the artist who made it)."""

    title = "Content hash is another participant's generation output"


class DeclarationRetracted(Conflict):
    title = "Declaration retracted"


class AlreadyDisputed(Conflict):
    title = "Declaration already disputed"


class OutsideProgramDates(Conflict):
    title = "Generation outside the program's dates"


class OwnershipNotDeclared(Conflict):
    title = "Ownership not declared"


class AlreadyExhibited(Conflict):
    title = "Work already hangs in this exhibition"


class ProgramClosed(Conflict):
    title = "Program is closed"


class PersonalDataErased(Conflict):
    title = "Personal data erased"


class ConcurrencyConflict(Conflict):
    title = "Concurrent update, retry"


class InvalidCommand(LedgerError):
    """Well-formed input that breaks a rule of its own values (HTTP 422)."""

    title = "Unprocessable command"


class InvalidField(InvalidCommand):
    """One field's value breaks a rule (HTTP 422, answered like a schema's
    validation error: `errors: {field: [message]}`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


class EventTooLarge(InvalidCommand):
    """An event whose transparency-log leaf would exceed what an entry bundle
    holds (65,535 bytes); the schemas' limits keep a legitimate request below."""

    title = "Event too large for the transparency log"


class IdempotencyKeyReused(LedgerError):
    """The same Idempotency-Key with another request (HTTP 422)."""

    title = "Idempotency-Key reused"


class Forbidden(LedgerError):
    title = "Forbidden"
