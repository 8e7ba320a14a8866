"""The response bodies, as documented in /openapi.json. They document only:
each view builds its body and `api.openapi.Blueprint.response` sends it as
built; tests/api/test_openapi.py checks that every body matches. Objects are
open (README, "The HTTP contract": fields may be added, clients ignore what
they do not know), so each lists the fields a client can rely on as required."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, fields
from marshmallow.validate import OneOf

from api.schemas import SHA256, SLUG, Pattern

Z_INSTANT = Pattern(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", error="RFC 3339 UTC with Z")
DAY = Pattern(r"^\d{4}-\d{2}-\d{2}$", error="a date")


class Body(Schema):
    class Meta:
        unknown = INCLUDE


def string(**kwargs: Any) -> fields.String:
    return fields.String(required=True, **kwargs)


def instant(**kwargs: Any) -> fields.String:
    return fields.String(
        required=True, validate=Z_INSTANT, metadata={"format": "date-time"}, **kwargs
    )


def day() -> fields.String:
    return fields.String(required=True, validate=DAY, metadata={"format": "date"})


def sha256(**kwargs: Any) -> fields.String:
    return fields.String(required=True, validate=SHA256, **kwargs)


def uuid(*, metadata: dict[str, Any] | None = None, **kwargs: Any) -> fields.String:
    return fields.String(required=True, metadata={"format": "uuid"} | (metadata or {}), **kwargs)


def integer(**kwargs: Any) -> fields.Integer:
    return fields.Integer(required=True, **kwargs)


def strings() -> fields.List:
    return fields.List(fields.String(), required=True)


def nested(schema: type[Schema], **kwargs: Any) -> fields.Nested:
    return fields.Nested(schema, required=True, **kwargs)


def many(schema: type[Schema]) -> fields.List:
    return fields.List(fields.Nested(schema), required=True)


def cursor() -> fields.Integer:
    return fields.Integer(
        required=True, allow_none=True, metadata={"description": "pass as `after`; null: no more"}
    )


class Written(Body):
    """What every write answers with: the log position of its last event."""

    position = integer(metadata={"description": "the log position of the write's last event"})


# ---- writes ---------------------------------------------------------------------------


class ProgramOpened(Written):
    id = uuid()
    slug = string(validate=SLUG)


class ToolRegistered(Written):
    program = string()
    tool = string()


class DisclosureUpdated(ToolRegistered):
    version = string()


class ProgramClosed(Written):
    program = string()
    closed = fields.Boolean(required=True)


class Created(Written):
    id = uuid()


class ApplicationState(Created):
    status = string()


class Admitted(ApplicationState):
    seats_left = integer()


class Granted(Written):
    participant_id = uuid()
    tool = string()
    expires_at = instant(allow_none=True)


class Revoked(Written):
    participant_id = uuid()
    tool = string()


class Declared(Created):
    content_sha256 = sha256()
    owner = uuid()


class WorkState(Created):
    status = string(metadata={"description": "retracted, or disputed"})


class Erased(ApplicationState):
    erased = fields.Boolean(required=True)


class DisplayNameChanged(Written):
    participant_id = uuid()


class Hung(Written):
    exhibition_id = uuid()
    work_id = uuid()
    credited_artist = uuid()


# ---- programs and exhibitions (public) ------------------------------------------------


class DatedDisclosure(Body):
    version = string()
    capabilities = strings()
    limitations = strings()
    disclosed_at = instant()


class Tool(Body):
    tool = string()
    name = string()
    provider = string()
    version = string(metadata={"description": "the current (latest) disclosure's version"})
    capabilities = strings()
    limitations = strings()
    versions = strings()
    disclosures = fields.List(
        fields.Nested(DatedDisclosure),
        required=True,
        metadata={"description": "every disclosure, oldest first; none is ever replaced"},
    )


class PublicPerson(Body):
    id = uuid()
    display_name = string(allow_none=True)
    erased = fields.Boolean(required=True)


class ProgramShowing(Body):
    id = uuid()
    title = string()
    venue = string()
    opens_on = day()
    closes_on = day()
    partner = string(allow_none=True)
    works = integer(metadata={"description": "how many works hang in it"})


class Program(Body):
    id = uuid()
    slug = string(validate=SLUG)
    name = string()
    city = string()
    starts_on = day()
    ends_on = day()
    opened_at = instant()
    capacity = integer()
    seats_used = integer()
    seats_left = integer()
    closed = fields.Boolean(required=True)
    tools = many(Tool)
    participants = fields.List(
        fields.Nested(PublicPerson),
        required=True,
        metadata={"description": "the admitted participants: display names only"},
    )
    exhibitions = many(ProgramShowing)
    position = fields.Integer(
        metadata={"description": "the log position the view has reached (one program's read)"}
    )


class ProgramPage(Body):
    items = many(Program)
    next = cursor()
    position = integer()


class WorkOwner(Body):
    participant_id = uuid()
    display_name = string(allow_none=True)
    erased = fields.Boolean(required=True)


class HungWork(Body):
    id = uuid()
    title = string(allow_none=True)
    content_sha256 = fields.String(required=True, allow_none=True, validate=SHA256)
    owner = nested(WorkOwner, allow_none=True)
    credited_artist = uuid()
    credited_name = string(allow_none=True, metadata={"description": "null once erased"})
    hung_at = instant()
    status = string(
        validate=OneOf(["declared", "disputed", "retracted"]),
        metadata={"description": "whether its ownership declaration still stands"},
    )
    retracted_at = instant(allow_none=True)
    disputed_at = instant(allow_none=True)


class Exhibition(Body):
    id = uuid()
    program = string(validate=SLUG)
    title = string()
    venue = string()
    opens_on = day()
    closes_on = day()
    partner = string(allow_none=True)
    scheduled_at = instant()
    works = many(HungWork)


class ExhibitionPage(Body):
    items = many(Exhibition)
    next = cursor()
    position = integer()
