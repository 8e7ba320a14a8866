"""What a partner's or an attacker's odd requests get from `labledger serve`
on SQLite and PostgreSQL: a clear 4xx problem that writes nothing."""

from __future__ import annotations

import json

import requests

from tests.helpers import PROGRAM

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


def test_a_member_named_twice_in_a_body_is_422_naming_it_and_writes_nothing(server):
    """`{"slug": "a", "slug": "b"}` opened program "b": a proxy, a signer or
    a log reading the same bytes may take "a"."""
    staff = server.token("staff")
    head = _head(server.base)
    members = json.dumps(PROGRAM)[1:-1]
    twice = "{" + members + ', "slug": "other-slug"}'
    nested = (
        '{"url": "http://127.0.0.1:9/hook", "description": "d", '
        '"event_types": ["work.ownership_declared"], "x": {"a": 1, "a": 2}}'
    )
    for path, headers, body, name in [
        ("/v1/programs", staff, twice, "slug"),
        ("/v1/webhooks/endpoints", server.token("partner"), nested, "a"),
    ]:
        answer = _raw(server.base, path, headers, body)
        assert answer.status_code == 422, answer.text
        assert answer.headers["Content-Type"] == "application/problem+json"
        problem = answer.json()
        assert problem["errors"] == {name: ["Given more than once."]}
        assert {"type", "title", "status", "detail"} <= set(problem)
    assert _head(server.base) == head
    assert requests.get(f"{server.base}/v1/programs/other-slug", timeout=10).status_code == 404
    opened = _raw(server.base, "/v1/programs", staff, "{" + members + "}")
    assert opened.status_code == 201, opened.text
