"""Validation at the boundary, strings: control characters, lone surrogates and trailing
newlines are 422s that write nothing, on both stores; line breaks stay in free text."""

from __future__ import annotations

import pytest

from tests.api.boundary_support import assert_refused, reads_still_work
from tests.helpers import PROGRAM, post, seed, sha

# ---- strings --------------------------------------------------------------------------

ONE_LINE_REFUSED = [
    "Nul\x00Artist",
    "esc\x1b[31m",
    "del\x7f",
    "c1\x85",
    "a\nb",
    "tab\there",
    "lone \ud800 surrogate",
    "\udfff",
    "Kim\u202eoeS",  # shown as "KimSeo": a credit that reads as someone else's
    "\u2067Kim\u2069",
]


def _application(**changes: str) -> dict[str, str]:
    return {
        "artist_name": "Kim",
        "email": "kim@example.org",
        "portfolio_url": "https://p.example.org",
        "statement": "s",
    } | changes


@pytest.mark.parametrize("value", ONE_LINE_REFUSED)
def test_control_characters_and_lone_surrogates_are_422_and_write_nothing(store_client, value):
    client, tokens, system = store_client
    s = seed(client, tokens)
    before = system.log.head()
    cases = [
        (f"/v1/programs/{s.slug}/applications", _application(artist_name=value), "artist_name"),
        ("/v1/programs", PROGRAM | {"slug": "busan-2026", "name": value}, "name"),
        ("/v1/programs", PROGRAM | {"slug": f"busan{value}"}, "slug"),
        (
            f"/v1/programs/{s.slug}/tools",
            {
                "tool": "image",
                "name": "n",
                "provider": "p",
                "version": "1",
                "capabilities": [value],
                "limitations": [],
            },
            "capabilities",
        ),
        (
            "/v1/exhibitions",
            {
                "program": s.slug,
                "title": "t",
                "venue": value,
                "opens_on": "2026-03-20",
                "closes_on": "2026-03-21",
            },
            "venue",
        ),
        (f"/v1/participants/{s.participant}/grants", {"tool": value}, "tool"),
    ]
    for path, body, field in cases:
        assert_refused(client.post(path, json=body, headers=tokens.staff), 422, field)
    work = client.post(
        "/v1/works",
        json={
            "title": value,
            "content_sha256": sha(repr(value)),
            "generation_ids": [s.generation],
            "statement": "s",
        },
        headers=s.artist_headers,
    )
    assert_refused(work, 422, "title")
    assert system.log.head() == before
    reads_still_work(client, tokens, s.slug)


@pytest.mark.parametrize("value", ["Nul\x00", "bell\x07", "\ud800", "c1\x9b"])
def test_free_text_refuses_control_characters_but_keeps_line_breaks_and_tabs(store_client, value):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/applications"
    assert_refused(
        client.post(path, json=_application(statement=value), headers=tokens.staff),
        422,
        "statement",
    )
    kept = "First line.\r\nSecond line,\tindented."
    written = post(client, path, tokens.staff, _application(statement=kept), 201).get_json()
    reason = {"reason": "Left the city.\nFor good."}
    post(client, f"/v1/applications/{written['id']}/decline", tokens.staff, reason, 200)


def test_a_nul_artist_name_cannot_reach_the_registry(store_client):
    """Issue 8, item 2: on PostgreSQL this stopped the registry for good."""
    client, tokens, system = store_client
    s = seed(client, tokens)
    response = client.post(
        f"/v1/programs/{s.slug}/applications",
        json=_application(artist_name="Nul\u0000Artist"),
        headers=tokens.staff,
    )
    assert_refused(response, 422, "artist_name")
    reads_still_work(client, tokens, s.slug)


def test_a_webhook_description_with_nul_is_422_and_newlines_are_kept(store_client):
    client, tokens, _ = store_client
    endpoint = {"url": "http://127.0.0.1:9/hook", "description": "bad\u0000"}
    refused = client.post("/v1/webhooks/endpoints", json=endpoint, headers=tokens.partner)
    assert_refused(refused, 422, "description")
    endpoint["description"] = "Foundation\nexhibition feed"
    created = post(client, "/v1/webhooks/endpoints", tokens.partner, endpoint, 201).get_json()
    assert created["description"] == "Foundation\nexhibition feed"


def test_a_trailing_newline_no_longer_slips_past_slug_and_hash_patterns(client, tokens, system):
    before = system.log.head()
    program = client.post("/v1/programs", json=PROGRAM | {"slug": "seoul\n"}, headers=tokens.staff)
    assert_refused(program, 422, "slug")
    s = seed(client, tokens, declare=False)
    generation = client.post(
        f"/v1/participants/{s.participant}/generations",
        json={
            "tool": "video",
            "tool_version": "2.1",
            "output_sha256": sha("x") + "\n",
            "media_type": "video/mp4\n",
        },
        headers=s.artist_headers,
    )
    body = assert_refused(generation, 422)
    assert {"output_sha256", "media_type"} <= set(body["errors"])
    assert system.log.head() > before  # the seed wrote; the refusals did not


def test_a_hash_is_accepted_in_either_case_and_kept_lowercase(client, tokens):
    s = seed(client, tokens, declare=False)
    upper = sha("upper").upper()
    post(
        client,
        "/v1/works",
        s.artist_headers,
        {"title": "t", "content_sha256": upper, "generation_ids": [s.generation], "statement": "s"},
        201,
    )
    [item] = client.get(f"/v1/works?sha256={upper}").get_json()["items"]
    assert item["content_sha256"] == upper.lower()


def test_an_idempotency_key_with_a_control_character_is_422(store_client):
    client, tokens, system = store_client
    before = system.log.head()
    response = client.post(
        "/v1/programs", json=PROGRAM, headers=tokens.staff | {"Idempotency-Key": "key\x01"}
    )
    assert_refused(response, 422, "Idempotency-Key")
    assert system.log.head() == before
