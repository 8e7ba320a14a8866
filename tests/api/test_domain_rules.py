"""The program's rules users hit, through HTTP: a closed program refuses
grants and generations; a generation falls on a day of its program; an
unknown tool version has its own 409; a generation shows the disclosure of
the version it used. Each refusal writes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.helpers import DAYS, TODAY, post, seed

GENERATION = {"tool": "video", "tool_version": "2.1", "media_type": "video/mp4"}


def _refused(response: Any, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["title"] == title, body
    return body


def test_a_closed_program_refuses_grants_and_generations(client, tokens, system):
    s = seed(client, tokens)
    post(client, f"/v1/programs/{s.slug}/close", tokens.staff, None, 200)
    head = system.log.head()

    grant = client.post(
        f"/v1/participants/{s.participant}/grants", json={"tool": "video"}, headers=tokens.staff
    )
    generation = client.post(
        f"/v1/participants/{s.participant}/generations",
        json=GENERATION | {"output_sha256": "ab" * 32},
        headers=s.artist_headers,
    )

    for refused in (grant, generation):
        body = _refused(refused, 409, "Program is closed")
        assert body["detail"] == f"program {s.slug!r} is closed"
    assert system.log.head() == head


def test_a_generation_falls_on_a_day_of_its_program(client, tokens, system):
    s = seed(client, tokens)
    path = f"/v1/participants/{s.participant}/generations"
    head = system.log.head()
    before = (DAYS[0] - timedelta(days=1)).isoformat() + "T23:59:59Z"
    body = _refused(
        client.post(
            path,
            json=GENERATION | {"output_sha256": "ab" * 32, "generated_at": before},
            headers=s.artist_headers,
        ),
        409,
        "Generation outside the program's dates",
    )
    assert (body["starts_on"], body["ends_on"]) == (DAYS[0].isoformat(), DAYS[1].isoformat())
    assert f"runs from {DAYS[0]} to {DAYS[1]}" in body["detail"]
    assert system.log.head() == head

    # A program that ended yesterday: a generation recorded now is refused too.
    ended = {"slug": "ended", "starts_on": "2026-01-05", "ends_on": str(TODAY - timedelta(days=1))}
    post(client, "/v1/programs", tokens.staff, SHORT | ended, 201)
    post(client, "/v1/programs/ended/tools", tokens.staff, TOOL, 201)
    pid = post(client, "/v1/programs/ended/applications", tokens.staff, APPLICANT, 201).get_json()[
        "id"
    ]
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    post(client, f"/v1/participants/{pid}/grants", tokens.staff, {"tool": "video"}, 201)
    late = client.post(
        f"/v1/participants/{pid}/generations",
        json=GENERATION | {"output_sha256": "cd" * 32},
        headers=tokens.artist(pid),
    )
    assert (
        "generated_at " in _refused(late, 409, "Generation outside the program's dates")["detail"]
    )


def test_an_unknown_tool_version_is_its_own_conflict(client, tokens, system):
    s = seed(client, tokens)
    path = f"/v1/participants/{s.participant}/generations"
    version = client.post(
        path,
        json=GENERATION | {"tool_version": "9.9", "output_sha256": "ab" * 32},
        headers=s.artist_headers,
    )
    body = _refused(version, 409, "Tool version is not registered")
    assert (body["tool"], body["tool_version"]) == ("video", "9.9")
    assert "(registered: 2.1)" in body["detail"]
    tool = client.post(
        path,
        json=GENERATION | {"tool": "image", "tool_version": "5.0", "output_sha256": "ab" * 32},
        headers=s.artist_headers,
    )
    _refused(tool, 409, "Tool is not registered for the program")


def test_a_generation_shows_the_disclosure_of_the_version_it_used(client, tokens):
    s = seed(client, tokens)
    update = {"version": "2.2", "capabilities": ["1080p"], "limitations": ["no audio"]}
    post(client, f"/v1/programs/{s.slug}/tools/video/disclosure", tokens.staff, update, 200)
    path = f"/v1/participants/{s.participant}/generations"
    body = GENERATION | {"tool_version": "2.2", "output_sha256": "ef" * 32}
    post(client, path, s.artist_headers, body, 201)

    items = client.get(path, headers=s.artist_headers).get_json()["items"]

    assert [(g["tool_version"], g["disclosure"]["version"]) for g in items] == [
        ("2.1", "2.1"),
        ("2.2", "2.2"),
    ]
    assert items[0]["disclosure"]["limitations"] == ["no real people", "720p only"]
    assert items[1]["disclosure"]["limitations"] == ["no audio"]
    assert items[1]["disclosure"]["name"] == "Motion"


SHORT = {"name": "Ended", "city": "Busan", "capacity": 2}
TOOL = {
    "tool": "video",
    "name": "Motion",
    "provider": "Example",
    "version": "2.1",
    "capabilities": [],
    "limitations": [],
}
APPLICANT = {
    "artist_name": "Park Min-jun",
    "email": "park@example.org",
    "portfolio_url": "https://example.org/park",
    "statement": "s",
}


def test_an_erased_applicant_is_still_declined_or_withdrawn_without_the_reason(client, tokens):
    s = seed(client, tokens, declare=False)
    path = f"/v1/programs/{s.slug}/applications"
    pending = [post(client, path, tokens.staff, APPLICANT, 201).get_json()["id"] for _ in range(2)]
    for pid in pending:
        post(client, f"/v1/participants/{pid}/erase", tokens.staff, {"reason": "asked"}, 200)
    reason = {"reason": "a reason about an erased person"}
    declined = post(client, f"/v1/applications/{pending[0]}/decline", tokens.staff, reason, 200)
    withdrawn = post(client, f"/v1/applications/{pending[1]}/withdraw", tokens.staff, reason, 200)

    assert (declined.get_json()["status"], withdrawn.get_json()["status"]) == (
        "declined",
        "withdrawn",
    )
    types = "application.declined,application.withdrawn"
    events = client.get(f"/v1/events?type={types}", headers=tokens.staff).get_json()["items"]
    assert [(e["data"]["reason_commitment"], e["personal"]) for e in events] == [
        (None, {"reason": None})
    ] * 2
    assert "a reason about" not in json.dumps(events)
    roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    statuses = {e["id"]: (e["status"], e["erased"]) for e in roster["applications"]}
    assert statuses[pending[0]] == ("declined", True) and statuses[pending[1]] == (
        "withdrawn",
        True,
    )


def test_a_tool_held_is_not_granted_again_so_an_expiry_always_limits(client, tokens):
    """Grants of one tool used to stack: a second grant with an expiry over
    one without limited nothing, and one revocation ended both."""
    s = seed(client, tokens)
    grants = f"/v1/participants/{s.participant}/grants"
    until = (TODAY + timedelta(days=7)).isoformat() + "T00:00:00Z"
    again = client.post(grants, json={"tool": "video", "expires_at": until}, headers=tokens.staff)
    assert again.status_code == 409
    body = again.get_json()
    assert body["title"] == "Tool already granted" and body["tool"] == "video"
    assert "with no expiry" in body["detail"] and "revoke it first" in body["detail"]
    record = client.get(f"/v1/participants/{s.participant}", headers=tokens.staff).get_json()
    assert [g["tool"] for g in record["grants"]] == ["video"]  # nothing written
    revoke = {"reason": "to grant it with an expiry"}
    post(client, f"{grants}/video/revoke", tokens.staff, revoke, 200)
    post(client, grants, tokens.staff, {"tool": "video", "expires_at": until}, 201)
