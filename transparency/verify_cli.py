"""`labledger-verify`: the auditor's commands, with no server inside.

Imports only the light modules (notes, proofs, cosignatures, tiles,
certificates, the monitor) and click, so it starts fast and installs without
a database. `certificate`, `consistency` and `monitor` are plain click
commands that the `labledger` CLI can mount too.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from transparency import merkle, note
from transparency.certificate import CertificateError, verify_certificate

DEFAULT_STATE = "labledger-monitor.json"


def read_key(value: str) -> str:
    """A key option takes the vkey itself or a file holding it."""
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            return path.read_text().strip()
        except OSError as error:
            raise click.BadParameter(f"cannot read key file {value}: {error}") from error
    return value.strip()


witness_option = click.option(
    "--witness",
    "witnesses",
    multiple=True,
    metavar="VKEY",
    help="a witness's cosignature key (vkey text or a file); repeat for several",
)
quorum_option = click.option(
    "--quorum",
    type=click.IntRange(0),
    default=None,
    metavar="N",
    help="how many of the --witness keys must have cosigned (default: all of them)",
)


@click.command("certificate")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--key",
    "key",
    default=None,
    metavar="VKEY",
    help="the log's verifier key (vkey text or a file), obtained out of band; "
    "without it the key inside the certificate is used",
)
@witness_option
@quorum_option
def certificate(file: Any, key: str | None, witnesses: tuple[str, ...], quorum: int | None) -> None:
    """Verify an ownership certificate offline: exit 0 valid, 1 invalid."""
    data = file.read()
    try:
        result = verify_certificate(
            data, read_key(key) if key else None, [read_key(w) for w in witnesses], quorum
        )
    except CertificateError as error:
        click.echo(f"INVALID: {error}", err=True)
        sys.exit(1)
    except ValueError as error:  # a malformed witness key or an impossible quorum
        raise click.UsageError(str(error)) from error
    event = result.event["data"]
    click.echo(
        f"VALID: work {result.work_id} ({event.get('title')!r}, sha256 "
        f"{event.get('content_sha256')}) was declared by participant {event.get('artist')} "
        f"at {result.event['timestamp']}; "
        f"leaf {result.leaf_index} is in tree size {result.tree_size} of log {result.origin}"
    )
    if result.cosigned_by:
        click.echo(
            f"cosigned by {len(result.cosigned_by)} witness(es): "
            + ", ".join(vkey.split("+")[0] for vkey in result.cosigned_by)
        )
    for correction in result.corrections:
        retracted = correction["type"] == "work.ownership_retracted"
        what = "RETRACTED by its artist" if retracted else "DISPUTED by staff"
        click.echo(
            f"{what} at {correction['timestamp']} (log position {correction['position']}, "
            "proven in the same tree)"
        )
    if result.credited_name is not None:
        click.echo(f"credited to {result.credited_name!r}: the log committed to this name")
    else:
        click.echo("no credit opening in this certificate: the credited name is not proved")
    if not result.key_pinned:
        click.echo(
            "note: the key was taken from the certificate itself; pass --key with the "
            "log's published key to pin it",
            err=True,
        )


class _Bar:
    """A progress bar on a terminal, created once the number of entries is known."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack, self.bar, self.shown = stack, None, 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.stack.enter_context(
                click.progressbar(length=total, label="verifying entries", file=sys.stderr)
            )
        self.bar.update(done - self.shown)
        self.shown = done


@click.command("monitor")
@click.argument("url")
@click.option(
    "--key",
    "key",
    required=True,
    metavar="VKEY",
    help="the log's verifier key (vkey text or a file)",
)
@witness_option
@quorum_option
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATE,
    show_default=True,
    help="where the last verified checkpoint is kept between runs",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="seconds per HTTP request",
)
def monitor_command(
    url: str,
    key: str,
    witnesses: tuple[str, ...],
    quorum: int | None,
    state_file: Path,
    timeout: float,
) -> None:
    """Follow the log whose tiles are under URL (its tlog-tiles prefix, e.g.
    https://ledger.example/log): exit 0 consistent, 1 inconsistent, 2 unreadable."""
    # Imported here: its HTTP client (urllib.request, ssl) would slow every `certificate`.
    from transparency.monitor import FetchError, MonitorError, monitor

    with ExitStack() as stack:
        bar = _Bar(stack) if sys.stderr.isatty() else None
        try:
            report = monitor(
                url,
                read_key(key),
                [read_key(w) for w in witnesses],
                quorum,
                state_file,
                bar,
                timeout,
            )
        except MonitorError as error:
            click.echo(f"INCONSISTENT: {error}", err=True)
            sys.exit(1)
        except FetchError as error:
            click.echo(f"UNAVAILABLE: {error}", err=True)
            sys.exit(2)
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    since = (
        "first run: the whole log"
        if report.previous_size is None
        else f"consistent with size {report.previous_size}"
    )
    witnessed = f"; cosigned by {len(report.cosigned_by)} witness(es)" if report.cosigned_by else ""
    click.echo(
        f"OK: log {report.origin} size {report.size} root {report.root.hex()} "
        f"({since}; {report.new_entries} new entries verified{witnessed})"
    )


def signed_checkpoint(path: Path) -> str:
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


@click.command("consistency")
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
def consistency(earlier: Path, later: Path, proof: Any, key: str) -> None:
    """Offline: the log only grew from checkpoint EARLIER to LATER.

    EARLIER and LATER are signed checkpoints (or certificates holding one);
    PROOF is the JSON of GET /v1/transparency/proofs/consistency?first=&second=.
    """
    try:
        verifier = note.parse_vkey(read_key(key))
        old, new = (
            note.parse_checkpoint(note.open_note(signed_checkpoint(path), verifier))
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


@click.group()
def main() -> None:
    """Verify Lab Ledger's transparency log offline or over its public tiles."""


main.add_command(certificate)
main.add_command(consistency)
main.add_command(monitor_command)
