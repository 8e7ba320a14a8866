"""What a partner's or an attacker's odd requests get from `labledger serve`
on SQLite and PostgreSQL: a clear 4xx problem that writes nothing. The tests
share one server per store (`module_server`): each opens its own program."""

from __future__ import annotations

import json

import requests

from tests.helpers import PROGRAM, VIDEO_TOOL, sha, unique_slug

MAX_POSITION = 2**63 - 1


def _head(base: str) -> int:
    """The log head, as the API names it for a position beyond it."""
    answer = requests.get(f"{base}/v1/works?min_position={MAX_POSITION}", timeout=10)
    assert answer.status_code == 422, answer.text
    return answer.json()["head"]


def _raw(base: str, path: str, headers: dict[str, str], body: str) -> requests.Response:
    return requests.post(
        f"{base}{path}",
        data=body.encode(),
        headers=headers | {"Content-Type": "application/json"},
        timeout=10,
    )


def test_a_member_named_twice_in_a_body_is_422_naming_it_and_writes_nothing(module_server):
    """`{"slug": "a", "slug": "b"}` opened program "b": a proxy, a signer or
    a log reading the same bytes may take "a"."""
    server = module_server
    staff = server.shared_token("staff")
    head = _head(server.base)
    members = json.dumps(PROGRAM | {"slug": unique_slug("once")})[1:-1]
    other = unique_slug("twice")
    twice = "{" + members + f', "slug": "{other}"}}'
    nested = (
        '{"url": "http://127.0.0.1:9/hook", "description": "d", '
        '"event_types": ["work.ownership_declared"], "x": {"a": 1, "a": 2}}'
    )
    for path, headers, body, name in [
        ("/v1/programs", staff, twice, "slug"),
        ("/v1/webhooks/endpoints", server.shared_token("partner"), nested, "a"),
    ]:
        answer = _raw(server.base, path, headers, body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["Content-Type"] == "application/problem+json"
        problem = answer.json()
        assert problem["errors"] == {name: ["Given more than once."]}
        assert {"type", "title", "status", "detail"} <= set(problem)
    assert _head(server.base) == head
    assert requests.get(f"{server.base}/v1/programs/{other}", timeout=10).status_code == 404
    opened = _raw(server.base, "/v1/programs", staff, "{" + members + "}")
    assert opened.status_code == 201, opened.text


def _post(base: str, path: str, headers: dict[str, str], body: object = None) -> dict:
    answer = requests.post(f"{base}{path}", json=body or {}, headers=headers, timeout=10)
    assert answer.status_code in (200, 201), (path, answer.text)
    return answer.json()


def test_the_log_reads_wait_for_min_position_as_every_read_does(module_server):
    """An artist who declared a work asks for its certificate at the
    declaration's position, as the contract says every read may; it was 422
    'Unknown field' on every transparency read but the checkpoint."""
    server, slug = module_server, unique_slug()
    base, staff = server.base, server.shared_token("staff")
    _post(base, "/v1/programs", staff, PROGRAM | {"slug": slug})
    _post(base, f"/v1/programs/{slug}/tools", staff, VIDEO_TOOL)
    application = {"artist_name": "Kim", "email": "kim@example.org"}
    application |= {"portfolio_url": "https://p.example.org", "statement": "s"}
    pid = _post(base, f"/v1/programs/{slug}/applications", staff, application)["id"]
    _post(base, f"/v1/applications/{pid}/admit", staff)
    _post(base, f"/v1/participants/{pid}/grants", staff, {"tool": "video"})
    artist = server.token("artist", pid)
    generation = {"tool": "video", "tool_version": "2.1", "media_type": "video/mp4"}
    generation["output_sha256"] = sha("o")
    made = _post(base, f"/v1/participants/{pid}/generations", artist, generation)
    work = {"title": "T", "content_sha256": sha("w"), "statement": "mine."}
    declared = _post(base, "/v1/works", artist, work | {"generation_ids": [made["id"]]})
    at = declared["position"]
    certificate = requests.get(
        f"{base}/v1/works/{declared['id']}/certificate?min_position={at}", timeout=10
    )
    assert certificate.status_code == 200, certificate.text
    index = certificate.json()["leaf_index"]
    for read in [
        f"/v1/transparency/leaves/{index}",
        f"/v1/transparency/proofs/inclusion?index={index}",
        "/v1/transparency/proofs/consistency?first=1",
        "/v1/transparency/checkpoints",
        "/v1/transparency/public-key",
        "/v1/transparency/checkpoint",
    ]:
        joiner = "&" if "?" in read else "?"
        answer = requests.get(f"{base}{read}{joiner}min_position={at}", timeout=10)
        assert answer.status_code == 200, (read, answer.text)
        beyond = requests.get(f"{base}{read}{joiner}min_position={at + 1000}", timeout=10)
        assert beyond.status_code == 422 and beyond.json()["head"] == at, (read, beyond.text)


def test_removing_a_webhook_endpoint_is_204_with_no_content_and_no_type(module_server):
    server = module_server
    partner = server.shared_token("partner")
    hook = {"url": "http://127.0.0.1:9/hook", "description": "d"}
    added = _post(server.base, "/v1/webhooks/endpoints", partner, hook)
    url = f"{server.base}/v1/webhooks/endpoints/{added['id']}"
    removed = requests.delete(url, headers=partner, timeout=10)
    assert removed.status_code == 204
    assert removed.content == b"" and "Content-Type" not in removed.headers
    again = requests.delete(url, headers=partner, timeout=10)
    assert again.status_code == 404 and again.headers["Content-Type"] == "application/problem+json"
