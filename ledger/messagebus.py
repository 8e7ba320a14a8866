"""The one entry point of every command: `CommandBus.handle`.

It owns what every command shares: the idempotency record (a stored response
is replayed, not run again; the record is written in the same transaction as
the events), the transaction (the handler's changes are saved at once), the
optimistic-concurrency retry (a lost race runs the handler again on fresh
aggregates, with jittered back-off, then answers 409), the reads (a
handler's lookups, aggregates, the output index and personal data, share one
read transaction on one connection, ended before the save) and the size of each
new event's transparency-log leaf (`ledger.leaf`: over 65,535 bytes is 422,
nothing saved).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from eventsourcing.persistence import IntegrityError, OperationalError

from ledger import errors
from ledger.actors import Actor
from ledger.application import Ledger
from ledger.commands import Command
from ledger.events import public_type
from ledger.handlers import HANDLERS, Handler
from ledger.idempotency import (
    DuplicateRequest,
    IdempotencyKey,
    IdempotencyStore,
    IdempotentResponse,
)
from ledger.leaf import check_leaf_size

# A lost optimistic-concurrency race (two admissions saving the same Program
# version) is retried this many times, then answered 409.
MAX_ATTEMPTS = 8

R = TypeVar("R")
Respond = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Written(Generic[R]):
    result: R
    position: int  # the log position of the last event written
    types: tuple[str, ...]  # the public types of the events written
    body: dict[str, Any] | None = None  # `respond(result)`, when given


class CommandBus:
    def __init__(
        self,
        ledger: Ledger,
        idempotency: IdempotencyStore,
        handlers: Mapping[type[Command], Handler] = HANDLERS,
    ) -> None:
        self.ledger = ledger
        self.idempotency = idempotency
        self.handlers = handlers

    def handle(
        self,
        command: Command,
        actor: Actor,
        idempotency: IdempotencyKey | None = None,
        respond: Respond | None = None,
    ) -> Written[Any]:
        """Run `command` for `actor`; `respond(result)` is the response body.

        With `idempotency`, the body is recorded with the events, and a key
        already used raises `DuplicateRequest` with the response it got (the
        same key with another request: `IdempotencyKeyReused`)."""
        handler = self.handlers[type(command)]
        if idempotency is not None and respond is None:
            raise ValueError("an idempotent command needs the response to record")
        for attempt in range(MAX_ATTEMPTS):
            with self._reads():
                if idempotency is not None and attempt == 0:
                    self._replay_if_done(idempotency)
                changes = handler(self.ledger, command, actor)
            check_leaf_size(e for a in changes.aggregates for e in a.pending_events)
            body = respond(changes.result) if respond is not None else None
            side_writes = list(changes.side_writes)
            if idempotency is not None and body is not None:
                side_writes.append(IdempotentResponse(idempotency, body))
            try:
                recordings = self.ledger.save(*changes.aggregates, side_writes=side_writes)
            except (IntegrityError, OperationalError) as error:
                if not isinstance(error, IntegrityError) and not _lost_race(error):
                    raise
                if idempotency is not None:
                    self._replay_if_done(idempotency)  # a concurrent twin won
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
                continue
            return Written(
                result=changes.result,
                position=recordings[-1].notification.id,
                types=tuple(public_type(r.domain_event) for r in recordings),
                body=body,
            )
        raise errors.ConcurrencyConflict(
            f"gave up after {MAX_ATTEMPTS} concurrent-update retries; retry the request"
        )

    @contextmanager
    def _reads(self) -> Iterator[None]:
        """The reads of one attempt in one transaction: fresh ones (a read
        shared from before, or a lost race's, is ended first), and ended
        before the save writes, so no snapshot outlives them: whatever
        changed since is the save's optimistic concurrency to catch."""
        database = self.ledger.database
        database.renew()
        with database.sharing():
            yield
        database.renew()

    def _replay_if_done(self, key: IdempotencyKey) -> None:
        stored = self.idempotency.lookup(key.scope, key.key)
        if stored is not None:
            raise DuplicateRequest(stored.for_request(key.request_hash))


def _lost_race(error: OperationalError) -> bool:
    """PostgreSQL's pipeline reports a conflicting insert (a twin's
    idempotency key, a version taken) as often as not by aborting the
    statements after it: the conflict, seen from its other side."""
    return "pipeline aborted" in str(error).lower()
