"""Applications: once admitted, the same aggregate is the participant, with
its tool grants."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger import errors
from ledger.actors import Actor
from ledger.domain.programs import Program
from ledger.rules import grant_active


def new_salt() -> str:
    """32 random bytes (hex) for the salted commitments to personal values."""
    return secrets.token_hex(32)


class Application(Aggregate):
    """An application; once admitted, the same aggregate is the participant."""

    @classmethod
    def submit(
        cls,
        program: Program,
        artist_name: str,
        email: str,
        portfolio_url: str,
        statement: str,
        actor: Actor,
    ) -> Application:
        program.check_open()
        return cls(
            program.id,
            program.slug,
            artist_name,
            email,
            portfolio_url,
            statement,
            new_salt(),
            *actor.recorded,
        )

    @event("ApplicationSubmitted")
    def __init__(
        self,
        program_id: UUID,
        program: str,
        artist_name: str,
        email: str,
        portfolio_url: str,
        statement: str,
        personal_salt: str,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.program_id = program_id
        self.program = program
        self.artist_name = artist_name
        self.email = email
        self.portfolio_url = portfolio_url
        self.statement = statement
        self.personal_salt = personal_salt
        self.status = "applied"
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

    def decline(self, reason: str, actor: Actor) -> None:
        self.check_pending()
        self._declined(reason, *actor.recorded)

    @event("ApplicationDeclined")
    def _declined(self, reason: str, actor_id: str, actor_role: str) -> None:
        self.status = "declined"

    def withdraw(self, reason: str, actor: Actor) -> None:
        if self.status not in ("applied", "admitted"):
            raise errors.ApplicationNotPending(
                f"application is {self.status}; only a pending application or an "
                "admitted participant can withdraw",
                application_status=self.status,
            )
        self._withdrew(reason, *actor.recorded)

    @event("ParticipantWithdrew")
    def _withdrew(self, reason: str, actor_id: str, actor_role: str) -> None:
        self.status = "withdrawn"

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

    def revoke_tool(self, tool: str, reason: str, revoked_at: datetime, actor: Actor) -> None:
        if self.active_grant(tool, revoked_at) is None:
            raise errors.NoActiveGrant(f"participant has no active grant for {tool!r}")
        self._tool_access_revoked(tool, reason, revoked_at, *actor.recorded)

    @event("ToolAccessRevoked")
    def _tool_access_revoked(
        self, tool: str, reason: str, revoked_at: datetime, actor_id: str, actor_role: str
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
