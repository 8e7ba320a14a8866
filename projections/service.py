"""The read models as one object per process: followers, freshness, queries.

The HTTP layer holds one `ReadModels` (built lazily after fork) and calls
`ensure`/`refresh` before each query, so a read can wait for its own writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ledger.database import Cursor, Database
from ledger.events import rfc3339
from ledger.faults import Fault, Faults
from ledger.log import EventLog
from ledger.personal_store import PersonalData
from ledger.schema import Seed
from ledger.tables import Table
from projections import (
    audit,
    catalog,
    generations,
    public,
    registry,
    registry_reads,
    roster,
    tracking,
)
from projections.follower import Follower, Projection
from projections.tracking import active

# A projection this far behind the log reports not ready.
READY_LAG = 1000


def all_projections() -> list[Projection]:
    return [
        roster.Roster(),
        registry.Registry(),
        audit.Audit(),
        catalog.Catalog(),
        generations.Generations(),
    ]


NAMES = [p.name for p in all_projections()]
TABLES: tuple[Table, ...] = (
    tracking.TRACKING,
    tracking.ACTIVE,
    *(table for p in all_projections() for table in p.tables),
)
SEEDS: tuple[Seed, ...] = (tracking.seed(NAMES),)


def reapply(name: str) -> Callable[[Cursor], None]:
    """A migration step: view `name` applies the whole log again (its rows
    and tracking gone, its follower starts over at position 0), for a view
    whose code now derives more from events it had already applied."""

    def step(cur: Cursor) -> None:
        [projection] = [p for p in all_projections() if p.name == name]
        for table in projection.tables:
            if cur.has_table(table.name):
                cur.execute(f"DELETE FROM {{t}}{table.name}")
        if cur.has_table(tracking.TRACKING.name):
            cur.execute(
                "DELETE FROM {t}proj_tracking WHERE application_name LIKE ?", (f"{name}@%",)
            )

    return step


def followers(log: EventLog, db: Database, poll_interval: float = 0.2) -> list[Follower]:
    """One follower per projection (each under its own lease)."""
    return [Follower(log, db, p, poll_interval=poll_interval) for p in all_projections()]


class ReadModels:
    def __init__(self, log: EventLog, db: Database, poll_interval: float = 0.2) -> None:
        self.log = log
        self.db = db
        self.people = PersonalData(db)
        self.followers = {f.projection.name: f for f in followers(log, db, poll_interval)}

    # ---- freshness -------------------------------------------------------------

    def ensure(self, name: str, min_position: int, wait: float) -> bool:
        return self.followers[name].ensure(min_position, wait)

    def refresh(self, name: str, budget: float) -> None:
        """Catch up now if no follower process is doing it (create_app alone)."""
        self.followers[name].catch_up(budget=budget)

    def position(self, name: str) -> int:
        return self.followers[name].position()

    def positions(self, *names: str) -> tuple[int, ...]:
        """The serving position of each view named, in one transaction."""
        return tuple(position for _, position in self.serving(*names))

    def serving(self, *names: str) -> tuple[tuple[int, int], ...]:
        """The serving generation and position of each view named, in one transaction."""
        with self.db.transaction() as cur:
            return tuple(active(cur, name) for name in names)

    def stuck(self, name: str) -> Fault | None:
        """Why view `name` cannot get past a log position, if it cannot."""
        return self.followers[name].stuck()

    def lag(self) -> dict[str, dict[str, Any]]:
        """Each view's generation, position and lag, and `stuck` (position,
        error, failures, since) for a view held by an event it cannot apply."""
        head = self.log.head()
        faults = Faults(self.db).all()
        out = {}
        for name, follower in self.followers.items():
            gen, position = follower.status()
            out[name] = {"generation": gen, "position": position, "lag": head - position}
            fault = faults.get(follower.name)
            if fault is not None and fault.position > position:
                out[name]["stuck"] = fault.public()
        return out

    # ---- queries ---------------------------------------------------------------

    def roster(
        self, slug: str, *, as_of_position: int | None = None, as_of_instant: datetime | None = None
    ) -> dict[str, Any] | None:
        with self.db.transaction() as cur:
            gen, position = active(cur, roster.NAME)
            upto, now = roster.END_OF_LOG, rfc3339(datetime.now(UTC))
            if as_of_instant is not None:
                now = rfc3339(as_of_instant)
                found = roster.position_at(cur, gen, slug, now)
                if found is None:
                    return None
                upto = found
            elif as_of_position is not None:
                upto = as_of_position
                at = roster.instant_at(cur, gen, slug, upto)
                if at is None:
                    return None
                now = at
            body = roster.roster(cur, gen, slug, upto=upto, now=now)
        if body is None:
            return None
        as_of = None
        if as_of_instant is not None or as_of_position is not None:
            as_of = {"position": min(upto, position), "instant": now}
        return body | {"position": position, "as_of": as_of}

    def application(self, application_id: str) -> dict[str, Any] | None:
        """One application as the roster has it now (no personal data)."""
        with self.db.transaction() as cur:
            gen, _ = active(cur, roster.NAME)
            return roster.application(cur, gen, application_id, rfc3339(datetime.now(UTC)))

    def generations(
        self, participant: str, after: int = 0, limit: int = 100
    ) -> tuple[list[dict[str, Any]], int | None, int, int]:
        """A page of a participant's generations with their disclosures:
        (items, next cursor, how many they recorded in all, the view's position)."""
        with self.db.transaction() as cur:
            gen, position = active(cur, generations.NAME)
            items, cursor = generations.page(cur, gen, participant, after=after, limit=limit)
            total = generations.count(cur, gen, participant)
        return items, cursor, total, position

    def work(self, work_id: str) -> dict[str, Any] | None:
        """A work's registry entry, with the names everyone may see, read now."""
        with self.db.transaction() as cur:
            gen, _ = active(cur, registry.NAME)
            entry = registry_reads.work(cur, gen, work_id)
        return registry_reads.named([entry], self.people)[0] if entry else None

    def works(
        self, owner: str | None = None, **criteria: Any
    ) -> tuple[list[dict[str, Any]], int | None, int]:
        """Works matching `criteria`; `owner` is a participant id or a public
        display name."""
        owners = registry_reads.owners(owner, self.people) if owner else None
        with self.db.transaction() as cur:
            gen, position = active(cur, registry.NAME)
            items, cursor = registry_reads.search(cur, gen, owners=owners, **criteria)
        return registry_reads.named(items, self.people), cursor, position

    def programs(
        self, *, after: int = 0, limit: int = 100
    ) -> tuple[list[dict[str, Any]], int | None, int]:
        """The programs in the order they were opened, as everyone sees them."""
        with self.db.transaction() as cur:
            gen, position = active(cur, catalog.NAME)
            docs, cursor = catalog.page(cur, gen, catalog.PROGRAM, after=after, limit=limit)
            showings = catalog.many(
                cur, gen, catalog.EXHIBITION, [e for d in docs for e in d["exhibitions"]]
            )
        people = self.people.many(seat for doc in docs for seat in doc["seats"])
        return [public.program(doc, people, showings) for doc in docs], cursor, position

    def program(self, slug: str) -> dict[str, Any] | None:
        """A program as everyone sees it: tools with every disclosure, seats,
        the admitted participants' display names, its exhibitions."""
        with self.db.transaction() as cur:
            gen, position = active(cur, catalog.NAME)
            doc = catalog.one(cur, gen, catalog.PROGRAM, slug)
            if doc is None:
                return None
            showings = catalog.many(cur, gen, catalog.EXHIBITION, doc["exhibitions"])
        body = public.program(doc, self.people.many(doc["seats"]), showings)
        return body | {"position": position}

    def exhibitions(
        self, *, after: int = 0, limit: int = 100, program: str | None = None
    ) -> tuple[list[dict[str, Any]], int | None, int]:
        """Exhibitions in the order they were scheduled, with their works."""
        with self.db.transaction() as cur:
            gen, position = active(cur, catalog.NAME)
            docs, cursor = catalog.page(
                cur, gen, catalog.EXHIBITION, after=after, limit=limit, program=program
            )
        return self._with_works(docs), cursor, position

    def exhibition(self, exhibition_id: str) -> dict[str, Any] | None:
        with self.db.transaction() as cur:
            gen, position = active(cur, catalog.NAME)
            doc = catalog.one(cur, gen, catalog.EXHIBITION, exhibition_id)
        return self._with_works([doc])[0] | {"position": position} if doc else None

    def _with_works(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Exhibitions with their works' titles, hashes and credits, from the registry."""
        with self.db.transaction() as cur:
            gen, _ = active(cur, registry.NAME)
            works = registry_reads.by_id(cur, gen, [w["work_id"] for d in docs for w in d["works"]])
        named = {w["id"]: w for w in registry_reads.named(list(works.values()), self.people)}
        return [public.exhibition(doc, named) for doc in docs]

    def audit_report(self, slug: str) -> dict[str, Any] | None:
        with self.db.transaction() as cur:
            gen, position = active(cur, audit.NAME)
            return audit.report(cur, gen, slug, position)
