"""The served /openapi.json tells the truth: schemathesis' conformance checks
(status codes, content types, response schemas, no server error) hold for
requests built from it, sent anonymously and as staff, partner and artist to
a store holding the demo, so the reads answer with real records. Every
operation declares its security; every error is problem+json."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.demo import load_demo
from tests.api.schemathesis_support import aimed, operations, run_examples
from transparency.follower import TreeBuilder

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
AIMED, UNAIMED = 8, 2  # examples per operation: at known records, anywhere
SUCCESS = {200, 201, 202, 204}


@pytest.fixture
def demo_app(settings, system) -> tuple[Any, dict[str, Any], list[dict[str, str]]]:
    issued = load_demo(system, echo=lambda _: None)
    tree = TreeBuilder(system.log, system.db, system.settings).catch_up()
    assert 0 < tree.size < 256  # one partial tile
    app = create_app(settings, system=system)
    app.config["TESTING"] = True
    client = app.test_client()
    roles = {role: {"Authorization": f"Bearer {token}"} for role, token in issued.items()}
    roster = client.get("/v1/programs/seoul-2026/roster", headers=roles["staff"]).get_json()
    [work] = client.get("/v1/works?limit=1").get_json()["items"]
    endpoint = client.post(
        "/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"}, headers=roles["partner"]
    ).get_json()
    artist = system.tokens.authenticate(issued["artist"].strip())
    known = {
        "slug": "seoul-2026",
        "tool": "video",
        "participant_id": str(artist.participant_id),
        "application_id": roster["applications"][1]["id"],
        "work_id": work["id"],
        "exhibition_id": work["exhibitions"][0]["id"],
        "endpoint_id": endpoint["id"],
        "index": work["position"] - 1,
        # the demo's tree is one partial level-0 tile: its hashes and its entries
        "level": "0",
        "tile": f"000.p/{tree.size}",
        # query parameters too, so the proofs are asked of a tree that exists
        "first": 3,
        "second": roster["position"],
        "tree_size": roster["position"],
    }
    return app, known, [{}, roles["staff"], roles["partner"], roles["artist"]]


def test_every_response_conforms_to_the_served_document(demo_app):
    app, known, roles = demo_app
    seen: dict[str, set[int]] = {}

    def check(case: Any, _: Any) -> None:
        for headers in roles:
            response = case.call(headers=headers)
            seen.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)

    for operation in sorted(operations(app), key=_reads_then_writes_then_removals):
        run_examples(aimed(operation, known, GenerationMode.POSITIVE), AIMED, check)
        run_examples(operation.as_strategy(GenerationMode.POSITIVE), UNAIMED, check)
    assert len(seen) >= 34
    # Every read answered with a record, and writes too, not only their errors.
    failed = {label: statuses for label, statuses in seen.items() if not statuses & SUCCESS}
    assert not [label for label in failed if label.startswith("GET ")], failed
    assert len(failed) <= len(seen) // 4, failed


def _reads_then_writes_then_removals(operation: Any) -> tuple[bool, bool, bool]:
    """A write may change what a later read finds; a program closed or an
    endpoint deleted early would leave the rest little to do."""
    label = operation.label
    return (not label.startswith("GET "), label.endswith("/close"), label.startswith("DELETE "))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]


def test_every_operation_declares_its_security_and_its_errors_as_problems(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    public = set()
    for method, path, operation in _operations(spec):
        assert operation["security"] in ([], [{"bearer": []}]), (method, path)
        if operation["security"]:
            assert {"401", "403"} & set(operation["responses"]), (method, path)
        else:
            public.add(f"{method} {path}")
        assert "default" not in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                ref = response["$ref"].rsplit("/", 1)[1]
                content = spec["components"]["responses"][ref]["content"]
                assert set(content) == {"application/problem+json"}, (method, path, status)
    assert "GET /v1/works/{work_id}/certificate" in public
    assert "GET /v1/events" not in public
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


def test_non_json_responses_declare_their_media_types(client):
    spec = client.get("/openapi.json").get_json()

    def media(path: str) -> set[str]:
        return set(spec["paths"][path]["get"]["responses"]["200"]["content"])

    assert media("/v1/transparency/checkpoint") == {"text/plain"}
    assert media("/v1/transparency/public-key") == {"text/plain"}
    assert media("/v1/programs/{slug}/audit-report") == {"application/json", "text/csv"}
    assert media("/v1/programs/{slug}/roster") == {"application/json", "text/csv"}


def test_reads_document_their_etag_and_304(client):
    spec = client.get("/openapi.json").get_json()
    for path in ("/v1/participants/{participant_id}", "/v1/programs/{slug}/roster"):
        operation = spec["paths"][path]["get"]
        assert "304" in operation["responses"], path
        assert "ETag" in operation["responses"]["200"]["headers"], path
        assert {"$ref": "#/components/parameters/IF_NONE_MATCH"} in operation["parameters"]


def test_the_bearer_token_is_what_the_document_says_it_is(client, tokens):
    """Swagger's Authorize sends `Authorization: Bearer <token>`: that works."""
    response = client.get("/v1/events?limit=1", headers=tokens.staff)
    assert response.status_code == 200
    anonymous = client.get("/v1/events?limit=1")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    assert client.get(f"/v1/works/{uuid4()}").mimetype == "application/problem+json"
