"""Conditional reads by position: a read's ETag names the positions of the
views it reads, the log head and the representation, so `If-None-Match`
is answered 304 before a view row is read or a body built; the tag changes
with every write the body shows (a generation, a display name, an erasure),
differs per representation and per reader, and ends when a grant expires.
On SQLite and PostgreSQL: each read is one shared transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api import conditional, reads
from api.app import create_app
from ledger.events import rfc3339
from ledger.personal_store import PersonalData
from projections.service import ReadModels
from tests.helpers import Tokens, apply, open_program, post, seed

GENERATION = {
    "tool": "video",
    "tool_version": "2.1",
    "output_sha256": "ab" * 32,
    "media_type": "video/mp4",
}


@pytest.fixture
def client(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def tokens(store_system):
    return Tokens(store_system)


def _paths(s) -> dict[str, dict]:
    """Every read tagged by position, with whom it is read as (None: public)."""
    return {
        f"/v1/programs/{s.slug}/roster": "staff",
        f"/v1/programs/{s.slug}/roster?format=csv": "staff",
        f"/v1/programs/{s.slug}/audit-report": "auditor",
        f"/v1/works?sha256={s.content_sha256}": None,
        f"/v1/works/{s.work}": None,
        f"/v1/participants/{s.participant}": "staff",
        f"/v1/participants/{s.participant}/generations": "staff",
        f"/v1/applications/{s.participant}": "staff",
        "/v1/events?limit=5": "staff",
        "/v1/programs": None,
        f"/v1/programs/{s.slug}": None,
        "/v1/exhibitions": None,
    }


def _headers(tokens, who: str | None) -> dict[str, str]:
    return getattr(tokens, who) if who else {}


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("a 304 read a view row or built a body")


def test_a_held_tag_is_answered_304_without_reading_a_view_row(client, tokens, monkeypatch):
    s = seed(client, tokens)
    tags = {}
    for path, who in _paths(s).items():
        first = client.get(path, headers=_headers(tokens, who))
        assert first.status_code == 200, (path, first.get_json())
        tags[path] = first.headers["ETag"]
    for name in (
        "roster",
        "application",
        "generations",
        "work",
        "works",
        "programs",
        "program",
        "exhibitions",
        "audit_report",
    ):
        monkeypatch.setattr(ReadModels, name, _refuse)
    monkeypatch.setattr(PersonalData, "many", _refuse)
    monkeypatch.setattr(PersonalData, "get", _refuse)
    monkeypatch.setattr(reads, "feed", _refuse)
    for path, who in _paths(s).items():
        held = client.get(path, headers=_headers(tokens, who) | {"If-None-Match": tags[path]})
        assert (held.status_code, held.data) == (304, b""), path
        assert held.headers["ETag"] == tags[path], path
        # RFC 9110: If-None-Match compares weakly.
        weak = client.get(
            path, headers=_headers(tokens, who) | {"If-None-Match": "W/" + tags[path]}
        )
        assert weak.status_code == 304, path


def test_a_write_the_body_shows_changes_the_tag(client, tokens):
    """Never a 304 for a body that changed: after each write, a held tag is
    answered 304 only if the body is byte for byte the one it was sent with."""
    s = seed(client, tokens)
    paths = _paths(s) | {"/v1/events?limit=1000": "staff", "/v1/events?limit=1000#p": "partner"}

    def current() -> dict[str, tuple[str, bytes]]:
        seen = {}
        for path, who in paths.items():
            response = client.get(path.split("#")[0], headers=_headers(tokens, who))
            seen[path] = (response.headers["ETag"], response.data)
        return seen

    def revalidate(before: dict[str, tuple[str, bytes]]) -> set[str]:
        """The reads whose held tag no longer matches."""
        changed = set()
        for path, who in paths.items():
            tag, body = before[path]
            headers = _headers(tokens, who)
            again = client.get(path.split("#")[0], headers=headers | {"If-None-Match": tag})
            if again.status_code == 304:
                assert client.get(path.split("#")[0], headers=headers).data == body, path
            else:
                assert again.status_code == 200 and again.headers["ETag"] != tag, path
                changed.add(path)
        return changed

    shows_the_person = {
        f"/v1/programs/{s.slug}/roster",
        f"/v1/programs/{s.slug}/roster?format=csv",
        f"/v1/participants/{s.participant}",
        f"/v1/applications/{s.participant}",
        "/v1/events?limit=1000",
    }
    before = current()
    post(client, f"/v1/participants/{s.participant}/generations", s.artist_headers, GENERATION, 201)
    assert shows_the_person <= revalidate(before)
    # A display name lives in the personal-data store, written with its event.
    before = current()
    name = {"display_name": "Seo-yeon K."}
    post(client, f"/v1/participants/{s.participant}/display-name", s.artist_headers, name, 200)
    assert shows_the_person | {f"/v1/programs/{s.slug}"} <= revalidate(before)
    record = client.get(f"/v1/participants/{s.participant}", headers=tokens.auditor).get_json()
    assert record["display_name"] == "Seo-yeon K."
    # Erasure deletes the row with its event: every view shows the person erased.
    before = current()
    post(client, f"/v1/participants/{s.participant}/erase", tokens.staff, {"reason": "asked"}, 200)
    assert shows_the_person | {f"/v1/works/{s.work}"} <= revalidate(before)
    assert client.get(f"/v1/works/{s.work}").get_json()["credited_name"] is None


def test_the_tag_differs_per_representation_and_per_reader(client, tokens):
    s = seed(client, tokens)
    roster = f"/v1/programs/{s.slug}/roster"
    as_json = client.get(roster, headers=tokens.staff)
    as_csv = client.get(roster, headers=tokens.staff | {"Accept": "text/csv"})
    by_format = client.get(f"{roster}?format=csv", headers=tokens.staff)
    by_auditor = client.get(roster, headers=tokens.auditor)
    assert as_csv.mimetype == by_format.mimetype == "text/csv"
    tags = [r.headers["ETag"] for r in (as_json, as_csv, by_format, by_auditor)]
    assert len(set(tags)) == 4
    assert "Accept" in as_json.headers["Vary"]
    # Staff's tag names staff's body (with e-mails): an auditor holding it gets
    # the auditor's body, never a 304 for the staff's.
    held = client.get(roster, headers=tokens.auditor | {"If-None-Match": tags[0]})
    assert held.status_code == 200 and "email" not in held.get_json()["applications"][0]
    # JSON held, CSV asked for: the CSV.
    held = client.get(
        roster, headers=tokens.staff | {"Accept": "text/csv", "If-None-Match": tags[0]}
    )
    assert held.status_code == 200 and held.mimetype == "text/csv"
    # The artist's own record and staff's are different representations too.
    record = f"/v1/participants/{s.participant}"
    staff_tag = client.get(record, headers=tokens.staff).headers["ETag"]
    own = client.get(record, headers=s.artist_headers | {"If-None-Match": staff_tag})
    assert own.status_code == 200 and own.headers["ETag"] != staff_tag


def test_min_position_does_not_change_the_tag(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/works/{s.work}"
    tag = client.get(path).headers["ETag"]
    position = client.get(path).get_json()["position"]
    held = client.get(f"{path}?min_position={position}", headers={"If-None-Match": tag})
    assert held.status_code == 304


@pytest.mark.parametrize("header", ['""', 'W/""', '"nonsense", ""', "garbage"])
def test_a_malformed_or_unknown_tag_is_a_full_answer(client, tokens, header):
    s = seed(client, tokens)
    response = client.get(f"/v1/works/{s.work}", headers={"If-None-Match": header})
    assert response.status_code == 200


def test_a_held_tag_stops_matching_when_an_active_grant_expires(client, tokens, monkeypatch):
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    expires = rfc3339(datetime.now(UTC) + timedelta(days=1))
    grant = {"tool": "video", "expires_at": expires}
    post(client, f"/v1/participants/{pid}/grants", tokens.staff, grant, 201)
    for path in (f"/v1/programs/{slug}/roster", f"/v1/participants/{pid}"):
        tag = client.get(path, headers=tokens.staff).headers["ETag"]
        assert tag.strip('"').endswith(f"~{expires}"), tag
        held = client.get(path, headers=tokens.staff | {"If-None-Match": tag})
        assert held.status_code == 304, path

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return datetime.now(tz) + timedelta(days=2)

    monkeypatch.setattr(conditional, "datetime", Later)
    for path in (f"/v1/programs/{slug}/roster", f"/v1/participants/{pid}"):
        tag = client.get(path, headers=tokens.staff).headers["ETag"]
        assert client.get(path, headers=tokens.staff | {"If-None-Match": tag}).status_code == 200
