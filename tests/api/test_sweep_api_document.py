"""The served /openapi.json describes the headers and statuses the service
sends, not only the bodies: every read's `ETag` and 304 (the transparency
log and the webhook lists are tagged by their bodies' hash, not by the views'
positions, and were answered 304 without the document saying so), and the
`Retry-After` of every 503."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from api.app import create_app
from tests.helpers import apply, open_program, post, seed, sha
from transparency.follower import TreeBuilder


def _reads(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {path: item["get"] for path, item in spec["paths"].items() if "get" in item}


def _resolved(spec: dict[str, Any], parameter: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in parameter:
        return spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
    return parameter


def test_every_read_documents_its_etag_its_304_and_if_none_match(client):
    spec = client.get("/openapi.json").get_json()
    reads = _reads(spec)
    assert len(reads) >= 25
    for path, operation in reads.items():
        assert "304" in operation["responses"], path
        assert "ETag" in operation["responses"]["200"].get("headers", {}), path
        headers = [_resolved(spec, p) for p in operation["parameters"]]
        assert {"in": "header", "name": "If-None-Match"}.items() <= next(
            (h for h in headers if h["name"] == "If-None-Match"), {}
        ).items(), path


def test_the_reads_tagged_by_their_bodies_answer_the_304_they_document(client, tokens, system):
    seeded = seed(client, tokens)
    TreeBuilder(system.log, system.db, system.settings).catch_up()
    endpoint = client.post(
        "/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"}, headers=tokens.partner
    ).get_json()["id"]
    spec = client.get("/openapi.json").get_json()
    proofs = "/v1/transparency/proofs"
    reads = {
        "/v1/transparency/checkpoint": "/v1/transparency/checkpoint",
        "/v1/transparency/checkpoints": "/v1/transparency/checkpoints",
        "/v1/transparency/public-key": "/v1/transparency/public-key",
        "/v1/transparency/leaves/{index}": "/v1/transparency/leaves/0",
        f"{proofs}/inclusion": f"{proofs}/inclusion?index=0&tree_size=2",
        f"{proofs}/consistency": f"{proofs}/consistency?first=1&second=2",
        "/v1/works/{work_id}/certificate": f"/v1/works/{seeded.work}/certificate",
        "/log/checkpoint": "/log/checkpoint",
        "/v1/webhooks/endpoints": "/v1/webhooks/endpoints",
        "/v1/webhooks/endpoints/{endpoint_id}": f"/v1/webhooks/endpoints/{endpoint}",
    }
    for documented, url in reads.items():
        first = client.get(url, headers=tokens.partner)
        assert first.status_code == 200, (url, first.get_data(as_text=True))
        tag = first.headers["ETag"]
        again = client.get(url, headers=tokens.partner | {"If-None-Match": tag})
        assert again.status_code == 304, url
        assert "304" in spec["paths"][documented]["get"]["responses"], documented


def test_every_503_documents_the_retry_after_it_sends(settings, system, tokens):
    client = create_app(replace(settings, read_wait=0.1), system=system).test_client()
    seed(client, tokens)  # no tree builder runs: the tree stays behind the log
    spec = client.get("/openapi.json").get_json()
    unavailable = spec["components"]["responses"]["SERVICE_UNAVAILABLE"]
    assert unavailable["headers"]["Retry-After"]["schema"]["type"] == "integer"
    response = client.get(
        "/v1/transparency/checkpoint", query_string={"min_position": system.log.head()}
    )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 0
    operation = spec["paths"]["/v1/transparency/checkpoint"]["get"]
    assert operation["responses"]["503"] == {"$ref": "#/components/responses/SERVICE_UNAVAILABLE"}


def _pattern(spec: dict[str, Any], schema: str, field: str) -> re.Pattern[str]:
    return re.compile(spec["components"]["schemas"][schema]["properties"][field]["pattern"])


def test_hashes_are_documented_in_either_case_as_they_are_accepted(client, tokens):
    """The contract takes a hash in either case; the document said lowercase
    only, so a client checking its requests against it refused what the
    service takes. Answers are lowercase, and documented so."""
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    post(client, f"/v1/participants/{pid}/grants", tokens.staff, {"tool": "video"}, 201)
    output, prompt, content = sha("out").upper(), sha("prompt").upper(), sha("work").upper()
    generation = {"tool": "video", "tool_version": "2.1", "media_type": "video/mp4"}
    generation |= {"output_sha256": output, "prompt_sha256": prompt}
    artist = tokens.artist(pid)
    made = post(client, f"/v1/participants/{pid}/generations", artist, generation, 201)
    work = {"title": "T", "content_sha256": content, "statement": "mine."}
    work |= {"generation_ids": [made.get_json()["id"]]}
    post(client, "/v1/works", artist, work, 201)
    found = client.get(f"/v1/works?sha256={content}").get_json()["items"]
    assert [w["content_sha256"] for w in found] == [content.lower()]

    spec = client.get("/openapi.json").get_json()
    sent = {
        ("GenerationIn", "output_sha256"): output,
        ("GenerationIn", "prompt_sha256"): prompt,
        ("WorkIn", "content_sha256"): content,
    }
    for (schema, field), value in sent.items():
        assert _pattern(spec, schema, field).fullmatch(value), (schema, field)
    [query] = [
        p for p in spec["paths"]["/v1/works"]["get"]["parameters"] if p.get("name") == "sha256"
    ]
    assert re.fullmatch(query["schema"]["pattern"], content)
    answered = _pattern(spec, "Work", "content_sha256")
    assert answered.fullmatch(content.lower()) and not answered.fullmatch(content)
