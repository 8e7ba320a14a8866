"""Contract details every client meets: unknown query parameters are refused
like unknown body fields, every timestamp is RFC 3339 UTC with `Z`, and a
`min_position` the log has not reached is 422 naming the head."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any

from api.app import create_app
from tests.helpers import post, seed, sha
from transparency.follower import TreeBuilder

Z_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_an_unknown_query_parameter_is_422_naming_it(client, tokens):
    s = seed(client, tokens)
    for path, headers in [
        ("/v1/works?title=Tide", {}),  # was: every work, as if no filter were given
        (f"/v1/works/{s.work}?verbose=1", {}),
        (f"/v1/programs/{s.slug}?format=csv", {}),
        (f"/v1/programs/{s.slug}/roster?as_of=1&fmt=csv", tokens.staff),
        ("/v1/events?after=0&typ=work.ownership_declared", tokens.auditor),
        ("/v1/transparency/public-key?download=1", {}),
        ("/v1/webhooks/endpoints?page=2", tokens.partner),
    ]:
        body = _problem(client.get(path, headers=headers), 422)
        unknown = path.split("?")[1].split("&")[-1].split("=")[0]
        assert body["errors"] == {unknown: ["Unknown field."]}, path


def test_declared_query_parameters_are_still_accepted(client, tokens):
    s = seed(client, tokens)
    found = client.get(f"/v1/works?sha256={s.content_sha256}&limit=5&after=0")
    assert found.status_code == 200
    assert [w["id"] for w in found.get_json()["items"]] == [s.work]
    assert client.get("/v1/webhooks/endpoints?after=", headers=tokens.partner).status_code == 200


def test_a_grant_echoes_its_expiry_in_utc_with_z(client, tokens):
    s = seed(client, tokens)
    revoke = {"reason": "granted again with an expiry"}
    post(client, f"/v1/participants/{s.participant}/grants/video/revoke", tokens.staff, revoke, 200)
    granted = post(
        client,
        f"/v1/participants/{s.participant}/grants",
        tokens.staff,
        {"tool": "video", "expires_at": "2036-03-20T18:00:00+09:00"},
        201,
    ).get_json()
    assert granted["expires_at"] == "2036-03-20T09:00:00.000000Z"
    roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    [entry] = [a for a in roster["applications"] if a["id"] == s.participant]
    assert granted["expires_at"] in {g["expires_at"] for g in entry["active_grants"]}


def _instants(value: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (field, value) whose field names a time: `*_at`, `timestamp`."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _instants(v, k)]
    if isinstance(value, list):
        return [pair for item in value for pair in _instants(item, key)]
    if isinstance(value, str) and (key.endswith("_at") or key in ("timestamp", "since")):
        return [(key, value)]
    return []


def test_every_timestamp_in_the_reads_is_utc_with_z(client, tokens, system):
    s = seed(client, tokens)
    revoke = {"reason": "granted again with an expiry"}
    post(client, f"/v1/participants/{s.participant}/grants/video/revoke", tokens.staff, revoke, 200)
    post(
        client,
        f"/v1/participants/{s.participant}/grants",
        tokens.staff,
        {"tool": "video", "expires_at": "2036-03-20T18:00:00+09:00"},
        201,
    )
    post(client, "/v1/webhooks/endpoints", tokens.partner, {"url": "http://127.0.0.1:9/h"}, 201)
    TreeBuilder(system.log, system.db, system.settings).catch_up()
    reads = [
        (f"/v1/programs/{s.slug}/roster", tokens.staff),
        (f"/v1/programs/{s.slug}/audit-report", tokens.auditor),
        ("/v1/works", {}),
        (f"/v1/works/{s.work}", {}),
        ("/v1/events", tokens.staff),
        ("/v1/transparency/leaves/0", {}),
        ("/v1/webhooks/endpoints", tokens.partner),
    ]
    seen = []
    for path, headers in reads:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        for field, value in _instants(response.get_json()):
            seen.append(field)
            assert value is None or Z_INSTANT.match(value), (path, field, value)
    assert {"expires_at", "timestamp", "declared_at", "created_at"} <= set(seen)


def test_min_position_beyond_the_log_head_is_422_naming_the_head_without_waiting(
    settings, system, tokens
):
    client = create_app(replace(settings, read_wait=30.0), system=system).test_client()
    s = seed(client, tokens)
    head = system.log.head()
    for path, headers in [
        (f"/v1/programs/{s.slug}/roster", tokens.staff),
        ("/v1/works", {}),
        (f"/v1/works/{s.work}", {}),
        (f"/v1/programs/{s.slug}/audit-report", tokens.auditor),
        ("/v1/events", tokens.auditor),
        ("/v1/transparency/checkpoint", {}),
    ]:
        started = time.monotonic()
        response = client.get(path, query_string={"min_position": head + 1}, headers=headers)
        assert time.monotonic() - started < 5, path
        body = _problem(response, 422)
        assert body["head"] == head, path
        assert body["errors"] == {"min_position": [f"must be at most {head}, the log's head"]}
        assert "Retry-After" not in response.headers


def test_every_hash_input_is_accepted_in_either_case_and_kept_lowercase(client, tokens):
    s = seed(client, tokens, declare=False)
    output, prompt, content = (sha(name).upper() for name in ("out-2", "prompt-2", "work-2"))
    generation = post(
        client,
        f"/v1/participants/{s.participant}/generations",
        s.artist_headers,
        {
            "tool": "video",
            "tool_version": "2.1",
            "output_sha256": output,
            "media_type": "video/mp4",
            "prompt_sha256": prompt,
        },
        201,
    ).get_json()["id"]
    post(
        client,
        "/v1/works",
        s.artist_headers,
        {"title": "t", "content_sha256": content, "generation_ids": [generation], "statement": "s"},
        201,
    )
    events = client.get("/v1/events", headers=tokens.staff).get_json()["items"]
    [recorded] = [e["data"] for e in events if e["aggregate_id"] == generation]
    assert (recorded["output_sha256"], recorded["prompt_sha256"]) == (
        output.lower(),
        prompt.lower(),
    )
    found = client.get("/v1/works", query_string={"sha256": content}).get_json()["items"]
    assert [w["content_sha256"] for w in found] == [content.lower()]


def test_every_422_has_one_title_and_type_and_every_413_too(client, tokens, app):
    """A client matches problems by `type`: a schema's refusal, an unknown
    query parameter, the boundary's and a position past the head are the
    same kind of problem, so they carry the same type and title (RFC 9110's
    names). A domain rule's refusal keeps its own type."""
    seed(client, tokens)
    refusals = [
        client.post("/v1/programs", json={"slug": "x"}, headers=tokens.staff),  # the schema
        client.get("/v1/works?title=Tide"),  # an unknown query parameter
        client.get(f"/v1/works?min_position={10**6}"),  # past the head
        client.post(  # the boundary: an integer too long to be one
            "/v1/programs",
            data='{"capacity": ' + "9" * 5000 + "}",
            headers={**tokens.staff, "Content-Type": "application/json"},
        ),
    ]
    for response in refusals:
        body = _problem(response, 422)
        assert (body["title"], body["type"].rsplit("/", 1)[1]) == (
            "Unprocessable Content",
            "unprocessable-content",
        ), body
    app.config["MAX_CONTENT_LENGTH"] = 100
    body = _problem(client.post("/v1/programs", data="x" * 200, headers=tokens.staff), 413)
    assert (body["title"], body["type"].rsplit("/", 1)[1]) == (
        "Content Too Large",
        "content-too-large",
    )
