"""`labledger verify certificate|consistency|store`: the offline checks, and
the check of the stored transparency log against the stored events."""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path

import click

from ledger.settings import Settings
from transparency import note
from transparency.verify_cli import certificate, consistency, read_key, signed_checkpoint


@click.group()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Verify ownership certificates (offline) and the stored transparency log."""
    if ctx.obj is None:
        ctx.obj = Settings.from_env()


verify.add_command(certificate)
verify.add_command(consistency)


@verify.command("store")
@click.option(
    "--key",
    "key",
    default=None,
    metavar="VKEY",
    help="the log's published verifier key (vkey text or a file): the latest "
    "checkpoint must verify with it, not only with the key file beside the store",
)
@click.option(
    "--checkpoint",
    "published",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="a checkpoint the log published (a file, or a certificate holding one): the "
    "store's tree must hold it, so a copy from before it fails (STALE)",
)
@click.pass_obj
def verify_store(settings: Settings, key: str | None, published: Path | None) -> None:
    """Recompute every leaf and the tree from the stored events; exit 1 on a
    mismatch, when no signature can be checked, or when the store is older than
    --checkpoint; 2 when the store can't be read."""
    from ledger.store import open_store, redact_url
    from transparency.checker import StoreMismatch, StoreStale, StoreUnverified, check_store
    from transparency.store import TreeStore

    try:
        pinned = note.parse_vkey(read_key(key)) if key else None
    except click.BadParameter as error:
        error.param_hint = "--key"
        raise
    except note.NoteError as error:
        raise click.BadParameter(str(error), param_hint="--key") from error
    try:
        known = signed_checkpoint(published) if published is not None else None
    except click.BadParameter as error:
        error.param_hint = "--checkpoint"
        raise
    store = None
    try:
        store = open_store(settings)
        size = TreeStore(store.db).head().size
    except Exception as error:  # no tables, no database: say which store was checked
        if store is not None:
            store.close()
        click.echo(
            f"cannot read the transparency tree in {redact_url(settings.database_url)}: {error}",
            err=True,
        )
        sys.exit(2)
    started = time.perf_counter()
    check = functools.partial(
        check_store,
        store.log,
        store.db,
        settings.signing_key_file,
        settings.log_name,
        pinned=pinned,
        published=known,
    )
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=size, label="checking leaves", file=sys.stderr) as bar:
                report = check(bar.update)
        else:
            report = check()
    except StoreMismatch as error:
        click.echo(f"MISMATCH: {error}", err=True)
        sys.exit(1)
    except StoreUnverified as error:
        click.echo(f"UNVERIFIED: {error}", err=True)
        sys.exit(1)
    except StoreStale as error:
        click.echo(f"STALE: {error}", err=True)
        sys.exit(1)
    finally:
        store.close()
    seconds = time.perf_counter() - started
    signed = (
        f"latest signed checkpoint (size {report.latest_checkpoint}) signature verified "
        f"with {'the pinned key' if report.key == 'pinned' else 'the key file ' + report.key}"
        if report.signature_checked
        else "no checkpoint signed yet (the tree is empty)"
    )
    click.echo(
        f"OK: {report.size} leaves recomputed from the stored events match the stored tree "
        f"and its {report.tiles} full tiles, root {report.root.hex()}; "
        f"{report.checkpoints} checkpoints match; {signed}"
        + (
            f"; it holds the published checkpoint of size {report.known}"
            if report.known is not None
            else ""
        )
    )
    # How fast it streams: at a million leaves it runs for minutes, not seconds.
    click.echo(f"checked in {seconds:.1f} s ({report.size / max(seconds, 1e-9):,.0f} leaves/s)")
    if report.unreadable:
        shown = ", ".join(str(p) for p in report.unreadable_positions)
        more = ", …" if report.unreadable > len(report.unreadable_positions) else ""
        click.echo(
            f"warning: {report.unreadable} events could not be read when the tree was built; "
            f"their leaves commit to their stored bytes (log positions {shown}{more})",
            err=True,
        )
