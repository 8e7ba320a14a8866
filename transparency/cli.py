"""`labledger verify certificate FILE [--key VKEY]` and `labledger verify store`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger.settings import Settings
from transparency.certificate import CertificateError, verify_certificate


@click.group()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Verify ownership certificates (offline) and the stored transparency log."""
    if ctx.obj is None:
        ctx.obj = Settings.from_env()


def _read_key(value: str) -> str:
    """--key takes the vkey itself or a file holding it."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text().strip()
        except OSError as error:
            raise click.BadParameter(f"cannot read key file {value}: {error}") from error
    return value.strip()


@verify.command("certificate")
@click.argument("file", type=click.File("rb"))
@click.option("--key", "key", default=None, metavar="VKEY",
              help="the log's verifier key (vkey text or a file), obtained out of band; "
                   "without it the key inside the certificate is used")
def verify_certificate_command(file: click.utils.LazyFile, key: str | None) -> None:
    """Verify an ownership certificate offline: exit 0 valid, 1 invalid."""
    data = file.read()
    try:
        result = verify_certificate(data, _read_key(key) if key else None)
    except CertificateError as error:
        click.echo(f"INVALID: {error}", err=True)
        sys.exit(1)
    data = result.event["data"]
    click.echo(
        f"VALID: work {result.work_id} ({data.get('title')!r}, sha256 "
        f"{data.get('content_sha256')}) was declared by {data.get('artist_name')} "
        f"(participant {data.get('artist')}) at {result.event['timestamp']}; "
        f"leaf {result.leaf_index} is in tree size {result.tree_size} of log {result.origin}"
    )
    if not result.key_pinned:
        click.echo(
            "note: the key was taken from the certificate itself; pass --key with the "
            "log's published key to pin it", err=True,
        )


@verify.command("store")
@click.pass_obj
def verify_store(settings: Settings) -> None:
    """Recompute every leaf and the tree from the stored events; exit 1 on a mismatch."""
    from ledger.bootstrap import open_ledger
    from transparency.checker import StoreMismatch, check_store
    from transparency.store import TreeStore

    ledger = open_ledger(settings)
    size = TreeStore(ledger.db).head().size
    try:
        if sys.stderr.isatty():
            with click.progressbar(length=size, label="checking leaves", file=sys.stderr) as bar:
                report = check_store(ledger, settings.signing_key_file, settings.log_name,
                                     bar.update)
        else:
            report = check_store(ledger, settings.signing_key_file, settings.log_name)
    except StoreMismatch as error:
        click.echo(f"MISMATCH: {error}", err=True)
        sys.exit(1)
    finally:
        ledger.close()
    signed = (
        f"latest signed checkpoint (size {report.latest_checkpoint}) "
        + ("signature verified" if report.signature_checked else "signature NOT checked (no key)")
        if report.latest_checkpoint is not None else "no checkpoint signed yet"
    )
    click.echo(
        f"OK: {report.size} leaves recomputed from the stored events match the stored tree, "
        f"root {report.root.hex()}; {report.checkpoints} checkpoints match; {signed}"
    )
