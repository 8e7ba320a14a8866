"""What a handler returns (`Changes`: the aggregates it changed, a typed
result, the side writes of the same save), the results themselves, and what
handlers share about personal values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.application import Ledger
from ledger.domain import Application
from ledger.personal import Sealed
from ledger.recorders import SideWrite

R = TypeVar("R")


@dataclass(frozen=True)
class Created:
    id: UUID


@dataclass(frozen=True)
class Updated:
    """The command changed what it names; nothing new to report."""


@dataclass(frozen=True)
class StatusChanged:
    id: UUID
    status: str


@dataclass(frozen=True)
class Admitted(StatusChanged):
    seats_left: int


@dataclass(frozen=True)
class Declared:
    id: UUID
    owner: UUID


@dataclass(frozen=True)
class Hung:
    credited_artist: UUID


@dataclass(frozen=True)
class Changes(Generic[R]):
    """What a handler changed (saved in this order), what it reports, and
    the rows written in the same transaction."""

    aggregates: tuple[Aggregate, ...]
    result: R
    side_writes: tuple[SideWrite, ...] = ()


def next_version(aggregate: Aggregate) -> int:
    """The version of the aggregate's next event: what its personal values
    are filed under (the side write checks the event is saved)."""
    return aggregate.version + 1


def sealed_reason(
    ledger: Ledger, person: Application, aggregate: Aggregate, reason: str
) -> tuple[str | None, tuple[Sealed, ...]]:
    """The commitment to a reason filed with `person`'s data for the next
    event of `aggregate`, and its side write; for a person whose data was
    erased the reason is not kept at all (None, nothing to write)."""
    if person.erased:
        return None, ()
    sealed = ledger.get_person(person).seal(aggregate.id, next_version(aggregate), reason=reason)
    return sealed.commitment("reason"), (sealed,)
