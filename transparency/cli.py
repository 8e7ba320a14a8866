"""`labledger verify certificate|consistency|store`: the offline checks, and
the check of the stored transparency log against the stored events."""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from ledger.settings import Settings
from transparency import merkle, note
from transparency.verify_cli import certificate, read_key


@click.group()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Verify ownership certificates (offline) and the stored transparency log."""
    if ctx.obj is None:
        ctx.obj = Settings.from_env()


verify.add_command(certificate)


def _signed_checkpoint(path: Path) -> str:
    """A checkpoint file, or the checkpoint inside a certificate file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.BadParameter(f"{path} cannot be read as a checkpoint: {error}") from error
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)["checkpoint"]
        except (ValueError, KeyError, TypeError) as error:
            raise click.BadParameter(f"{path} is neither a checkpoint nor a certificate") from error
    return text


@verify.command("consistency")
@click.argument("earlier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("later", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("proof", type=click.File("rb"))
@click.option(
    "--key",
    "key",
    required=True,
    metavar="VKEY",
    help="the log's verifier key (vkey text or a file)",
)
def verify_consistency_command(earlier: Path, later: Path, proof: Any, key: str) -> None:
    """Offline: the log only grew from checkpoint EARLIER to LATER.

    EARLIER and LATER are signed checkpoints (or certificates holding one);
    PROOF is the JSON of GET /v1/transparency/proofs/consistency?first=&second=.
    """
    try:
        verifier = note.parse_vkey(read_key(key))
        old, new = (
            note.parse_checkpoint(note.open_note(_signed_checkpoint(path), verifier))
            for path in (earlier, later)
        )
        body = json.loads(proof.read())
        if not isinstance(body, dict):
            raise ValueError("the proof is not a JSON object")
        if (body.get("first"), body.get("second")) != (old.size, new.size):
            raise merkle.ProofError(
                f"the proof is from {body.get('first')} to {body.get('second')}, "
                f"the checkpoints are sizes {old.size} and {new.size}"
            )
        hashes = [bytes.fromhex(h) for h in body["proof"]]
        if old.origin != new.origin:
            raise merkle.ProofError("the checkpoints are of different logs")
        merkle.verify_consistency(old.size, new.size, hashes, old.root, new.root)
    except (note.NoteError, merkle.ProofError, ValueError, KeyError, TypeError) as error:
        click.echo(f"INCONSISTENT: {error}", err=True)
        sys.exit(1)
    click.echo(
        f"CONSISTENT: tree size {old.size} ({old.root.hex()}) is a prefix of tree size "
        f"{new.size} ({new.root.hex()}) of log {new.origin}"
    )


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
        known = _signed_checkpoint(published) if published is not None else None
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
