"""The reads of one person, per role: an application (staff, the artist
themself), a participant's record and their generations (staff, auditors,
the artist themself); personal fields for staff and the artist only; erased
people shown erased; read-your-writes, ETags."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.helpers import post, seed

PERSONAL = {"artist_name", "email", "portfolio_url", "statement"}


def _reads(pid: str) -> dict[str, str]:
    return {
        "application": f"/v1/applications/{pid}",
        "participant": f"/v1/participants/{pid}",
        "generations": f"/v1/participants/{pid}/generations",
    }


def test_each_role_reads_what_it_may_and_nothing_else(client, tokens):
    s = seed(client, tokens)
    other = tokens.artist(uuid4())
    expected = {  # read -> status per reader
        "application": {"staff": 200, "self": 200, "auditor": 403, "partner": 403, "other": 403},
        "participant": {"staff": 200, "self": 200, "auditor": 200, "partner": 403, "other": 403},
        "generations": {"staff": 200, "self": 200, "auditor": 200, "partner": 403, "other": 403},
    }
    readers = {
        "staff": tokens.staff,
        "self": s.artist_headers,
        "auditor": tokens.auditor,
        "partner": tokens.partner,
        "other": other,
    }
    for read, path in _reads(s.participant).items():
        seen = {who: client.get(path, headers=h).status_code for who, h in readers.items()}
        assert seen == expected[read], read
        assert client.get(path).status_code == 401
        missing = _reads(str(uuid4()))[read]
        assert client.get(missing, headers=tokens.staff).status_code == 404
        # An artist cannot probe for others' ids: 403 whether they exist or not.
        assert client.get(missing, headers=s.artist_headers).status_code == 403


def test_personal_fields_for_staff_and_the_artist_only(client, tokens):
    s = seed(client, tokens)
    for headers in (tokens.staff, s.artist_headers):
        for read in ("application", "participant"):
            body = client.get(_reads(s.participant)[read], headers=headers).get_json()
            assert body["email"] == "kim@example.org" and body["statement"], read
            assert body["display_name"] == "Kim Seo-yeon" and body["erased"] is False
    audited = client.get(f"/v1/participants/{s.participant}", headers=tokens.auditor).get_json()
    assert not PERSONAL & set(audited)
    assert audited["display_name"] == "Kim Seo-yeon"  # an admitted participant's public name


def test_a_participant_shows_status_grants_with_expiry_generations_and_works(client, tokens):
    s = seed(client, tokens)
    post(client, f"/v1/programs/{s.slug}/tools", tokens.staff, IMAGE, 201)
    expires = "2099-01-01T00:00:00Z"
    body = {"tool": "image", "expires_at": expires}
    post(client, f"/v1/participants/{s.participant}/grants", tokens.staff, body, 201)
    post(client, f"/v1/participants/{s.participant}/grants/image/revoke", tokens.staff, REASON, 200)

    record = client.get(f"/v1/participants/{s.participant}", headers=tokens.auditor).get_json()

    assert record["status"] == "admitted" and record["program"] == s.slug
    grants = {(g["tool"], g["expires_at"], g["active"]) for g in record["grants"]}
    assert grants == {("video", None, True), ("image", "2099-01-01T00:00:00.000000Z", False)}
    assert [g["revoked_at"] is not None for g in record["grants"]] == [False, True]
    assert [g["id"] for g in record["generations"]] == [s.generation]
    assert record["generation_count"] == 1 and record["generations_next"] is None
    assert record["generations"][0]["disclosure"]["limitations"] == ["no real people", "720p only"]
    assert [(w["id"], w["status"]) for w in record["works"]] == [(s.work, "declared")]
    assert record["works"][0]["credited_name"] == "Kim Seo-yeon"


def test_generations_page_with_a_cursor_and_read_their_writes(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/participants/{s.participant}/generations"
    ids = [s.generation]
    for n in range(4):
        body = GENERATION | {"output_sha256": f"{n:064x}"}
        written = post(client, path, s.artist_headers, body, 201).get_json()
        ids.append(written["id"])
    fresh = client.get(f"{path}?min_position={written['position']}", headers=s.artist_headers)
    assert fresh.status_code == 200 and fresh.get_json()["total"] == 5

    seen, after = [], 0
    while after is not None:
        page = client.get(f"{path}?limit=2&after={after}", headers=tokens.auditor).get_json()
        assert len(page["items"]) <= 2
        seen += [g["id"] for g in page["items"]]
        after = page["next"]
    assert seen == ids
    beyond = client.get(f"{path}?min_position=999999", headers=tokens.staff)
    assert beyond.status_code == 422 and "min_position" in beyond.get_json()["errors"]
    assert client.get(f"{path}?page=2", headers=tokens.staff).status_code == 422


def test_an_erased_person_is_shown_erased_to_everyone(client, tokens):
    s = seed(client, tokens)
    post(client, f"/v1/participants/{s.participant}/erase", tokens.staff, REASON, 200)
    for headers in (tokens.staff, tokens.auditor):
        record = client.get(f"/v1/participants/{s.participant}", headers=headers).get_json()
        assert record["erased"] is True and record["display_name"] is None
        assert all(record.get(field) is None for field in PERSONAL)
        assert record["works"][0]["credited_name"] is None
        assert record["status"] == "admitted" and record["generation_count"] == 1
    staff = client.get(f"/v1/applications/{s.participant}", headers=tokens.staff).get_json()
    assert staff["erased"] is True and staff["email"] is None


def test_reads_send_an_etag_and_answer_304_until_they_change(client, tokens):
    s = seed(client, tokens)
    paths = [*_reads(s.participant).values(), f"/v1/programs/{s.slug}/roster"]
    tags = {}
    for path in paths:
        first = client.get(path, headers=tokens.staff)
        tags[path] = first.headers["ETag"]
        again = client.get(path, headers=tokens.staff | {"If-None-Match": tags[path]})
        assert (again.status_code, again.data) == (304, b""), path
    post(client, f"/v1/participants/{s.participant}/generations", s.artist_headers, GENERATION, 201)
    for path in paths:
        changed = client.get(path, headers=tokens.staff | {"If-None-Match": tags[path]})
        assert changed.status_code == 200 and changed.headers["ETag"] != tags[path], path


IMAGE = {
    "tool": "image",
    "name": "Still",
    "provider": "Example Image Lab",
    "version": "5.0",
    "capabilities": ["text-to-image"],
    "limitations": ["no likeness of real people"],
}
REASON: dict[str, Any] = {"reason": "asked to"}
GENERATION = {
    "tool": "video",
    "tool_version": "2.1",
    "output_sha256": "ab" * 32,
    "media_type": "video/mp4",
}
