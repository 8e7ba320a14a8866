"""The bodies of the reads of one person (`api.participants`), documenting
only, like `api.responses`. Personal fields are null for a reader who may not
see them (`api.people`) and once the person is erased."""

from __future__ import annotations

from marshmallow import fields

from api.read_responses import ActiveGrant
from api.responses import Body, cursor, instant, integer, many, nested, sha256, string, uuid
from api.schemas import SLUG


def maybe(**kwargs: object) -> fields.String:
    """A personal field: there for every reader, null for those who may not see it."""
    return fields.String(required=True, allow_none=True, **kwargs)  # type: ignore[arg-type]


class Grant(ActiveGrant):
    revoked_at = instant(allow_none=True)
    active = fields.Boolean(required=True, metadata={"description": "active now"})


class Person(Body):
    """What a reader may see of the person (`erased`: their data is gone)."""

    display_name = maybe()
    erased = fields.Boolean(required=True)


class Application(Person):
    id = uuid()
    program = string(validate=SLUG)
    status = string()
    submitted_at = instant()
    active_grants = many(ActiveGrant)
    grants = many(Grant)


class GenerationDisclosure(Body):
    name = string(allow_none=True)
    provider = string(allow_none=True)
    version = string()
    capabilities = fields.List(fields.String(), required=True)
    limitations = fields.List(fields.String(), required=True)
    disclosed_at = instant()


class Generation(Body):
    id = uuid()
    participant = uuid()
    program = string(validate=SLUG)
    tool = string()
    tool_version = string()
    output_sha256 = sha256()
    media_type = string()
    prompt_sha256 = sha256(allow_none=True)
    generated_at = instant()
    recorded_at = instant()
    position = integer()
    disclosure = nested(
        GenerationDisclosure,
        allow_none=True,
        metadata={"description": "the disclosure of the version used (null: never disclosed)"},
    )


class GenerationPage(Body):
    items = many(Generation)
    next = cursor()
    total = integer(metadata={"description": "how many generations the participant recorded"})
    position = integer()


class WorkSummary(Body):
    id = uuid()
    title = string()
    content_sha256 = sha256()
    declared_at = instant()
    status = string(metadata={"description": "declared, disputed or retracted"})
    retracted_at = instant(allow_none=True)
    disputed_at = instant(allow_none=True)
    credited_name = maybe()


class Participant(Application):
    generation_count = integer()
    generations = many(Generation)
    generations_next = cursor()
    works = many(WorkSummary)
    works_next = cursor()
    position = integer()
