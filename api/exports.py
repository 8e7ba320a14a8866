"""CSV answers of the reads that have one (the roster, the audit report):
chosen by `Accept: text/csv` or `?format=csv`, sent as an attachment with a
filename.

A spreadsheet runs a cell that begins with `=`, `+`, `-`, `@` (or a tab or
carriage return before one) as a formula, and names in the roster are typed
by people: such a text cell is written with a leading `'`, as OWASP advises
against CSV injection. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, request
from marshmallow import validate

from api.schemas import Text

CSV = "text/csv"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def format_field() -> Text:
    return Text(
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: the same as `Accept: text/csv`"},
    )


def wants_csv(query: dict[str, Any]) -> bool:
    """`?format=` decides; without it, the Accept header."""
    if "format" in query:
        return bool(query["format"] == "csv")
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


def attachment(text: str, filename: str) -> Response:
    response = Response(text, mimetype=CSV)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


ROSTER_COLUMNS = (
    "id",
    "status",
    "submitted_at",
    "display_name",
    "erased",
    "artist_name",
    "email",
    "portfolio_url",
    "active_grants",
    "generations",
    "works",
)


def roster_csv(body: dict[str, Any]) -> str:
    """One row per application, with the columns its reader may see (an
    auditor's has no name, e-mail or portfolio columns); active grants as
    `tool until <expiry or open>`, separated by `; `."""
    entries = body["applications"]
    shown = [c for c in ROSTER_COLUMNS if c in ("id", "status") or any(c in e for e in entries)]
    if not entries:
        shown = [c for c in ROSTER_COLUMNS if c not in ("artist_name", "email", "portfolio_url")]
    rows = []
    for entry in entries:
        grants = "; ".join(
            f"{g['tool']} until {g['expires_at'] or 'open'}" for g in entry["active_grants"]
        )
        values = entry | {"active_grants": grants}
        rows.append([_plain(values.get(c)) for c in shown])
    return table(["program", *shown], ([body["program"], *row] for row in rows))


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
