"""The composition root: what a process runs on, built in one place, once per
process and after any fork (never in a gunicorn master: connection pools do
not survive a fork).

settings -> store (database, ledger, log) -> command bus -> token store ->
read models -> transparency log -> webhook stores; and the background
workers, and the schema `labledger db init` creates or migrates.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Protocol

import click
from eventsourcing import persistence

from ledger import outputs
from ledger import sessions as console_sessions
from ledger import store as ledger_store
from ledger.database import Cursor, Database
from ledger.faults import Faults
from ledger.idempotency import IdempotencyStore
from ledger.log import StoredLog
from ledger.messagebus import CommandBus
from ledger.personal_store import PersonalData
from ledger.schema import MIGRATIONS, Schema, SchemaError
from ledger.settings import Settings
from ledger.store import Store, Unreachable, initialising, open_store, redact_url
from ledger.tokens import TokenStore
from projections import service as projections
from projections.service import ReadModels
from transparency import store as tree
from transparency import witnesses
from transparency.cosigning import Cosigning
from transparency.follower import TreeBuilder
from transparency.key_check import WrongSigningKey, check_signing_key
from transparency.note import load_or_create_signer
from transparency.service import TransparencyLog
from webhooks import schema as webhook_tables
from webhooks.dispatcher import Dispatcher
from webhooks.store import EndpointStore


class Worker(Protocol):
    """A long-running loop (a projection follower, the tree builder, the
    webhook dispatcher). `run` returns soon after `stop` is set."""

    name: str

    def run(self, stop: threading.Event) -> None: ...


def _to_version_3(cur: Cursor) -> None:
    """Checkpoints record when they were signed; the registry is built again,
    so that its tools keep every disclosure (the new catalog view's table is
    created, and built from position 0, like any missing table)."""
    tree.add_signing_times(cur)
    projections.reapply("registry")(cur)


def _to_version_4(cur: Cursor) -> None:
    """The generation-output index, built from the stored generations; the
    audit re-checks the whole history with its new checks (front-running,
    retractions, the program's days)."""
    outputs.backfill(cur)
    projections.reapply("audit")(cur)


def _to_version_5(cur: Cursor) -> None:
    """The console's sessions and invites: new tables only, which `init`
    creates after the migrations (nothing older changes)."""


SCHEMA = Schema(
    tables=(
        *ledger_store.TABLES,
        *console_sessions.TABLES,
        *projections.TABLES,
        *tree.TABLES,
        *witnesses.TABLES,
        *webhook_tables.TABLES,
    ),
    seeds=(*projections.SEEDS, tree.seed),
    migrations={**MIGRATIONS, 3: _to_version_3, 4: _to_version_4, 5: _to_version_5},
)


@dataclass
class System:
    settings: Settings
    store: Store
    bus: CommandBus
    tokens: TokenStore
    read_models: ReadModels
    endpoints: EndpointStore
    faults: Faults
    witness_policy: witnesses.WitnessPolicy
    _transparency: TransparencyLog | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def db(self) -> Database:
        return self.store.db

    @property
    def log(self) -> StoredLog:
        return self.store.log

    @property
    def people(self) -> PersonalData:
        """The personal-data store, read at read or send time."""
        return self.store.ledger.people

    @property
    def transparency(self) -> TransparencyLog:
        """Built on first use: it loads (or creates) the signing key, holds the
        signer and caches the checkpoint."""
        with self._lock:
            if self._transparency is None:
                signer = load_or_create_signer(
                    self.settings.signing_key_file, self.settings.log_name
                )
                self._transparency = TransparencyLog(self.db, signer, self.witness_policy)
            return self._transparency

    def workers(self, *, followers: bool, dispatcher: bool) -> list[Worker]:
        """Followers: the read models and the transparency tree (both fed from
        the log in order) and one cosigning worker per witness; dispatcher:
        webhook delivery."""
        out: list[Worker] = []
        settings = self.settings
        if followers:
            out += projections.followers(self.log, self.db, settings.poll_interval)
            out.append(TreeBuilder(self.log, self.db, settings))
            out += [
                Cosigning(self.db, w, settings.checkpoint_interval, settings.witness_timeout)
                for w in self.witness_policy.witnesses
            ]
        if dispatcher:
            out.append(Dispatcher(self.log, self.db, self.settings))
        return out

    def close(self) -> None:
        self.store.close()


def build(
    store: Store, settings: Settings, policy: witnesses.WitnessPolicy | None = None
) -> System:
    """ValueError for a malformed witness key in LEDGER_WITNESSES."""
    policy = policy or witnesses.WitnessPolicy.from_settings(settings)
    return System(
        settings=settings,
        store=store,
        bus=CommandBus(store.ledger, IdempotencyStore(store.db, store.positions)),
        tokens=TokenStore(store.db),
        read_models=ReadModels(store.log, store.db, poll_interval=settings.poll_interval),
        endpoints=EndpointStore(store.db),
        faults=Faults(store.db),
        witness_policy=policy,
    )


def bootstrap(settings: Settings) -> System:
    """The system on the store of `settings` (refused at another schema version)."""
    policy = witnesses.WitnessPolicy.from_settings(settings)  # before a pool is opened
    return build(open_store(settings), settings, policy)


def start(settings: Settings) -> System:
    """`bootstrap` for a command or worker process: a store at another schema
    version stops it with the reason, not a traceback."""
    try:
        return bootstrap(settings)
    except SchemaError as error:
        raise click.ClickException(f"{redact_url(settings.database_url)}: {error}") from error
    except ValueError as error:  # a malformed LEDGER_WITNESSES key
        raise click.ClickException(str(error)) from error
    except UNOPENABLE as error:
        raise click.ClickException(_unopenable(settings, error)) from error


def in_memory(settings: Settings | None = None) -> System:
    """The whole system on eventsourcing's in-memory store (tests, demos)."""
    store = Store.memory()
    SCHEMA.init(store.db)
    return build(store, settings or Settings())


def init_store(settings: Settings, *, serving: bool = False) -> tuple[int | None, int]:
    """Create every table, or migrate the store, once, before any worker
    starts (DDL races otherwise); (the version found, the version now).

    It refuses a malformed witness key first: `serve` runs it before it
    starts any process that would fail on one; and `serving`, a signing key
    that did not sign the store's checkpoints (WrongSigningKey)."""
    try:
        witnesses.WitnessPolicy.from_settings(settings)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    with initialising(settings.database_url):
        store = open_store(settings, create=True, checked=False)
        try:
            versions = SCHEMA.init(store.db)
            if serving:
                check_signing_key(settings.signing_key_file, settings.log_name, store.db)
            return versions
        finally:
            store.close()


def prepare(settings: Settings, *, serving: bool = False) -> tuple[int | None, int]:
    """`init_store` for a command: a store that cannot be brought to this
    code's version (newer, or of event format 1) stops it with the reason;
    `serving`, so does a signing key that did not sign its checkpoints."""
    try:
        return init_store(settings, serving=serving)
    except SchemaError as error:
        raise click.ClickException(f"{redact_url(settings.database_url)}: {error}") from error
    except (Unreachable, WrongSigningKey) as error:
        raise click.ClickException(str(error)) from error
    except UNOPENABLE as error:
        raise click.ClickException(_unopenable(settings, error)) from error


# A SQLite file or its folder that cannot be opened or written (a read-only
# mount, permissions): a command says so in one line, not a traceback.
UNOPENABLE = (
    sqlite3.OperationalError,
    persistence.OperationalError,
    persistence.InterfaceError,
    OSError,
)


def _unopenable(settings: Settings, error: BaseException) -> str:
    return f"cannot open the database at {redact_url(settings.database_url)}: {error}"
