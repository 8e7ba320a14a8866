"""Write endpoints for works and exhibitions: each success, and each class of refusal
as problem+json."""

from __future__ import annotations

import uuid

from tests.api.write_api_support import admit_another, assert_problem
from tests.helpers import post, schedule_exhibition, seed, sha

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
    exhibition = schedule_exhibition(client, tokens, seeded.slug)
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
    exhibition = schedule_exhibition(client, tokens, seeded.slug, title="Show")
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
