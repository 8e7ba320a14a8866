"""What the partner's webhook reads take (`api.webhooks`), and how they wait.

Every read takes `min_position` as the API's other reads do; a position
beyond the log's head is 422 at once. An endpoint is written as it is
registered or changed, not by a follower, so its reads answer at once;
its delivery log waits (bounded, `read_wait`) until the webhook fan-out has
passed the position for that endpoint: every event up to it has become a
message for it (`position` in the answer), so a partner who caused the
event at N has its message queued, and its attempts follow as they are made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from api.errors import ProblemError
from api.freshness import refuse_beyond_head, wait_until
from api.schemas import MAX_POSITION, integer, limit_field, min_position_field

_ID_OR_EMPTY = "^(|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"


class _IdCursor(fields.String):
    """An endpoint id; empty (`after=`) means the first page, as it always has,
    and the document says so (its `format: uuid` refused the empty value the
    server takes)."""

    default_error_messages = {"invalid_uuid": "Not a valid UUID."}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": _ID_OR_EMPTY} | kwargs.pop("metadata", {})
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> UUID | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(_ID_OR_EMPTY, text):
            raise self.make_error("invalid_uuid")
        return UUID(text) if text else None


class EndpointQuery(Schema):
    min_position = min_position_field(
        "as on every read; an endpoint is written as it is registered or "
        "changed, so this answers at once (422 beyond the log's head)"
    )


class ListQuery(EndpointQuery):
    limit = limit_field()
    after = _IdCursor(load_default=None, metadata={"description": "the last id of a page"})


# Positions and delivery-log ids reach SQL as 64-bit integers: a larger one
# would overflow SQLite's driver (a 500) instead of being refused (a 422).
class DeliveriesQuery(Schema):
    limit = limit_field()
    after = integer(0, MAX_POSITION, load_default=0)
    min_position = min_position_field(
        "wait until the webhook fan-out has turned every event up to "
        "this log position into this endpoint's messages"
    )


def answer_at_once(min_position: int | None) -> None:
    """An endpoint's read: at once, unless the position lies beyond the head."""
    if min_position is not None:
        refuse_beyond_head(min_position)


def fanned_out(
    read: Callable[[], dict[str, Any]], endpoint_id: UUID, min_position: int | None
) -> dict[str, Any]:
    """The endpoint `read()` gives, once its fan-out has passed `min_position`:
    422 beyond the head, 503 with Retry-After when that takes longer than
    `read_wait`, and 409 at once while the endpoint is disabled short of it
    (its fan-out waits for it to be enabled again, not for time)."""
    if min_position is None:
        return read()
    endpoint: dict[str, Any] = {}

    def position() -> int:
        nonlocal endpoint
        endpoint = read()
        if not endpoint["enabled"] and endpoint["position"] < min_position:
            raise ProblemError(
                409,
                f"webhook endpoint {endpoint_id} is disabled ({endpoint['disabled_reason']}): "
                f"its messages stop at log position {endpoint['position']} until it is enabled "
                f"again, so they cannot reach position {min_position}",
                title="Webhook endpoint disabled",
                position=endpoint["position"],
                min_position=min_position,
            )
        return int(endpoint["position"])

    wait_until(position, min_position, f"webhook fan-out of endpoint {endpoint_id}")
    return endpoint
