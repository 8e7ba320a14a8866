"""Write endpoints for applications, admission, grants and generations: each success,
and each class of refusal as problem+json."""

from __future__ import annotations

import uuid

from tests.api.write_api_support import assert_problem, record_generation
from tests.helpers import apply, open_program, post, seed

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
