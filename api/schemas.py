"""The field types every schema is built from, so one rule holds for every
string, number and time a client sends (bodies, query strings and, through
`unsafe_character`, path segments). Every schema rejects unknown fields (the
marshmallow default)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from marshmallow import ValidationError, fields, validate

# ---- strings ----------------------------------------------------------------------

# No field takes C0 or C1 control characters, DEL or lone surrogates: PostgreSQL
# refuses NUL in text, a lone surrogate cannot be encoded as UTF-8 (a store, a hash
# or a response would fail on it), and the rest corrupt logs, CSV and terminals.
_NEVER = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
# The bidirectional embeddings, overrides and isolates: in a one-line name
# they reorder what follows them ("\u202e" shows "Kim\u202eoeS" as "KimSeo"),
# so one artist's credit could be made to read as another's. The marks
# (U+200E, U+200F, U+061C) and zero-width joiners, which scripts need, pass.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_ONE_LINE = re.compile(f"[{_NEVER}{_BIDI}\t\n\r]")
_MULTILINE = re.compile(f"[{_NEVER}]")  # free text keeps its tabs and line breaks


def unsafe_character(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` is refused (the first character no field accepts), or None."""
    found = (_MULTILINE if multiline else _ONE_LINE).search(value)
    if found is None:
        return None
    if multiline:
        refused = "control characters or lone surrogates (tab and line breaks only)"
    else:
        refused = "control characters, bidirectional overrides or lone surrogates (no line breaks)"
    return f"must not contain {refused}; found U+{ord(found.group()):04X} at index {found.start()}"


class Text(fields.String):
    """A string free of control characters and lone surrogates; `multiline`
    lets statements, reasons and descriptions keep tabs and line breaks."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiline = multiline

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        reason = unsafe_character(text, multiline=self.multiline)
        if reason is not None:
            raise ValidationError(reason)
        return text


class Email(Text, fields.Email):
    """An e-mail address (a Text, so documented as `format: email`)."""


class Url(Text, fields.Url):
    """A URL, documented as JSON Schema's `format: uri` (apispec's default,
    `url`, is no format a client or a validator knows, so an empty string
    read as valid to them though it is refused here)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"format": "uri"} | kwargs.get("metadata", {})
        super().__init__(**kwargs)


class Sha256(Text):
    """A SHA-256 in hex, accepted in either case and kept lowercase."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).lower()


class Pattern(validate.Regexp):
    """A regex the whole value must match. Python's `$` also matches before a
    trailing newline; the pattern stays in the `^...$` form that OpenAPI
    clients (ECMA-262 regexes) read, and the match is full."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


SHA256 = Pattern(r"^[0-9a-f]{64}$", error="must be a hex SHA-256 (64 chars)")
SLUG = Pattern(
    r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
    error="lowercase letters, digits and hyphens, 1 to 64 characters",
)
TOOL_KEY = Pattern(
    r"^[a-z0-9][a-z0-9._-]{0,63}$",
    error="lowercase letters, digits, '.', '_' and '-', 1 to 64 characters",
)
MEDIA_TYPE = Pattern(r"^[a-z]+/[a-z0-9.+-]+$", error="must be a media type like video/mp4")


class Contains(validate.Regexp):
    """A regex some part of the value must match (JSON Schema's `pattern`
    is a search, not a full match)."""

    def __call__(self, value: Any) -> Any:
        if self.regex.search(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class NotBlank(Contains):
    """A name, title or credit of white space alone is refused like an empty
    one (a display name of "   " was the public credit of a work); an empty
    one is the length's to refuse, in its own words."""

    def __call__(self, value: Any) -> Any:
        return super().__call__(value) if value else value


# White space as the document's ECMA-262 `\s` reads it: U+FEFF is white space there.
NOT_BLANK = NotBlank(r"[^\s\ufeff]", error="must not be blank")


def text(
    max_length: int = 200, *, min_length: int = 1, multiline: bool = False, **kwargs: Any
) -> Text:
    checks: list[Any] = [validate.Length(min=min_length, max=max_length)]
    if min_length > 0:
        checks.append(NOT_BLANK)
    return Text(multiline=multiline, validate=checks, **kwargs)


def sha256(**kwargs: Any) -> Sha256:
    return Sha256(validate=SHA256, **kwargs)


def sha256_in(**kwargs: Any) -> Sha256:
    """A hash a client sends, documented as it is accepted: in either case
    (the document said lowercase only, so a client that checks its requests
    against it refused what the service takes). Answers stay lowercase."""
    kwargs["metadata"] = {"pattern": "^[0-9a-fA-F]{64}$"} | kwargs.get("metadata", {})
    return sha256(**kwargs)


def slug(**kwargs: Any) -> Text:
    return Text(validate=SLUG, **kwargs)


def tool_key(**kwargs: Any) -> Text:
    return Text(validate=TOOL_KEY, **kwargs)


# ---- numbers ----------------------------------------------------------------------

# Log positions are 64-bit integers in both stores; a read cursor `after` is
# read from after + 1, so it stops one short of the largest position.
MAX_POSITION = 2**63 - 1
POSITION = validate.Range(min=0, max=MAX_POSITION)
CURSOR = validate.Range(min=0, max=MAX_POSITION - 1)


_DIGITS = re.compile(r"-?[0-9]+")


class Integer(fields.Integer):
    """An integer, and as text (a query, a form) only in plain ASCII digits:
    Python's `int` also reads "+5", " 5", "1_0" and "٣" (an Arabic-Indic 3),
    which no client means and the document does not declare."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and not _DIGITS.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def integer(minimum: int, maximum: int, **kwargs: Any) -> fields.Integer:
    """Every integer has both bounds: SQL stores 64 bits, and nothing needs more."""
    return Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)


def min_position_field(
    description: str = "wait until the view has applied this log position",
) -> fields.Integer:
    return integer(0, MAX_POSITION, load_default=None, metadata={"description": description})


def cursor_field() -> fields.Integer:
    return Integer(
        validate=CURSOR, load_default=0, metadata={"description": "list past this log position"}
    )


def limit_field() -> fields.Integer:
    return integer(1, 1000, load_default=100, metadata={"description": "page size"})


# ---- times ------------------------------------------------------------------------

# Every instant is kept in UTC, and only where it can be shown at any UTC offset
# and back: a day inside datetime's years 1 to 9999. Nothing here predates 1970.
INSTANT_MIN = datetime(1970, 1, 1, tzinfo=UTC)
INSTANT_MAX = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_INSTANT_RANGE = "between 1970-01-01T00:00:00Z and 9999-12-30T23:59:59Z"


def parse_instant(value: str) -> datetime:
    """An RFC 3339 instant with its offset, as a UTC datetime in the range above."""
    spelled = value.upper()
    if not _RFC3339.match(spelled):
        raise ValidationError(
            "must be an RFC 3339 instant with an offset, e.g. 2026-03-02T09:00:00Z"
        )
    try:
        local = datetime.fromisoformat(spelled.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("must be a real date and time of day") from None
    try:
        instant = local.astimezone(UTC)
    except OverflowError:  # its UTC falls outside the years 1 to 9999
        instant = None
    if instant is None or not INSTANT_MIN <= instant <= INSTANT_MAX:
        raise ValidationError(f"must be {_INSTANT_RANGE} once converted to UTC")
    return instant


class Instant(fields.AwareDateTime):
    """A timestamp (RFC 3339, any offset), loaded as UTC within a safe range."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        return parse_instant(value)


class Day(fields.Date):
    """A calendar date (YYYY-MM-DD) in the same range as instants."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not _DAY.match(value):
            raise ValidationError("must be a date like 2026-03-02")
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationError("must be a real date") from None
        if not INSTANT_MIN.date() <= day <= INSTANT_MAX.date():
            raise ValidationError("must be between 1970-01-01 and 9999-12-30")
        return day


def instant(**kwargs: Any) -> Instant:
    return Instant(**kwargs)


def day(**kwargs: Any) -> Day:
    return Day(**kwargs)
