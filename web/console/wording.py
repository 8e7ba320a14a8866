"""A rule of the ledger that concerns one field of the form sent ("ends_on
must not be before starts_on", "expires_at must be in the future") is shown
beside that field, in the words of the form's labels, as a schema's message
is. The API says the same with field names; the rule itself stays the
ledger's, only its wording is the page's."""

from __future__ import annotations

import re
from datetime import date

from ledger import errors

# The console's labels of the fields a rule of the ledger may name.
LABELS = {
    "starts_on": "Starts on",
    "ends_on": "Ends on",
    "opens_on": "Opens on",
    "closes_on": "Closes on",
    "expires_at": "Expires at",
    "generated_at": "Generated at",
}
# Rules whose own words read badly beside a field.
REWORDED = {
    "must be in the future": "Choose a time in the future.",
    "lies in the future": "Must not be in the future: leave it empty for now.",
    "a reason is required": "Fill this in.",
}
_LEADING_FIELD = re.compile(r"([a-z][a-z0-9_]*) (.+)", re.S)


def said(message: str) -> str:
    """`message` with each field name it mentions as its label, as a sentence."""
    if message in REWORDED:
        return REWORDED[message]
    for name, label in LABELS.items():
        message = re.sub(rf"\b{name}\b", f"“{label}”", message)
    return message[:1].upper() + message[1:].rstrip(".") + "."


def _day(value: object) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return str(value)


def beside_field(error: errors.LedgerError, sent: set[str]) -> tuple[str, str] | None:
    """(field, message in the form's words) when `error` is about one of the
    fields the form `sent`; else None (it is shown at the form's top)."""
    if isinstance(error, errors.InvalidField):
        return error.field, said(error.message)
    if error.detail == "a reason is required" and "reason" in sent:
        return "reason", REWORDED[error.detail]
    found = _LEADING_FIELD.fullmatch(error.detail)
    if found is None or found.group(1) not in sent:
        return None
    field, rest = found.groups()
    if isinstance(error, errors.OutsideProgramDates):
        starts, ends = _day(error.context.get("starts_on")), _day(error.context.get("ends_on"))
        return field, f"Must fall within the program's dates, {starts} to {ends} (UTC)."
    if isinstance(error, errors.InvalidCommand):
        return field, said(rest)
    return None
