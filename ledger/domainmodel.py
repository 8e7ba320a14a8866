"""Aggregates of a residency program and the rules they keep.

Every public method is a command: it checks the rule (`check_*`, raising a
named `ledger.errors` class) and then triggers a past-tense event. The
`@event` methods only apply state, so they stay correct on replay.

Event classes are stored by topic (`ledger.domainmodel:Program.ProgramOpened`):
renaming or moving one is a storage migration (`register_topic`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger import errors

_NS = uuid5(NAMESPACE_URL, "https://labledger.local/ids")

# Ownership can only ever sit with an artist; these roles never own a work.
NON_OWNER_ROLES = frozenset({"staff", "partner", "auditor", "tool_provider"})


class Program(Aggregate):
    @staticmethod
    def create_id(slug: str) -> UUID:
        # Deterministic: a second program with the same slug collides in the store.
        return uuid5(_NS, f"program:{slug}")

    @event("ProgramOpened")
    def __init__(
        self,
        slug: str,
        name: str,
        city: str,
        starts_on: str,
        ends_on: str,
        capacity: int,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.slug = slug
        self.name = name
        self.city = city
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.capacity = capacity
        self.tools: dict[str, dict[str, Any]] = {}
        self.seats: list[str] = []
        self.closed = False

    @property
    def seats_used(self) -> int:
        return len(self.seats)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - len(self.seats), 0)

    def check_open(self) -> None:
        if self.closed:
            raise errors.ProgramClosed(f"program {self.slug!r} is closed")

    def check_tool(self, tool: str) -> dict[str, Any]:
        try:
            return self.tools[tool]
        except KeyError:
            raise errors.UnknownTool(
                f"tool {tool!r} is not registered for program {self.slug!r}", tool=tool
            ) from None

    def register_tool(
        self,
        tool: str,
        name: str,
        provider: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.check_open()
        if tool in self.tools:
            raise errors.ToolAlreadyRegistered(
                f"tool {tool!r} is already registered; update its disclosure instead"
            )
        self._tool_registered(
            tool, name, provider, version, capabilities, limitations, actor_id, actor_role
        )

    @event("ToolRegistered")
    def _tool_registered(
        self,
        tool: str,
        name: str,
        provider: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.tools[tool] = {
            "tool": tool,
            "name": name,
            "provider": provider,
            "version": version,
            "versions": [version],
            "capabilities": list(capabilities),
            "limitations": list(limitations),
        }

    def update_tool_disclosure(
        self,
        tool: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.check_open()
        self.check_tool(tool)
        self._tool_disclosure_updated(
            tool, version, capabilities, limitations, actor_id, actor_role
        )

    @event("ToolDisclosureUpdated")
    def _tool_disclosure_updated(
        self,
        tool: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        actor_id: str,
        actor_role: str,
    ) -> None:
        entry = self.tools[tool]
        entry["version"] = version
        if version not in entry["versions"]:
            entry["versions"].append(version)
        entry["capabilities"] = list(capabilities)
        entry["limitations"] = list(limitations)

    def check_seat_available(self) -> None:
        if len(self.seats) >= self.capacity:
            raise errors.ProgramFull(
                f"program {self.slug!r} has all {self.capacity} seats taken",
                capacity=self.capacity,
            )

    def allocate_seat(self, application_id: str, actor_id: str, actor_role: str) -> None:
        self.check_open()
        self.check_seat_available()
        self._seat_allocated(application_id, actor_id, actor_role)

    @event("SeatAllocated")
    def _seat_allocated(self, application_id: str, actor_id: str, actor_role: str) -> None:
        self.seats.append(application_id)

    def release_seat(self, application_id: str, actor_id: str, actor_role: str) -> None:
        if application_id in self.seats:
            self._seat_released(application_id, actor_id, actor_role)

    @event("SeatReleased")
    def _seat_released(self, application_id: str, actor_id: str, actor_role: str) -> None:
        self.seats.remove(application_id)

    def close(self, actor_id: str, actor_role: str) -> None:
        self.check_open()
        self._closed(actor_id, actor_role)

    @event("ProgramClosed")
    def _closed(self, actor_id: str, actor_role: str) -> None:
        self.closed = True


class Application(Aggregate):
    """An application; once admitted, the same aggregate is the participant."""

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

    def admit(self, actor_id: str, actor_role: str) -> None:
        self.check_pending()
        self._admitted(actor_id, actor_role)

    @event("ApplicantAdmitted")
    def _admitted(self, actor_id: str, actor_role: str) -> None:
        self.status = "admitted"

    def decline(self, reason: str, actor_id: str, actor_role: str) -> None:
        self.check_pending()
        self._declined(reason, actor_id, actor_role)

    @event("ApplicationDeclined")
    def _declined(self, reason: str, actor_id: str, actor_role: str) -> None:
        self.status = "declined"

    def withdraw(self, reason: str, actor_id: str, actor_role: str) -> None:
        if self.status not in ("applied", "admitted"):
            raise errors.ApplicationNotPending(
                f"application is {self.status}; only a pending application or an "
                "admitted participant can withdraw",
                application_status=self.status,
            )
        self._withdrew(reason, actor_id, actor_role)

    @event("ParticipantWithdrew")
    def _withdrew(self, reason: str, actor_id: str, actor_role: str) -> None:
        self.status = "withdrawn"

    def active_grant(self, tool: str, at: datetime) -> dict[str, Any] | None:
        for grant in reversed(self.grants.get(tool, [])):
            if grant["granted_at"] > at:
                continue
            if grant["expires_at"] is not None and at >= grant["expires_at"]:
                continue
            if grant["revoked_at"] is not None and at >= grant["revoked_at"]:
                continue
            return grant
        return None

    def grant_tool(
        self,
        tool: str,
        expires_at: datetime | None,
        granted_at: datetime,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.check_admitted()
        if expires_at is not None and expires_at <= granted_at:
            raise errors.InvalidCommand("expires_at must be in the future")
        self._tool_access_granted(tool, expires_at, granted_at, actor_id, actor_id, actor_role)

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

    def revoke_tool(
        self, tool: str, reason: str, revoked_at: datetime, actor_id: str, actor_role: str
    ) -> None:
        if self.active_grant(tool, revoked_at) is None:
            raise errors.NoActiveGrant(f"participant has no active grant for {tool!r}")
        self._tool_access_revoked(tool, reason, revoked_at, actor_id, actor_role)

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


class Generation(Aggregate):
    @event("GenerationRecorded")
    def __init__(
        self,
        participant: UUID,
        program: str,
        tool: str,
        tool_version: str,
        output_sha256: str,
        media_type: str,
        prompt_sha256: str | None,
        generated_at: datetime,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.participant = participant
        self.program = program
        self.tool = tool
        self.tool_version = tool_version
        self.output_sha256 = output_sha256
        self.media_type = media_type
        self.prompt_sha256 = prompt_sha256
        self.generated_at = generated_at


class Work(Aggregate):
    @staticmethod
    def create_id(content_sha256: str) -> UUID:
        # One work per content hash: a second declaration collides in the store,
        # so "at most one owner per hash" holds under any concurrency.
        return uuid5(_NS, f"work:{content_sha256}")

    @event("OwnershipDeclared")
    def __init__(
        self,
        artist: UUID,
        artist_name: str,
        program: str,
        title: str,
        content_sha256: str,
        generations: list[UUID],
        statement: str,
        personal_salt: str,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.artist = artist
        self.artist_name = artist_name
        self.program = program
        self.title = title
        self.content_sha256 = content_sha256
        self.generations = list(generations)
        self.statement = statement
        self.personal_salt = personal_salt
        self.exhibitions: list[UUID] = []

    def exhibit(self, exhibition: UUID, actor_id: str, actor_role: str) -> None:
        if exhibition in self.exhibitions:
            raise errors.AlreadyExhibited("the work already hangs in this exhibition")
        self._exhibited(exhibition, self.artist, actor_id, actor_role)

    @event("WorkExhibited")
    def _exhibited(
        self, exhibition: UUID, credited_artist: UUID, actor_id: str, actor_role: str
    ) -> None:
        self.exhibitions.append(exhibition)


class Exhibition(Aggregate):
    @event("ExhibitionScheduled")
    def __init__(
        self,
        program: str,
        title: str,
        venue: str,
        opens_on: str,
        closes_on: str,
        partner: str | None,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.program = program
        self.title = title
        self.venue = venue
        self.opens_on = opens_on
        self.closes_on = closes_on
        self.partner = partner
