"""Generations, works (ownership declarations) and exhibitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger import errors
from ledger.actors import Actor, Role
from ledger.domain.participants import Application
from ledger.domain.programs import NS, Program
from ledger.rules import check_date_order

# How far in the future a reported `generated_at` may lie (clock skew).
CLOCK_SKEW = timedelta(minutes=5)


class Generation(Aggregate):
    @staticmethod
    def check_time(generated_at: datetime | None, now: datetime) -> datetime:
        """When a generation happened: as reported (not beyond the clock skew
        into the future), or now."""
        at = generated_at or now
        if at > now + CLOCK_SKEW:
            raise errors.InvalidCommand("generated_at lies in the future")
        return at

    @classmethod
    def record(
        cls,
        participant: Application,
        program: Program,
        tool: str,
        tool_version: str,
        output_sha256: str,
        media_type: str,
        prompt_sha256: str | None,
        at: datetime,
        actor: Actor,
    ) -> Generation:
        program.check_open()
        program.check_tool_version(tool, tool_version)
        program.check_during(at, "generated_at")
        participant.check_can_generate(tool, at)
        return cls(
            participant.id,
            participant.program,
            tool,
            tool_version,
            output_sha256,
            media_type,
            prompt_sha256,
            at,
            *actor.recorded,
        )

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
    """A declaration of ownership of one content hash. A hash can be declared
    again once its declaration is retracted: each declaration is a work of
    its own, with its own certificate, and the retracted one keeps its proof."""

    @staticmethod
    def create_id(content_sha256: str, declaration: int = 1) -> UUID:
        # Derived: the n-th declaration of a hash has one id, so two racing
        # declarations collide in the store and at most one owner per hash
        # holds under any concurrency. The first keeps the id it always had.
        suffix = "" if declaration == 1 else f"#{declaration}"
        return uuid5(NS, f"work:{content_sha256}{suffix}")

    @staticmethod
    def check_declarer(actor: Actor) -> UUID:
        """Ownership sits with the artist who made the work, never with staff,
        partners or tool providers; returns the artist's participant id."""
        if actor.role != Role.ARTIST or actor.participant_id is None:
            raise errors.Forbidden("only the artist who made a work can declare its ownership")
        return actor.participant_id

    @staticmethod
    def check_generation(generation: Any, generation_id: UUID, artist: Application) -> None:
        """A work is declared from generations its artist recorded."""
        if not isinstance(generation, Generation) or generation.participant != artist.id:
            raise errors.GenerationNotOwned(
                f"generation {generation_id} was not recorded by this artist",
                generation_id=str(generation_id),
            )

    @staticmethod
    def check_claimable(content_sha256: str, first_generated_by: UUID | None, artist: UUID) -> None:
        """A hash that another participant recorded first as a generation
        output is theirs to declare: nobody front-runs the artist who made it."""
        if first_generated_by is not None and first_generated_by != artist:
            raise errors.ContentGeneratedByAnother(
                f"content {content_sha256} was first recorded as a generation output by "
                "another participant; only they can declare its ownership"
            )

    @staticmethod
    def check_unowned(content_sha256: str, standing: Work | None) -> None:
        """At most one standing declaration per hash."""
        if standing is not None and not standing.retracted:
            raise errors.ContentAlreadyOwned(
                f"content {content_sha256} already has a declared owner",
                work_id=str(standing.id),
            )

    @classmethod
    def declare(
        cls,
        work_id: UUID,
        artist: Application,
        title: str,
        content_sha256: str,
        generation_ids: Sequence[UUID],
        commitments: Mapping[str, str],
        actor: Actor,
        find: Callable[[UUID], Any],
    ) -> Work:
        """`find` looks a generation up by id (raising NotFound); `commitments`
        commit to the statement and to the name credited (`ledger.personal`)."""
        artist.check_ever_admitted()
        artist.check_not_erased()
        generations = list(dict.fromkeys(generation_ids))
        for generation_id in generations:
            cls.check_generation(find(generation_id), generation_id, artist)
        return cls(
            work_id,
            artist.id,
            artist.program,
            title,
            content_sha256,
            generations,
            commitments["statement_commitment"],
            commitments["credit_name_commitment"],
            *actor.recorded,
        )

    @event("OwnershipDeclared")
    def __init__(
        self,
        id: UUID,  # Work.create_id(content_sha256, n); not in the event
        artist: UUID,
        program: str,
        title: str,
        content_sha256: str,
        generations: list[UUID],
        statement_commitment: str,
        credit_name_commitment: str,
        actor_id: str,
        actor_role: str,
    ) -> None:
        self.artist = artist
        self.program = program
        self.title = title
        self.content_sha256 = content_sha256
        self.generations = list(generations)
        self.exhibitions: list[UUID] = []
        self.retracted = False
        self.disputed = False

    def check_standing(self) -> None:
        """A retracted declaration no longer says who owns the work."""
        if self.retracted:
            raise errors.DeclarationRetracted(
                f"the declaration of work {self.id} was retracted", work_id=str(self.id)
            )

    def exhibit(self, exhibition: UUID, actor: Actor) -> None:
        self.check_standing()
        if exhibition in self.exhibitions:
            raise errors.AlreadyExhibited("the work already hangs in this exhibition")
        self._exhibited(exhibition, self.artist, *actor.recorded)

    @event("WorkExhibited")
    def _exhibited(
        self, exhibition: UUID, credited_artist: UUID, actor_id: str, actor_role: str
    ) -> None:
        self.exhibitions.append(exhibition)

    def check_retractor(self, actor: Actor) -> None:
        """Only the artist who declared a work retracts the declaration."""
        if actor.role != Role.ARTIST or actor.participant_id != self.artist:
            raise errors.Forbidden("only the artist who declared a work can retract it")

    def retract(self, artist: Application, reason_commitment: str | None, actor: Actor) -> None:
        """The reason is the artist's personal data: null once it was erased."""
        self.check_retractor(actor)
        self.check_standing()
        artist.check_reason(reason_commitment)
        self._retracted(self.artist, reason_commitment, *actor.recorded)

    @event("OwnershipRetracted")
    def _retracted(
        self, artist: UUID, reason_commitment: str | None, actor_id: str, actor_role: str
    ) -> None:
        self.retracted = True

    def check_disputable(self) -> None:
        self.check_standing()
        if self.disputed:
            raise errors.AlreadyDisputed(
                f"the declaration of work {self.id} is already disputed", work_id=str(self.id)
            )

    def dispute(self, artist: Application, reason_commitment: str | None, actor: Actor) -> None:
        """Staff mark a standing declaration disputed; it stays the declaration.
        The reason is filed with the artist's personal data (null once erased)."""
        if actor.role != Role.STAFF:
            raise errors.Forbidden("only staff mark a declaration disputed")
        self.check_disputable()
        artist.check_reason(reason_commitment)
        self._disputed(self.artist, reason_commitment, *actor.recorded)

    @event("OwnershipDisputed")
    def _disputed(
        self, artist: UUID, reason_commitment: str | None, actor_id: str, actor_role: str
    ) -> None:
        self.disputed = True


class Exhibition(Aggregate):
    @classmethod
    def schedule(
        cls,
        program: str,
        title: str,
        venue: str,
        opens_on: date,
        closes_on: date,
        partner: str | None,
        actor: Actor,
    ) -> Exhibition:
        check_date_order("opens_on", opens_on, "closes_on", closes_on)
        return cls(
            program,
            title,
            venue,
            opens_on.isoformat(),
            closes_on.isoformat(),
            partner,
            *actor.recorded,
        )

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
