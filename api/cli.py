"""`labledger`: every command, each group defined where its commands live."""

from __future__ import annotations

import sys
from uuid import UUID

import click

from api import demo_files
from api.bootstrap import prepare, start
from api.demo import load_if_empty
from api.serve import serve
from api.workers import projections, webhooks
from ledger.actors import Role
from ledger.errors import LedgerError
from ledger.settings import Settings
from ledger.store import redact_url
from transparency.cli import verify
from transparency.verify_cli import monitor_command
from witness.cli import witness


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """Lab Ledger: the record of truth for creative residency programs."""
    try:
        ctx.obj = Settings.from_env()
    except ValueError as error:  # a malformed setting, e.g. LEDGER_WITNESSES
        raise click.UsageError(str(error)) from error


@main.group()
def db() -> None:
    """The database schema."""


@db.command("init")
@click.pass_obj
def db_init(settings: Settings) -> None:
    """Create all tables, or migrate an older store (idempotent); run once
    before starting workers."""
    found, version = prepare(settings)
    if found is not None and found < version:
        click.echo(f"migrated the store from schema version {found} to {version}")
    click.echo(f"schema ready at {redact_url(settings.database_url)} (version {version})")


@main.group()
def tokens() -> None:
    """API tokens (shown once, stored only as a hash)."""


@tokens.command("create")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
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
    system = start(settings)
    try:
        # The role rule first (the store refuses a staff token with a
        # participant, known or not); then no artist token for an unknown one.
        if participant is not None and role == Role.ARTIST:
            system.store.ledger.get_application(participant)
        issued = system.tokens.create(role, participant, name)
    except (ValueError, LedgerError) as error:  # a bad role/participant combination
        raise click.UsageError(str(error)) from error
    finally:
        system.close()
    click.echo(f"created {issued.role} token {issued.id} ({issued.name}); it is shown only once:")
    click.echo(issued.token)


@tokens.command("list")
@click.pass_obj
def tokens_list(settings: Settings) -> None:
    """List tokens (never the secrets)."""
    system = start(settings)
    try:
        for row in system.tokens.list():
            state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
            who = f" participant={row['participant_id']}" if row["participant_id"] else ""
            click.echo(f"{row['id']}  {row['role']:<8} {row['name']}{who}  {state}")
    finally:
        system.close()


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_obj
def tokens_revoke(settings: Settings, token_id: str) -> None:
    """Revoke a token by its id."""
    system = start(settings)
    try:
        revoked = system.tokens.revoke(token_id)
    finally:
        system.close()
    if not revoked:
        click.echo(f"no token {token_id}", err=True)
        sys.exit(1)
    click.echo(f"revoked {token_id}")


@main.group()
def demo() -> None:
    """The demo program."""


@demo.command("load")
@click.pass_obj
def demo_load(settings: Settings) -> None:
    """Load the demo program into an empty store, print demo tokens and write
    the demo works' files (beside the SQLite file, or the signing key)."""
    prepare(settings)
    system = start(settings)
    try:
        if not load_if_empty(system, echo=click.echo, works_dir=demo_files.works_dir(settings)):
            click.echo("the store is not empty; the demo loads only into an empty store", err=True)
            sys.exit(1)
    finally:
        system.close()


for command in (serve, projections, webhooks, verify, witness, monitor_command):
    main.add_command(command)
