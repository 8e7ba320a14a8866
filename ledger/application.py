"""The write application: the event store, and the lookups commands need.

Commands themselves are `ledger.commands` run by `ledger.messagebus`; this
class saves what their handlers change (with side writes in the same
transaction) and finds aggregates, raising a named error when one is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Recording,
    Repository,
    project_aggregate,
)
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.popo import POPOFactory

from ledger import errors
from ledger.database import Database
from ledger.domain import Application as ApplicationAggregate
from ledger.domain import Exhibition, Program, Work
from ledger.outputs import Outputs
from ledger.personal import Person
from ledger.personal_store import PersonalData
from ledger.recorders import MemoryRecorder, SideWrite

APP_NAME = "ledger"  # PostgreSQL table names derive from it: never change.
AGGREGATES = 1000  # aggregates a process keeps decoded for its commands


class CachedRepository(Repository[UUID]):
    """eventsourcing's repository with a per-process aggregate cache: a `get`
    fast-forwards the cached aggregate with the events stored since (one
    query, none replayed; another process's writes are never missed, and
    every save is still checked against the stored version).

    The cache is copy-on-write: an aggregate in it is never changed once
    cached (a fast-forward applies new events to a copy and caches that), so
    a command that only reads an aggregate can take the cached one as it is
    (`shared`), with no copy: a generation reads its participant and program
    and copied both, ~0.9 ms of the request's CPU. A command that changes an
    aggregate gets a deep copy (`get`); saving a shared one is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID, *, version: int | None = None, **kwargs: Any) -> Any:
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, **kwargs)
        return deepcopy(self.shared(aggregate_id))

    def shared(self, aggregate_id: UUID) -> Any:
        """The aggregate as stored now, from the cache: read it, never change it."""
        return self.shared_many((aggregate_id,))[0]

    def shared_many(self, aggregate_ids: Sequence[UUID]) -> list[Any]:
        """`shared` of each, the cached ones brought up to date by one query
        for all. The lock is held only to look in the cache and to put in it,
        never across a query: a thread waiting on the store (a round trip on
        PostgreSQL) holds up no other thread's command."""
        if self.cache is None:
            return [super().get(aggregate_id) for aggregate_id in aggregate_ids]
        with self._lock:
            cached = [self._cached(aggregate_id) for aggregate_id in aggregate_ids]
        new = self._new_events({a.id: a.version for a in cached if a is not None})
        current = []
        for aggregate_id, aggregate in zip(aggregate_ids, cached, strict=True):
            if aggregate is None:
                found = self._reconstruct_aggregate(aggregate_id, None, project_aggregate)
            elif new.get(aggregate_id):
                found = project_aggregate(deepcopy(aggregate), new[aggregate_id])
                if found is None:
                    raise AggregateNotFoundError(aggregate_id)
            else:
                found = aggregate
            current.append(self._keep(found))
        return current

    def peek(self, aggregate_id: UUID) -> Any:
        """The cached aggregate as it was cached (maybe stale), or None: no I/O."""
        if self.cache is None:
            return None
        with self._lock:
            return self._cached(aggregate_id)

    def _cached(self, aggregate_id: UUID) -> Any:
        try:
            return self.cache.get(aggregate_id)  # type: ignore[union-attr]
        except KeyError:
            return None

    def _new_events(self, versions: dict[UUID, int]) -> dict[UUID, list[Any]]:
        """The events stored after each cached version, by aggregate."""
        select = getattr(self.event_store.recorder, "select_new_events", None)
        if select is None or len(versions) < 2:
            return {
                aggregate_id: list(self.event_store.get(originator_id=aggregate_id, gt=version))
                for aggregate_id, version in versions.items()
            }
        new: dict[UUID, list[Any]] = {}
        for stored in select(versions):
            event = self.event_store.mapper.to_domain_event(stored)
            new.setdefault(event.originator_id, []).append(event)
        return new

    def _keep(self, aggregate: Any) -> Any:
        """Cache `aggregate` unless a thread cached it as new or newer
        meanwhile; what the cache then holds."""
        with self._lock:
            held = self._cached(aggregate.id)
            if held is not None and held.version >= aggregate.version:
                return held
            self.cache.put(aggregate.id, aggregate)  # type: ignore[union-attr]
            return aggregate

    def is_shared(self, aggregate: Any) -> bool:
        """Whether `aggregate` is the cache's own instance (`shared`)."""
        if self.cache is None:
            return False
        with self._lock:
            try:
                return self.cache.get(aggregate.id) is aggregate
            except KeyError:
                return False


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
        recorder: Any = self.recorder  # one of ledger.recorders: it has a `database`
        self.database: Database = recorder.database
        self.people = PersonalData(self.database)
        self.outputs = Outputs(self.database)

    def construct_repository(self) -> Repository[UUID]:
        return CachedRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=AGGREGATES,
            fastforward=True,
            deepcopy_from_cache=True,
        )

    def construct_recorder(self) -> ApplicationRecorder:
        # In memory (eventsourcing's POPO store, the default): side writes too.
        if isinstance(self.factory, POPOFactory):
            return MemoryRecorder()
        return super().construct_recorder()

    def save(  # type: ignore[override]
        self, *aggregates: Any, side_writes: Iterable[SideWrite] = ()
    ) -> list[Recording[UUID]]:
        """Save the aggregates' new events and the side writes in one transaction.

        A shared aggregate (`shared=True` lookups) is the cache's: changing it
        would change what every later command reads, so it is never saved."""
        repository: Any = self.repository
        # eventsourcing's `save` as it runs for aggregates, without its
        # runtime Protocol checks of each object (~15 us a save).
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            if repository.is_shared(aggregate):
                raise RuntimeError(f"{aggregate.id} was looked up shared (read-only); get a copy")
            processing.events.extend(aggregate.collect_events())
            processing.aggregates[aggregate.id] = aggregate
        processing.saved_kwargs["side_writes"] = tuple(side_writes)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    # ---- lookups ------------------------------------------------------------------

    # `shared=True`: the cached aggregate itself, for a command that only
    # reads it (no copy; see CachedRepository); never change or save it.

    def _lookup(self, aggregate_id: UUID, shared: bool) -> Any:
        repository: Any = self.repository
        return repository.shared(aggregate_id) if shared else repository.get(aggregate_id)

    def find(self, aggregate_id: UUID, label: str, *, shared: bool = False) -> Any:
        """Any aggregate by id; NotFound names it `label`."""
        try:
            return self._lookup(aggregate_id, shared)
        except AggregateNotFoundError:
            raise errors.NotFound(f"{label} {aggregate_id} not found") from None

    def _get(self, aggregate_id: UUID, cls: type, label: str, shared: bool = False) -> Any:
        aggregate = self.find(aggregate_id, label, shared=shared)
        if not isinstance(aggregate, cls):
            raise errors.NotFound(f"{label} {aggregate_id} not found")
        return aggregate

    def get_program(self, slug: str, *, shared: bool = False) -> Program:
        try:
            return self._lookup(Program.create_id(slug), shared)
        except AggregateNotFoundError:
            raise errors.NotFound(f"program {slug!r} not found") from None

    def program_of(self, application: ApplicationAggregate, *, shared: bool = False) -> Program:
        return self._lookup(application.program_id, shared)

    def get_application(
        self, application_id: UUID, *, shared: bool = False
    ) -> ApplicationAggregate:
        return self._get(application_id, ApplicationAggregate, "application", shared)

    def participant_with_program(self, participant_id: UUID) -> tuple[Any, Program]:
        """An application and its program, both shared (read-only), brought
        up to date by one query when the application is cached (its program
        never changes)."""
        repository: Any = self.repository
        cached = repository.peek(participant_id)
        if not isinstance(cached, ApplicationAggregate):
            participant = self.get_application(participant_id, shared=True)
            return participant, self.program_of(participant, shared=True)
        participant, program = repository.shared_many((participant_id, cached.program_id))
        return participant, program

    def get_person(self, application: ApplicationAggregate) -> Person:
        """The personal data of an application's person (PersonalDataErased
        once erased)."""
        application.check_not_erased()
        person = self.people.get(application.id)
        if person is None:  # erased since the aggregate was read
            raise errors.PersonalDataErased(f"the personal data of {application.id} was erased")
        return person

    def get_exhibition(self, exhibition_id: UUID) -> Exhibition:
        return self._get(exhibition_id, Exhibition, "exhibition")

    def get_declared_work(self, work_id: UUID) -> Work:
        try:
            work = self.repository.get(work_id)
        except AggregateNotFoundError:
            raise errors.OwnershipNotDeclared(
                f"no ownership is declared for work {work_id}; declare it before hanging"
            ) from None
        if not isinstance(work, Work):
            raise errors.OwnershipNotDeclared(f"{work_id} is not a declared work")
        return work

    def has_work(self, work_id: UUID) -> bool:
        return work_id in self.repository and isinstance(self.repository.get(work_id), Work)

    def check_slug_free(self, slug: str) -> None:
        if Program.create_id(slug) in self.repository:
            raise errors.SlugTaken(f"a program with slug {slug!r} already exists")

    def get_work(self, work_id: UUID) -> Work:
        return self._get(work_id, Work, "work")

    def latest_declaration(self, content_sha256: str) -> tuple[int, Work | None]:
        """The latest declaration of a hash (None: never declared) and the
        number the next one would get (`Work.create_id`). A hash is declared
        again only after a retraction, so this is one lookup or a few."""
        number, latest = 1, None
        while True:
            try:
                latest = self.repository.get(Work.create_id(content_sha256, number))
            except AggregateNotFoundError:
                return number, latest
            number += 1
