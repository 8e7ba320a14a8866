"""The read side's response bodies (roster, registry, audit report, event
feed, transparency log), documenting only, like `api.responses`."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import OneOf

from api.responses import (
    Body,
    cursor,
    instant,
    integer,
    many,
    nested,
    sha256,
    string,
    strings,
    uuid,
)
from api.schemas import SHA256, SLUG

# ---- roster ---------------------------------------------------------------------------


class ActiveGrant(Body):
    tool = string()
    granted_at = instant()
    expires_at = instant(allow_none=True)


class RosterEntry(Body):
    id = uuid()
    status = string()
    submitted_at = instant()
    active_grants = many(ActiveGrant)
    generations = integer()
    works = integer()


class RosterCounts(Body):
    applied = integer()
    admitted = integer()
    declined = integer()
    withdrawn = integer()


class AsOf(Body):
    position = integer()


class Roster(Body):
    program = string(validate=SLUG)
    capacity = integer()
    seats_used = integer()
    seats_left = integer()
    counts = nested(RosterCounts)
    applications = many(RosterEntry)
    as_of = nested(AsOf, allow_none=True)
    position = integer()


# ---- registry -------------------------------------------------------------------------


class Owner(Body):
    participant_id = uuid()


class Disclosure(Body):
    version = string()
    capabilities = strings()
    limitations = strings()
    disclosed_at = instant(allow_none=True)


class ToolUsed(Body):
    tool = string()
    versions_used = strings()
    disclosures = fields.List(
        fields.Nested(Disclosure),
        required=True,
        metadata={
            "description": "for each version used, the disclosure in force when the "
            "work's generation was recorded (a later disclosure never changes it)"
        },
    )
    disclosure = nested(Disclosure, metadata={"description": "the latest generation's"})


class Showing(Body):
    id = uuid()
    title = string()
    credited_artist = uuid()
    hung_at = instant()


class Work(Body):
    id = uuid()
    title = string()
    content_sha256 = sha256()
    program = string(validate=SLUG)
    owner = nested(Owner)
    declared_at = instant()
    tools = many(ToolUsed)
    exhibitions = many(Showing)
    position = integer()
    status = string(
        validate=OneOf(["declared", "disputed", "retracted"]),
        metadata={"description": "retracted: by its artist, the hash is free again"},
    )
    retracted_at = instant(allow_none=True)
    disputed_at = instant(allow_none=True)


class WorkPage(Body):
    items = many(Work)
    next = cursor()
    position = integer()


# ---- audit report and feed ------------------------------------------------------------


class Invariant(Body):
    id = string()
    rule = string()


class Counts(Body):
    by_type = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_tool = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)


class SignedCheckpoint(Body):
    tree_size = integer()
    note = string(metadata={"description": "the C2SP signed note"})


class Correction(Body):
    work_id = uuid()
    position = integer()
    event_id = uuid()
    type = string()
    timestamp = instant()


class AuditReport(Body):
    program = string(validate=SLUG)
    position = integer()
    events = integer()
    ok = fields.Boolean(required=True)
    counts = nested(Counts)
    invariants = many(Invariant)
    violations = fields.List(fields.Dict(), required=True)
    checkpoint = nested(SignedCheckpoint, allow_none=True)
    retractions = many(Correction)
    disputes = many(Correction)


class EventActor(Body):
    id = string()
    role = string()


class Event(Body):
    position = integer()
    event_id = uuid()
    aggregate_id = string()
    aggregate_version = integer()
    type = string()
    timestamp = instant()
    actor = nested(EventActor)
    data = fields.Dict(required=True)


class EventPage(Body):
    items = many(Event)
    next = cursor()


# ---- transparency ---------------------------------------------------------------------


class InclusionProof(Body):
    leaf_index = integer()
    tree_size = integer()
    leaf_hash = sha256()
    audit_path = fields.List(fields.String(validate=SHA256), required=True)
    root_hash = sha256()


class ConsistencyProof(Body):
    first = integer()
    second = integer()
    proof = fields.List(fields.String(validate=SHA256), required=True)
    first_root = sha256()
    second_root = sha256()


class Leaf(Body):
    index = integer()
    position = integer()
    leaf = string(metadata={"description": "base64 of the leaf's RFC 8785 canonical bytes"})
    leaf_hash = sha256()
    event = nested(Event, allow_none=True)


class CertificateProof(Body):
    tree_size = integer()
    audit_path = fields.List(fields.String(validate=SHA256), required=True)


class SignedCheckpointEntry(Body):
    size = integer()
    root = sha256()
    signed_at = instant(allow_none=True)  # null: signed before times were recorded
    note = string(metadata={"description": "the signed note, with any witness cosignatures"})


class CheckpointPage(Body):
    items = many(SignedCheckpointEntry)
    next = cursor()


class CorrectionProof(Body):
    leaf_index = integer()
    leaf = string(metadata={"description": "base64 of the leaf's canonical bytes"})
    audit_path = fields.List(fields.String(validate=SHA256), required=True)


class Certificate(Body):
    work_id = uuid()
    leaf_index = integer()
    leaf = string(metadata={"description": "base64 of the leaf's canonical bytes"})
    inclusion_proof = nested(CertificateProof)
    checkpoint = string(metadata={"description": "the signed note, with any cosignatures"})
    verifier_key = string(metadata={"description": "the log's signed-note vkey"})
    tlog_proof = string(metadata={"description": "the same proof as c2sp.org/tlog-proof@v1"})
    corrections = fields.List(
        fields.Nested(CorrectionProof),
        metadata={
            "description": "present once the declaration was retracted or disputed: those "
            "events' leaves, proven in the same checkpoint"
        },
    )


TEXT = {"type": "string"}
CSV = {"description": "the same report as CSV", "schema": TEXT, "content_type": "text/csv"}
ROSTER_CSV = {
    "description": "one row per application, as CSV (an attachment)",
    "schema": TEXT,
    "content_type": "text/csv",
}
