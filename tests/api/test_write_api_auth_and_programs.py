"""Write endpoints, who may write and programs and tools: each success, and each class of
refusal as problem+json."""

from __future__ import annotations

import uuid

import pytest

from tests.api.write_api_support import admit_another, assert_problem, positions, record_generation
from tests.helpers import PROGRAM, VIDEO_TOOL, apply, open_program, post, seed, sha

# ---- auth -------------------------------------------------------------------


def test_missing_token_is_401_with_www_authenticate(client):
    response = client.post("/v1/programs", json=PROGRAM)
    assert_problem(response, 401, detail_has="bearer token is required")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_revoked_tokens_are_401(client, tokens, system):

    assert_problem(
        client.post("/v1/programs", json=PROGRAM, headers={"Authorization": "Bearer llt_nope"}), 401
    )
    store = system.tokens
    issued = store.create("staff")
    store.revoke(issued.id)
    assert_problem(
        client.post(
            "/v1/programs", json=PROGRAM, headers={"Authorization": f"Bearer {issued.token}"}
        ),
        401,
        detail_has="revoked",
    )


@pytest.mark.parametrize("role", ["auditor", "partner"])
def test_non_staff_roles_cannot_open_programs(client, tokens, role):
    assert_problem(client.post("/v1/programs", json=PROGRAM, headers=tokens.headers(role)), 403)


def test_artist_cannot_record_for_another_participant(client, tokens):
    seeded = seed(client, tokens, declare=False)
    other = admit_another(client, tokens, seeded.slug)
    response = record_generation(client, seeded, participant=other)
    assert_problem(response, 403, detail_has="only for themselves")


def test_staff_can_never_declare_ownership(client, tokens):
    seeded = seed(client, tokens, declare=False)
    body = {
        "title": "T",
        "content_sha256": sha("c"),
        "generation_ids": [seeded.generation],
        "statement": "s",
    }
    assert_problem(client.post("/v1/works", json=body, headers=tokens.staff), 403)


# ---- programs and tools ------------------------------------------------------


def test_open_program_returns_id_and_position(client, tokens):
    response = post(client, "/v1/programs", tokens.staff, PROGRAM, 201)
    body = response.get_json()
    assert body["slug"] == "seoul-2026" and uuid.UUID(body["id"])
    assert body["position"] == 1


def test_program_shows_tools_with_disclosures_and_seats(client, tokens):
    slug = open_program(client, tokens)
    body = client.get(f"/v1/programs/{slug}", headers=tokens.auditor).get_json()
    assert body["seats_used"] == 0 and body["seats_left"] == 21
    (tool,) = body["tools"]
    assert tool["limitations"] == VIDEO_TOOL["limitations"]
    assert tool["capabilities"] == VIDEO_TOOL["capabilities"]


def test_duplicate_slug_is_409(client, tokens):
    post(client, "/v1/programs", tokens.staff, PROGRAM, 201)
    assert_problem(
        client.post("/v1/programs", json=PROGRAM, headers=tokens.staff),
        409,
        detail_has="already exists",
    )


def test_unknown_program_is_404(client, tokens):
    assert_problem(client.get("/v1/programs/nowhere", headers=tokens.staff), 404)
    assert_problem(
        client.post("/v1/programs/nowhere/tools", json=VIDEO_TOOL, headers=tokens.staff), 404
    )


@pytest.mark.parametrize(
    "change, fields",
    [
        ({"capacity": 0}, {"capacity"}),
        ({"capacity": "21"}, {"capacity"}),
        ({"slug": "Not A Slug"}, {"slug"}),
        ({"ends_on": "2026-01-01"}, {"ends_on"}),
        ({"starts_on": "March"}, {"starts_on"}),
        ({"owner": "sponsor"}, {"owner"}),
        ({"name": ""}, {"name"}),
    ],
)
def test_invalid_program_is_422_with_field_errors_and_writes_nothing(
    client, tokens, change, fields
):
    response = client.post("/v1/programs", json=PROGRAM | change, headers=tokens.staff)
    assert_problem(response, 422, fields=fields)
    assert positions(client, tokens) == 0


def test_malformed_json_is_400_and_non_json_is_415(client, tokens):
    headers = tokens.staff | {"Content-Type": "application/json"}
    assert_problem(
        client.post("/v1/programs", data="{oops", headers=headers), 400, detail_has="not valid json"
    )
    assert_problem(
        client.post(
            "/v1/programs",
            data="slug=x",
            headers=tokens.staff | {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )


def test_body_over_one_mebibyte_is_413(client, tokens):
    big = {"x": "a" * (1024 * 1024)}
    assert_problem(client.post("/v1/programs", json=big, headers=tokens.staff), 413)


def test_unknown_route_404_and_wrong_method_405_are_problems(client, tokens):
    assert_problem(client.get("/v1/nothing-here"), 404)
    response = client.delete("/v1/programs", headers=tokens.staff)
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_registering_a_tool_twice_is_409(client, tokens):
    slug = open_program(client, tokens)
    assert_problem(
        client.post(f"/v1/programs/{slug}/tools", json=VIDEO_TOOL, headers=tokens.staff), 409
    )


def test_disclosure_update_adds_a_version(client, tokens):
    slug = open_program(client, tokens)
    post(
        client,
        f"/v1/programs/{slug}/tools/video/disclosure",
        tokens.staff,
        {"version": "2.2", "capabilities": ["1080p"], "limitations": ["no faces"]},
        200,
    )
    (tool,) = client.get(f"/v1/programs/{slug}", headers=tokens.staff).get_json()["tools"]
    assert tool["version"] == "2.2" and tool["versions"] == ["2.1", "2.2"]


def test_a_closed_program_refuses_applications_and_admissions(client, tokens):
    slug = open_program(client, tokens)
    pending = apply(client, tokens, slug)
    post(client, f"/v1/programs/{slug}/close", tokens.staff, None, 200)
    assert client.get(f"/v1/programs/{slug}", headers=tokens.staff).get_json()["closed"] is True
    assert_problem(
        client.post(f"/v1/applications/{pending}/admit", headers=tokens.staff),
        409,
        detail_has="closed",
    )
    body = {
        "artist_name": "Late",
        "email": "late@example.org",
        "portfolio_url": "https://example.org",
        "statement": "s",
    }
    assert_problem(
        client.post(f"/v1/programs/{slug}/applications", json=body, headers=tokens.staff),
        409,
        detail_has="closed",
    )
    assert_problem(client.post(f"/v1/programs/{slug}/close", headers=tokens.staff), 409)


def test_openapi_document_lists_the_write_endpoints(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in [
        "/v1/programs",
        "/v1/applications/{application_id}/admit",
        "/v1/works",
        "/v1/exhibitions/{exhibition_id}/works",
    ]:
        assert path in paths
