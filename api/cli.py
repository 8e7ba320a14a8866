"""`labledger`: serve, db, tokens, demo (+ projections, webhooks, verify)."""

from __future__ import annotations

import sys
from uuid import UUID

import click

import projections
import transparency
import webhooks
from ledger import leases, log
from ledger.bootstrap import open_ledger
from ledger.errors import LedgerError
from ledger.persistence import redact_url
from ledger.settings import Settings
from ledger.tokens import TokenStore


def init_db(settings: Settings) -> None:
    """Create every table once, before any worker starts (DDL races otherwise)."""
    ledger = open_ledger(settings, create_table=True)
    leases.create_tables(ledger.db)
    log.create_tables(ledger.db)
    for package in (projections, transparency, webhooks):
        package.create_tables(ledger.db)
    ledger.close()


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Lab Ledger: the record of truth for creative residency programs."""
    ctx.obj = Settings.from_env()


@main.group()
def db() -> None:
    """The database schema."""


@db.command("init")
@click.pass_obj
def db_init(settings: Settings) -> None:
    """Create all tables (idempotent); run once before starting workers."""
    init_db(settings)
    click.echo(f"schema ready at {redact_url(settings.database_url)}")


@main.group()
def tokens() -> None:
    """API tokens (shown once, stored only as a hash)."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice(["staff", "artist", "auditor", "partner"]))
@click.option(
    "--participant",
    "participant",
    type=click.UUID,
    default=None,
    help="the participant an artist token acts for",
)
@click.option(
    "--name",
    default="",
    help="a label; for a partner, its identity (same name, same webhook endpoints)",
)
@click.pass_obj
def tokens_create(settings: Settings, role: str, participant: UUID | None, name: str) -> None:
    """Create a token; prints it alone on the last line."""
    ledger = open_ledger(settings)
    try:
        if participant is not None:
            ledger.get_participant(participant)  # refuse tokens for unknown participants
        issued = TokenStore(ledger.db).create(role, participant, name)
    except (ValueError, LedgerError) as error:  # a bad role/participant combination
        raise click.UsageError(str(error)) from error
    click.echo(f"created {issued.role} token {issued.id} ({issued.name}); it is shown only once:")
    click.echo(issued.token)


@tokens.command("list")
@click.pass_obj
def tokens_list(settings: Settings) -> None:
    """List tokens (never the secrets)."""
    ledger = open_ledger(settings)  # keep a reference: a collected Ledger closes its pool
    for row in TokenStore(ledger.db).list():
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        who = f" participant={row['participant_id']}" if row["participant_id"] else ""
        click.echo(f"{row['id']}  {row['role']:<8} {row['name']}{who}  {state}")


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_obj
def tokens_revoke(settings: Settings, token_id: str) -> None:
    """Revoke a token by its id."""
    ledger = open_ledger(settings)
    if not TokenStore(ledger.db).revoke(token_id):
        click.echo(f"no token {token_id}", err=True)
        sys.exit(1)
    click.echo(f"revoked {token_id}")


@main.group()
def demo() -> None:
    """The demo program."""


@demo.command("load")
@click.pass_obj
def demo_load(settings: Settings) -> None:
    """Load the demo program into an empty store and print demo tokens."""
    from api.demo import load_demo

    init_db(settings)
    ledger = open_ledger(settings)
    if ledger.max_position():
        click.echo("the store is not empty; the demo loads only into an empty store", err=True)
        sys.exit(1)
    load_demo(ledger, echo=click.echo)


def _add_optional_commands() -> None:
    for module_name, attr in (
        ("api.serve", "serve"),
        ("projections.cli", "projections"),
        ("transparency.cli", "verify"),
        ("webhooks.cli", "webhooks"),
    ):
        try:
            module = __import__(module_name, fromlist=[attr])
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue
            raise
        main.add_command(getattr(module, attr))
    # The composition root owns the worker processes: `projections run` also
    # builds the transparency tree (it too is a read model of the log).
    from api.workers import projections_run, webhooks_run

    for group_name, command in (("projections", projections_run), ("webhooks", webhooks_run)):
        group = main.commands.get(group_name)
        if isinstance(group, click.Group):
            group.add_command(command)


_add_optional_commands()
