"""Each write endpoint: its success, and each class of refusal as problem+json."""

from __future__ import annotations

import uuid

import pytest

from tests.helpers import PROGRAM, VIDEO_TOOL, apply, open_program, post, seed, sha


def assert_problem(response, status: int, *, detail_has: str = "", fields: set[str] | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"].startswith("https://")
    assert detail_has.lower() in body["detail"].lower()
    if fields is not None:
        assert set(body["errors"]) == fields
    return body


def record_generation(client, seeded, participant=None, **changes):
    """The seeded artist records a generation (for `participant`, default themselves)."""
    body = {
        "tool": "video",
        "tool_version": "2.1",
        "output_sha256": sha("generated"),
        "media_type": "video/mp4",
    } | changes
    return client.post(
        f"/v1/participants/{participant or seeded.participant}/generations",
        json=body,
        headers=seeded.artist_headers,
    )


def admit_another(client, tokens, slug: str) -> str:
    other = apply(client, tokens, slug, "Lee Ji-ho")
    post(client, f"/v1/applications/{other}/admit", tokens.staff, None, 200)
    return other


def positions(client, tokens) -> int:
    return client.get("/readyz").get_json()["checks"]["store"]["position"]


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


# ---- applications and admission ----------------------------------------------


def test_admission_is_refused_when_full(client, tokens):
    slug = open_program(client, tokens, capacity=1)
    first, second = apply(client, tokens, slug, "Kim A"), apply(client, tokens, slug, "Lee B")
    post(client, f"/v1/applications/{first}/admit", tokens.staff, None, 200)
    body = assert_problem(
        client.post(f"/v1/applications/{second}/admit", headers=tokens.staff),
        409,
        detail_has="seats taken",
    )
    assert body["title"] == "Program is full"


def test_admitting_twice_is_409_not_pending(client, tokens):
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    assert_problem(
        client.post(f"/v1/applications/{pid}/admit", headers=tokens.staff),
        409,
        detail_has="not pending",
    )


def test_withdrawal_releases_the_seat(client, tokens):
    slug = open_program(client, tokens, capacity=1)
    first, second = apply(client, tokens, slug, "Kim A"), apply(client, tokens, slug, "Lee B")
    post(client, f"/v1/applications/{first}/admit", tokens.staff, None, 200)
    post(client, f"/v1/applications/{first}/withdraw", tokens.staff, {"reason": "moved"}, 200)
    post(client, f"/v1/applications/{second}/admit", tokens.staff, None, 200)
    assert client.get(f"/v1/programs/{slug}", headers=tokens.staff).get_json()["seats_used"] == 1


def test_decline_needs_a_reason(client, tokens):
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    assert_problem(
        client.post(f"/v1/applications/{pid}/decline", json={}, headers=tokens.staff),
        422,
        fields={"reason"},
    )
    post(client, f"/v1/applications/{pid}/decline", tokens.staff, {"reason": "full"}, 200)


def test_unknown_application_is_404_and_bad_id_is_404(client, tokens):
    assert_problem(client.post(f"/v1/applications/{uuid.uuid4()}/admit", headers=tokens.staff), 404)
    assert_problem(client.post("/v1/applications/not-a-uuid/admit", headers=tokens.staff), 404)


def test_application_with_bad_email_and_url_is_422(client, tokens):
    slug = open_program(client, tokens)
    body = {
        "artist_name": "Kim",
        "email": "not-an-email",
        "portfolio_url": "ftp://x",
        "statement": "s",
    }
    assert_problem(
        client.post(f"/v1/programs/{slug}/applications", json=body, headers=tokens.staff),
        422,
        fields={"email", "portfolio_url"},
    )


# ---- grants and generations ---------------------------------------------------


def test_grant_of_unregistered_tool_is_409(client, tokens):
    seeded = seed(client, tokens, declare=False)
    assert_problem(
        client.post(
            f"/v1/participants/{seeded.participant}/grants",
            json={"tool": "music"},
            headers=tokens.staff,
        ),
        409,
        detail_has="not registered",
    )


def test_grant_to_a_pending_applicant_is_409(client, tokens):
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    assert_problem(
        client.post(f"/v1/participants/{pid}/grants", json={"tool": "video"}, headers=tokens.staff),
        409,
        detail_has="not admitted",
    )


def test_generation_after_revocation_is_409(client, tokens):
    seeded = seed(client, tokens, declare=False)
    post(
        client,
        f"/v1/participants/{seeded.participant}/grants/video/revoke",
        tokens.staff,
        {"reason": "misuse"},
        200,
    )
    assert_problem(record_generation(client, seeded), 409, detail_has="no active")


def test_generation_with_unregistered_version_is_409(client, tokens):
    seeded = seed(client, tokens, declare=False)
    assert_problem(record_generation(client, seeded, tool_version="9.9"), 409, detail_has="9.9")


def test_generation_with_bad_hash_is_422(client, tokens):
    seeded = seed(client, tokens, declare=False)
    response = record_generation(
        client, seeded, output_sha256="ABC", media_type="video mp4", generated_at="yesterday"
    )
    assert_problem(response, 422, fields={"output_sha256", "media_type", "generated_at"})


def test_generation_dated_in_the_future_is_422(client, tokens):
    seeded = seed(client, tokens, declare=False)
    response = record_generation(client, seeded, generated_at="2099-01-01T00:00:00Z")
    assert_problem(response, 422, detail_has="future")


# ---- works and exhibitions -------------------------------------------------------


def test_declaring_another_artists_generation_is_409(client, tokens):
    seeded = seed(client, tokens, declare=False)
    other = admit_another(client, tokens, seeded.slug)
    body = {
        "title": "Stolen",
        "content_sha256": sha("s"),
        "generation_ids": [seeded.generation],
        "statement": "not mine",
    }
    assert_problem(
        client.post("/v1/works", json=body, headers=tokens.artist(other)),
        409,
        detail_has="not recorded by this artist",
    )


def test_a_content_hash_has_at_most_one_owner(client, tokens):
    seeded = seed(client, tokens)
    body = {
        "title": "Again",
        "content_sha256": seeded.content_sha256,
        "generation_ids": [seeded.generation],
        "statement": "again",
    }
    problem = assert_problem(
        client.post("/v1/works", json=body, headers=seeded.artist_headers),
        409,
        detail_has="already has a declared owner",
    )
    assert problem["work_id"] == seeded.work


def test_unknown_generation_is_404(client, tokens):
    seeded = seed(client, tokens, declare=False)
    body = {
        "title": "T",
        "content_sha256": sha("u"),
        "generation_ids": [str(uuid.uuid4())],
        "statement": "s",
    }
    assert_problem(client.post("/v1/works", json=body, headers=seeded.artist_headers), 404)


def test_exhibition_credits_exactly_the_declared_owner(client, tokens):
    seeded = seed(client, tokens)
    exhibition = post(
        client,
        "/v1/exhibitions",
        tokens.staff,
        {
            "program": seeded.slug,
            "title": "Synthetic Seoul",
            "venue": "DDP",
            "opens_on": "2026-04-01",
            "closes_on": "2026-04-30",
        },
        201,
    ).get_json()["id"]
    hung = post(
        client, f"/v1/exhibitions/{exhibition}/works", tokens.staff, {"work_id": seeded.work}, 201
    ).get_json()
    assert hung["credited_artist"] == seeded.participant
    assert_problem(
        client.post(
            f"/v1/exhibitions/{exhibition}/works",
            json={"work_id": seeded.work},
            headers=tokens.staff,
        ),
        409,
    )


def test_hanging_an_undeclared_work_is_409(client, tokens):
    seeded = seed(client, tokens, declare=False)
    exhibition = post(
        client,
        "/v1/exhibitions",
        tokens.staff,
        {
            "program": seeded.slug,
            "title": "Show",
            "venue": "DDP",
            "opens_on": "2026-04-01",
            "closes_on": "2026-04-30",
        },
        201,
    ).get_json()["id"]
    assert_problem(
        client.post(
            f"/v1/exhibitions/{exhibition}/works",
            json={"work_id": str(uuid.uuid4())},
            headers=tokens.staff,
        ),
        409,
        detail_has="no ownership is declared",
    )


def test_exhibition_for_unknown_program_is_404(client, tokens):
    assert_problem(
        client.post(
            "/v1/exhibitions",
            json={
                "program": "nowhere",
                "title": "Show",
                "venue": "DDP",
                "opens_on": "2026-04-01",
                "closes_on": "2026-04-30",
            },
            headers=tokens.staff,
        ),
        404,
    )


def test_openapi_document_lists_the_write_endpoints(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in [
        "/v1/programs",
        "/v1/applications/{application_id}/admit",
        "/v1/works",
        "/v1/exhibitions/{exhibition_id}/works",
    ]:
        assert path in paths
