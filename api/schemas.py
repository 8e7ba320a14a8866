"""Shared marshmallow pieces: every schema rejects unknown fields (the default)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="must be a lowercase hex SHA-256 (64 chars)")
SLUG = validate.Regexp(
    r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$",
    error="lowercase letters, digits and hyphens, 1 to 64 characters",
)
TOOL_KEY = validate.Regexp(
    r"^[a-z0-9][a-z0-9._-]{0,63}$",
    error="lowercase letters, digits, '.', '_' and '-', 1 to 64 characters",
)


# Log positions are 64-bit integers in both stores; a read cursor `after` is
# read from after + 1, so it stops one short of the largest position.
MAX_POSITION = 2**63 - 1
POSITION = validate.Range(min=0, max=MAX_POSITION)
CURSOR = validate.Range(min=0, max=MAX_POSITION - 1)


def min_position_field() -> fields.Integer:
    return fields.Integer(
        validate=POSITION,
        load_default=None,
        metadata={"description": "wait until the view has applied this log position"},
    )


def text(max_length: int = 200, **kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


def sha256(**kwargs: object) -> fields.String:
    return fields.String(validate=SHA256, **kwargs)


class DateRange(Schema):
    """Mixin check: the end date is not before the start date."""

    _range: tuple[str, str] = ("", "")

    @validates_schema
    def _check_range(self, data: dict, **_: object) -> None:
        start, end = self._range
        if start in data and end in data and data[end] < data[start]:
            raise ValidationError(f"must not be before {start}", field_name=end)


class WrittenSchema(Schema):
    id = fields.String(metadata={"description": "id of the created or changed record"})
    position = fields.Integer(
        required=True, metadata={"description": "log position of the last event written"}
    )
