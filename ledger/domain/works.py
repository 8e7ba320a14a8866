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
        program.check_tool_version(tool, tool_version)
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
    @staticmethod
    def create_id(content_sha256: str) -> UUID:
        # One work per content hash: a second declaration collides in the store,
        # so "at most one owner per hash" holds under any concurrency.
        return uuid5(NS, f"work:{content_sha256}")

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

    @classmethod
    def declare(
        cls,
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

    def exhibit(self, exhibition: UUID, actor: Actor) -> None:
        if exhibition in self.exhibitions:
            raise errors.AlreadyExhibited("the work already hangs in this exhibition")
        self._exhibited(exhibition, self.artist, *actor.recorded)

    @event("WorkExhibited")
    def _exhibited(
        self, exhibition: UUID, credited_artist: UUID, actor_id: str, actor_role: str
    ) -> None:
        self.exhibitions.append(exhibition)


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
