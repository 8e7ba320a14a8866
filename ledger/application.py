"""The write side: commands go get -> check -> mutate -> save, in one transaction.

Queries (`get_*`) return plain data, never aggregates.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from ledger import errors
from ledger.domainmodel import Application as ApplicationAggregate
from ledger.domainmodel import Exhibition, Generation, Program, Work
from ledger.events import public_type
from ledger.persistence import APP_NAME, Database, IdempotencyRecord

# A lost optimistic-concurrency race (two admissions saving the same Program
# version) is retried this many times, then answered 409.
MAX_ATTEMPTS = 8
# How far in the future a reported `generated_at` may lie (clock skew).
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Actor:
    id: str
    role: str
    participant_id: UUID | None = None
    # The token's label. For partners it names the organisation: tokens with
    # the same name act as one partner (a replaced token keeps its endpoints).
    name: str = ""

    @property
    def principal(self) -> str:
        """Who owns what this actor creates (webhook endpoints)."""
        return f"partner:{self.name}" if self.role == "partner" and self.name else self.id


@dataclass(frozen=True)
class Written:
    body: dict[str, Any]
    position: int
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: dict[str, Any]
    position: int


class DuplicateRequest(Exception):
    """The same Idempotency-Key was committed by a concurrent request."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("duplicate idempotent request")
        self.stored = stored


def utcnow() -> datetime:
    return datetime.now(UTC)


class Ledger(Application[UUID]):
    name = APP_NAME
    # A program's aggregate grows by one event per seat change; snapshots keep
    # `get` flat instead of replaying every admission.
    snapshotting_intervals = {Program: 50}

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env=env)
        self.clock: Callable[[], datetime] = utcnow
        module = self.env.get("PERSISTENCE_MODULE", "")
        dialect = "postgres" if module.endswith("postgres") else "sqlite"
        self.db = Database(
            self.factory.datastore,  # type: ignore[attr-defined]
            dialect,
            self.recorder.events_table_name,  # type: ignore[attr-defined]
        )

    # ---- programs and tools -------------------------------------------------

    def open_program(
        self,
        actor: Actor,
        slug: str,
        name: str,
        city: str,
        starts_on: str,
        ends_on: str,
        capacity: int,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        if ends_on < starts_on:
            raise errors.InvalidCommand("ends_on must not be before starts_on")
        program = Program(
            slug, name, city, starts_on, ends_on, capacity, actor_id=actor.id, actor_role=actor.role
        )
        body = {"id": str(program.id), "slug": slug}
        return self._save(
            [program],
            body,
            idempotency,
            on_conflict=lambda: errors.SlugTaken(f"a program with slug {slug!r} already exists"),
        )

    def register_tool(
        self,
        actor: Actor,
        slug: str,
        tool: str,
        name: str,
        provider: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            program = self._program(slug)
            program.register_tool(
                tool, name, provider, version, capabilities, limitations, actor.id, actor.role
            )
            return [program], {"program": slug, "tool": tool}

        return self._retrying(attempt, idempotency)

    def update_tool_disclosure(
        self,
        actor: Actor,
        slug: str,
        tool: str,
        version: str,
        capabilities: list[str],
        limitations: list[str],
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            program = self._program(slug)
            program.update_tool_disclosure(
                tool, version, capabilities, limitations, actor.id, actor.role
            )
            return [program], {"program": slug, "tool": tool, "version": version}

        return self._retrying(attempt, idempotency)

    def close_program(
        self, actor: Actor, slug: str, idempotency: IdempotencyRecord | None = None
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            program = self._program(slug)
            program.close(actor.id, actor.role)
            return [program], {"program": slug, "closed": True}

        return self._retrying(attempt, idempotency)

    # ---- applications and participants --------------------------------------

    def submit_application(
        self,
        actor: Actor,
        slug: str,
        artist_name: str,
        email: str,
        portfolio_url: str,
        statement: str,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        program = self._program(slug)
        program.check_open()
        application = ApplicationAggregate(
            program.id,
            slug,
            artist_name,
            email,
            portfolio_url,
            statement,
            personal_salt=secrets.token_hex(32),
            actor_id=actor.id,
            actor_role=actor.role,
        )
        return self._save(
            [application], {"id": str(application.id), "status": "applied"}, idempotency
        )

    def admit_applicant(
        self, actor: Actor, application_id: UUID, idempotency: IdempotencyRecord | None = None
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            application = self._application(application_id)
            application.check_pending()
            program = self.repository.get(application.program_id)
            program.allocate_seat(str(application.id), actor.id, actor.role)
            application.admit(actor.id, actor.role)
            body = {"id": str(application.id), "status": application.status}
            body["seats_left"] = program.seats_left
            return [program, application], body

        return self._retrying(attempt, idempotency)

    def decline_application(
        self,
        actor: Actor,
        application_id: UUID,
        reason: str,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            application = self._application(application_id)
            application.decline(reason, actor.id, actor.role)
            return [application], {"id": str(application.id), "status": application.status}

        return self._retrying(attempt, idempotency)

    def withdraw_participant(
        self,
        actor: Actor,
        application_id: UUID,
        reason: str,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            application = self._application(application_id)
            was_admitted = application.status == "admitted"
            application.withdraw(reason, actor.id, actor.role)
            changed: list[Any] = [application]
            if was_admitted:
                program = self.repository.get(application.program_id)
                program.release_seat(str(application.id), actor.id, actor.role)
                changed.insert(0, program)
            return changed, {"id": str(application.id), "status": application.status}

        return self._retrying(attempt, idempotency)

    def grant_tool(
        self,
        actor: Actor,
        participant_id: UUID,
        tool: str,
        expires_at: datetime | None,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            participant = self._application(participant_id)
            program = self.repository.get(participant.program_id)
            program.check_tool(tool)
            participant.grant_tool(tool, expires_at, self.clock(), actor.id, actor.role)
            body = {
                "participant_id": str(participant.id),
                "tool": tool,
                "expires_at": expires_at.isoformat() if expires_at else None,
            }
            return [participant], body

        return self._retrying(attempt, idempotency)

    def revoke_tool(
        self,
        actor: Actor,
        participant_id: UUID,
        tool: str,
        reason: str,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        def attempt() -> tuple[list[Any], dict[str, Any]]:
            participant = self._application(participant_id)
            participant.revoke_tool(tool, reason, self.clock(), actor.id, actor.role)
            return [participant], {"participant_id": str(participant.id), "tool": tool}

        return self._retrying(attempt, idempotency)

    # ---- generations, works, exhibitions -------------------------------------

    def record_generation(
        self,
        actor: Actor,
        participant_id: UUID,
        tool: str,
        tool_version: str,
        output_sha256: str,
        media_type: str,
        prompt_sha256: str | None,
        generated_at: datetime | None,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        self._check_acts_for(actor, participant_id)
        now = self.clock()
        at = generated_at or now
        if at > now + CLOCK_SKEW:
            raise errors.InvalidCommand("generated_at lies in the future")
        participant = self._application(participant_id)
        program = self.repository.get(participant.program_id)
        registered = program.check_tool(tool)
        if tool_version not in registered["versions"]:
            raise errors.UnknownTool(
                f"tool {tool!r} has no registered version {tool_version!r} "
                f"(registered: {', '.join(registered['versions'])})",
                tool=tool,
            )
        participant.check_can_generate(tool, at)
        generation = Generation(
            participant.id,
            participant.program,
            tool,
            tool_version,
            output_sha256,
            media_type,
            prompt_sha256,
            at,
            actor_id=actor.id,
            actor_role=actor.role,
        )
        return self._save([generation], {"id": str(generation.id)}, idempotency)

    def declare_ownership(
        self,
        actor: Actor,
        title: str,
        content_sha256: str,
        generation_ids: Sequence[UUID],
        statement: str,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        if actor.role != "artist" or actor.participant_id is None:
            raise errors.Forbidden("only the artist who made a work can declare its ownership")
        artist = self._application(actor.participant_id)
        if artist.status not in ("admitted", "withdrawn"):
            raise errors.NotAdmitted(f"artist is {artist.status}, never admitted")
        for generation_id in dict.fromkeys(generation_ids):
            try:
                generation = self.repository.get(generation_id)
            except AggregateNotFoundError:
                raise errors.NotFound(f"generation {generation_id} not found") from None
            if not isinstance(generation, Generation) or generation.participant != artist.id:
                raise errors.GenerationNotOwned(
                    f"generation {generation_id} was not recorded by this artist",
                    generation_id=str(generation_id),
                )
        work = Work(
            artist.id,
            artist.artist_name,
            artist.program,
            title,
            content_sha256,
            list(dict.fromkeys(generation_ids)),
            statement,
            personal_salt=secrets.token_hex(32),
            actor_id=actor.id,
            actor_role=actor.role,
        )
        return self._save(
            [work],
            {"id": str(work.id), "content_sha256": content_sha256, "owner": str(artist.id)},
            idempotency,
            on_conflict=lambda: errors.ContentAlreadyOwned(
                f"content {content_sha256} already has a declared owner",
                work_id=str(work.id),
            ),
        )

    def schedule_exhibition(
        self,
        actor: Actor,
        program_slug: str,
        title: str,
        venue: str,
        opens_on: str,
        closes_on: str,
        partner: str | None,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        if closes_on < opens_on:
            raise errors.InvalidCommand("closes_on must not be before opens_on")
        self._program(program_slug)
        exhibition = Exhibition(
            program_slug, title, venue, opens_on, closes_on, partner, actor.id, actor.role
        )
        return self._save([exhibition], {"id": str(exhibition.id)}, idempotency)

    def hang_work(
        self,
        actor: Actor,
        exhibition_id: UUID,
        work_id: UUID,
        idempotency: IdempotencyRecord | None = None,
    ) -> Written:
        exhibition = self._get(exhibition_id, Exhibition, "exhibition")

        def attempt() -> tuple[list[Any], dict[str, Any]]:
            try:
                work = self.repository.get(work_id)
            except AggregateNotFoundError:
                raise errors.OwnershipNotDeclared(
                    f"no ownership is declared for work {work_id}; declare it before hanging"
                ) from None
            if not isinstance(work, Work):
                raise errors.OwnershipNotDeclared(f"{work_id} is not a declared work")
            work.exhibit(exhibition.id, actor.id, actor.role)
            body = {
                "exhibition_id": str(exhibition.id),
                "work_id": str(work.id),
                "credited_artist": str(work.artist),
            }
            return [work], body

        return self._retrying(attempt, idempotency)

    # ---- queries ----------------------------------------------------------------

    def get_program(self, slug: str) -> dict[str, Any]:
        program = self._program(slug)
        return {
            "id": str(program.id),
            "slug": program.slug,
            "name": program.name,
            "city": program.city,
            "starts_on": program.starts_on,
            "ends_on": program.ends_on,
            "capacity": program.capacity,
            "seats_used": program.seats_used,
            "seats_left": program.seats_left,
            "closed": program.closed,
            "tools": [
                {k: v for k, v in tool.items() if k != "versions"} | {"versions": tool["versions"]}
                for tool in program.tools.values()
            ],
        }

    def get_participant(self, participant_id: UUID) -> dict[str, Any]:
        participant = self._application(participant_id)
        return {
            "id": str(participant.id),
            "program": participant.program,
            "artist_name": participant.artist_name,
            "status": participant.status,
        }

    def lookup_idempotent(self, scope: str, key: str) -> StoredResponse | None:
        row = self.db.fetchone(
            "SELECT request_hash, status, response, originator_id, originator_version "
            "FROM {t}ledger_idempotency WHERE scope = ? AND key = ?",
            (scope, key),
        )
        if row is None:
            return None
        return StoredResponse(
            request_hash=row["request_hash"],
            status=row["status"],
            body=json.loads(row["response"]),
            position=self._position_of(row["originator_id"], row["originator_version"]),
        )

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    # ---- internals ----------------------------------------------------------------

    def _position_of(self, originator_id: str, originator_version: int) -> int:
        if self.db.dialect == "sqlite":
            statement = (
                f"SELECT rowid AS position FROM {self.db.events_table} "
                "WHERE originator_id = ? AND originator_version = ?"
            )
            params: tuple[Any, ...] = (originator_id, originator_version)
        else:
            statement = (
                f"SELECT notification_id AS position FROM {{t}}{self.db.events_table} "
                "WHERE originator_id = ? AND originator_version = ?"
            )
            params = (UUID(originator_id), originator_version)
        row = self.db.fetchone(statement, params)
        return int(row["position"]) if row else 0

    def _check_acts_for(self, actor: Actor, participant_id: UUID) -> None:
        if actor.role == "staff":
            return
        if actor.role == "artist" and actor.participant_id == participant_id:
            return
        raise errors.Forbidden("an artist acts only for themselves")

    def _get(self, aggregate_id: UUID, cls: type, label: str) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise errors.NotFound(f"{label} {aggregate_id} not found") from None
        if not isinstance(aggregate, cls):
            raise errors.NotFound(f"{label} {aggregate_id} not found")
        return aggregate

    def _program(self, slug: str) -> Program:
        try:
            program = self.repository.get(Program.create_id(slug))
        except AggregateNotFoundError:
            raise errors.NotFound(f"program {slug!r} not found") from None
        return program

    def _application(self, application_id: UUID) -> ApplicationAggregate:
        return self._get(application_id, ApplicationAggregate, "application")

    def _retrying(
        self,
        attempt: Callable[[], tuple[list[Any], dict[str, Any]]],
        idempotency: IdempotencyRecord | None,
    ) -> Written:
        """Run get -> mutate -> save, again on a lost optimistic-concurrency race."""
        for n in range(MAX_ATTEMPTS):
            aggregates, body = attempt()
            try:
                return self._save(aggregates, body, idempotency)
            except errors.ConcurrencyConflict:
                time.sleep(random.uniform(0, 0.005 * 2**n))
        raise errors.ConcurrencyConflict(
            f"gave up after {MAX_ATTEMPTS} concurrent-update retries; retry the request"
        )

    def _save(
        self,
        aggregates: Sequence[Any],
        body: dict[str, Any],
        idempotency: IdempotencyRecord | None,
        on_conflict: Callable[[], errors.LedgerError] | None = None,
    ) -> Written:
        record = replace(idempotency, response=body) if idempotency else None
        try:
            recordings = self.save(*aggregates, idempotency=record)
        except IntegrityError:
            if idempotency is not None:
                stored = self.lookup_idempotent(idempotency.scope, idempotency.key)
                if stored is not None:
                    raise DuplicateRequest(stored) from None
            if on_conflict is not None:
                raise on_conflict() from None
            raise errors.ConcurrencyConflict("another request changed this record") from None
        return Written(
            body=body,
            position=recordings[-1].notification.id,
            types=tuple(public_type(r.domain_event) for r in recordings),
        )
