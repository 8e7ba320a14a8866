"""`labledger projections rebuild [NAME]` (`run` is wired in api/workers.py)."""

from __future__ import annotations

import click

from ledger.bootstrap import open_ledger
from ledger.log import Stuck
from ledger.settings import Settings
from projections.follower import Follower
from projections.service import all_projections

NAMES = [p.name for p in all_projections()]


@click.group("projections")
def projections() -> None:
    """Read models: keep them current, or rebuild them from the log."""


@projections.command("rebuild")
@click.argument("name", required=False, type=click.Choice(NAMES))
@click.pass_obj
def rebuild(settings: Settings, name: str | None) -> None:
    """Rebuild NAME (default: all) from position 0; the old view keeps
    serving until the new one has caught up, then they switch atomically."""
    ledger = open_ledger(settings)
    for projection in all_projections():
        if name is not None and projection.name != name:
            continue
        follower = Follower(ledger, projection, poll_interval=settings.poll_interval)
        head = max(ledger.max_position(), 1)
        with click.progressbar(length=head, label=f"rebuilding {projection.name}") as bar:

            def progress(position: int, latest: int, bar: object = bar) -> None:
                bar.length = max(latest, 1)  # type: ignore[attr-defined]
                bar.update(position - bar.pos)  # type: ignore[attr-defined]

            try:
                gen = follower.rebuild(progress=progress)
            except (RuntimeError, Stuck) as error:
                raise click.ClickException(str(error)) from error
        click.echo(
            f"{projection.name}: generation {gen} now serving at position {follower.position()}"
        )
    ledger.close()
