"""Applications: once admitted, the same aggregate is the participant, with
its tool grants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger import errors
from ledger.actors import Actor
from ledger.domain.programs import Program
from ledger.events import rfc3339
from ledger.rules import grant_active


class Application(Aggregate):
    """An application; once admitted, the same aggregate is the participant.

    Its id is the person's: events carry no personal value, only commitments
    to values kept in `ledger.personal` (given here as `commitments`, keyed
    `<field>_commitment`)."""

    @classmethod
    def submit(
        cls,
        application_id: UUID,
        program: Program,
        commitments: Mapping[str, str],
        actor: Actor,
    ) -> Application:
        program.check_open()
        return cls(
            application_id,
            program.id,
            program.slug,
            commitments["artist_name_commitment"],
            commitments["email_commitment"],
            commitments["portfolio_url_commitment"],
            commitments["statement_commitment"],
            *actor.recorded,
        )

    @event("ApplicationSubmitted")
    def __init__(
        self,
        id: UUID,  # chosen by the caller (the commitments' salts name it); not in the event
        program_id: UUID,
        program: str,
        artist_name_commitment: str,
        email_commitment: str,
        portfolio_url_commitment: str,
        statement_commitment: str,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.program_id = program_id
        self.program = program
        self.status = "applied"
        self.erased = False
        # tool -> {"granted_at", "expires_at", "revoked_at", "granted_by"}; history kept
        self.grants: dict[str, list[dict[str, Any]]] = {}

    def check_pending(self) -> None:
        if self.status != "applied":
            raise errors.ApplicationNotPending(
                f"application is {self.status}, not pending", application_status=self.status
            )

    def check_admitted(self) -> None:
        if self.status != "admitted":
            raise errors.NotAdmitted(
                f"participant is {self.status}, not admitted", application_status=self.status
            )

    def check_not_erased(self) -> None:
        """No personal value is recorded for a person whose data was erased."""
        if self.erased:
            raise errors.PersonalDataErased(
                f"the personal data of {self.id} was erased; nothing personal can be "
                "recorded for this person any more"
            )

    def check_ever_admitted(self) -> None:
        """Declaring ownership: an admitted participant, or one who withdrew."""
        if self.status not in ("admitted", "withdrawn"):
            raise errors.NotAdmitted(f"artist is {self.status}, never admitted")

    def admit(self, actor: Actor) -> None:
        self.check_pending()
        self._admitted(*actor.recorded)

    @event("ApplicantAdmitted")
    def _admitted(self, actor_id: str, actor_role: str) -> None:
        self.status = "admitted"

    def check_reason(self, reason_commitment: str | None) -> None:
        """A reason is committed to, unless the person's data was erased: then
        it is not kept at all (the event says so with a null commitment), so
        that an erased person can still be declined, withdrawn or revoked."""
        if reason_commitment is not None:
            self.check_not_erased()
        elif not self.erased:
            raise errors.InvalidCommand("a reason is required")

    def decline(self, reason_commitment: str | None, actor: Actor) -> None:
        self.check_pending()
        self.check_reason(reason_commitment)
        self._declined(reason_commitment, *actor.recorded)

    @event("ApplicationDeclined")
    def _declined(self, reason_commitment: str | None, actor_id: str, actor_role: str) -> None:
        self.status = "declined"

    def check_can_withdraw(self) -> None:
        if self.status not in ("applied", "admitted"):
            raise errors.ApplicationNotPending(
                f"application is {self.status}; only a pending application or an "
                "admitted participant can withdraw",
                application_status=self.status,
            )

    def withdraw(self, reason_commitment: str | None, actor: Actor) -> None:
        self.check_can_withdraw()
        self.check_reason(reason_commitment)
        self._withdrew(reason_commitment, *actor.recorded)

    @event("ParticipantWithdrew")
    def _withdrew(self, reason_commitment: str | None, actor_id: str, actor_role: str) -> None:
        self.status = "withdrawn"

    def change_display_name(self, display_name_commitment: str, actor: Actor) -> None:
        """The public credit of an admitted participant."""
        self.check_admitted()
        self.check_not_erased()
        self._display_name_changed(display_name_commitment, *actor.recorded)

    @event("DisplayNameChanged")
    def _display_name_changed(
        self, display_name_commitment: str, actor_id: str, actor_role: str
    ) -> None:
        pass

    def check_erasable(self) -> None:
        if self.erased:
            raise errors.PersonalDataErased(f"the personal data of {self.id} is already erased")

    def erase(self, reason_commitment: str, actor: Actor) -> None:
        self.check_erasable()
        self._personal_data_erased(reason_commitment, *actor.recorded)

    @event("PersonalDataErased")
    def _personal_data_erased(self, reason_commitment: str, actor_id: str, actor_role: str) -> None:
        self.erased = True

    def active_grant(self, tool: str, at: datetime) -> dict[str, Any] | None:
        for grant in reversed(self.grants.get(tool, [])):
            if grant_active(grant, at):
                return grant
        return None

    def grant_tool(
        self, tool: str, expires_at: datetime | None, granted_at: datetime, actor: Actor
    ) -> None:
        self.check_admitted()
        if expires_at is not None and expires_at <= granted_at:
            raise errors.InvalidCommand("expires_at must be in the future")
        held = self.active_grant(tool, granted_at)
        if held is not None:
            until = held["expires_at"]
            raise errors.ToolAlreadyGranted(
                f"participant already holds an active grant for {tool!r} "
                f"({'until ' + rfc3339(until) if until else 'with no expiry'}); "
                "revoke it first to grant the tool again on other terms",
                tool=tool,
            )
        self._tool_access_granted(tool, expires_at, granted_at, actor.id, *actor.recorded)

    @event("ToolAccessGranted")
    def _tool_access_granted(
        self,
        tool: str,
        expires_at: datetime | None,
        granted_at: datetime,
        granted_by: str,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.grants.setdefault(tool, []).append(
            {
                "granted_at": granted_at,
                "expires_at": expires_at,
                "revoked_at": None,
                "granted_by": granted_by,
            }
        )

    def check_revocable(self, tool: str, at: datetime) -> None:
        if self.active_grant(tool, at) is None:
            raise errors.NoActiveGrant(f"participant has no active grant for {tool!r}")

    def revoke_tool(
        self, tool: str, reason_commitment: str | None, revoked_at: datetime, actor: Actor
    ) -> None:
        self.check_revocable(tool, revoked_at)
        self.check_reason(reason_commitment)
        self._tool_access_revoked(tool, reason_commitment, revoked_at, *actor.recorded)

    @event("ToolAccessRevoked")
    def _tool_access_revoked(
        self,
        tool: str,
        reason_commitment: str | None,
        revoked_at: datetime,
        actor_id: str,
        actor_role: str,
    ) -> None:
        for grant in self.grants[tool]:
            if grant["revoked_at"] is None:
                grant["revoked_at"] = revoked_at

    def check_can_generate(self, tool: str, at: datetime) -> None:
        self.check_admitted()
        if self.active_grant(tool, at) is None:
            raise errors.NoActiveGrant(
                f"participant had no active, unexpired, unrevoked grant for {tool!r} "
                f"at {at.isoformat()}",
                tool=tool,
            )
