"""Programs: seats, tool registrations and their disclosures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger import errors
from ledger.actors import Actor
from ledger.events import rfc3339
from ledger.rules import check_date_order

NS = uuid5(NAMESPACE_URL, "https://labledger.local/ids")


class Program(Aggregate):
    @staticmethod
    def create_id(slug: str) -> UUID:
        # Deterministic: a second program with the same slug collides in the store.
        return uuid5(NS, f"program:{slug}")

    @classmethod
    def open(
        cls,
        slug: str,
        name: str,
        city: str,
        starts_on: date,
        ends_on: date,
        capacity: int,
        actor: Actor,
    ) -> Program:
        check_date_order("starts_on", starts_on, "ends_on", ends_on)
        return cls(
            slug, name, city, starts_on.isoformat(), ends_on.isoformat(), capacity, *actor.recorded
        )

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

    def check_tool_version(self, tool: str, version: str) -> None:
        """A generation names a registered tool and a version it ever disclosed."""
        registered = self.check_tool(tool)
        if version not in registered["versions"]:
            raise errors.UnknownToolVersion(
                f"tool {tool!r} has no registered version {version!r} "
                f"(registered: {', '.join(registered['versions'])})",
                tool=tool,
                tool_version=version,
            )

    def check_during(self, at: datetime, what: str) -> None:
        """`at` falls on one of the program's days, starts_on to ends_on
        inclusive, as UTC calendar days."""
        day = at.astimezone(UTC).date().isoformat()
        if not self.starts_on <= day <= self.ends_on:
            raise errors.OutsideProgramDates(
                f"{what} {rfc3339(at)} falls outside program {self.slug!r}, which runs "
                f"from {self.starts_on} to {self.ends_on} (UTC days)",
                starts_on=self.starts_on,
                ends_on=self.ends_on,
            )

    def register_tool(
        self,
        tool: str,
        name: str,
        provider: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        actor: Actor,
    ) -> None:
        self.check_open()
        if tool in self.tools:
            raise errors.ToolAlreadyRegistered(
                f"tool {tool!r} is already registered; update its disclosure instead"
            )
        self._tool_registered(
            tool, name, provider, version, list(capabilities), list(limitations), *actor.recorded
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
        actor: Actor,
    ) -> None:
        self.check_open()
        self.check_tool(tool)
        self._tool_disclosure_updated(
            tool, version, list(capabilities), list(limitations), *actor.recorded
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

    def allocate_seat(self, application_id: str, actor: Actor) -> None:
        self.check_open()
        self.check_seat_available()
        self._seat_allocated(application_id, *actor.recorded)

    @event("SeatAllocated")
    def _seat_allocated(self, application_id: str, actor_id: str, actor_role: str) -> None:
        self.seats.append(application_id)

    def release_seat(self, application_id: str, actor: Actor) -> None:
        if application_id in self.seats:
            self._seat_released(application_id, *actor.recorded)

    @event("SeatReleased")
    def _seat_released(self, application_id: str, actor_id: str, actor_role: str) -> None:
        self.seats.remove(application_id)

    def close(self, actor: Actor) -> None:
        self.check_open()
        self._closed(*actor.recorded)

    @event("ProgramClosed")
    def _closed(self, actor_id: str, actor_role: str) -> None:
        self.closed = True
