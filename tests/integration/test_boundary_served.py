"""Issue 8's reproductions against `labledger serve` (gunicorn, its background
worker) on SQLite and PostgreSQL: each is a 4xx problem, and afterwards the
roster, the registry, the feed and readiness still answer. The tests share one
server per store (`module_server`)."""

from __future__ import annotations

import random
import re
import string

import requests

from tests.helpers import unique_slug

PROGRAM = {
    "name": "Seoul",
    "city": "Seoul",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-31",
    "capacity": 21,
}
TOOL = {
    "tool": "image",
    "name": "Still",
    "provider": "Example",
    "version": "1",
    "capabilities": ["stills"],
    "limitations": ["none"],
}
APPLICATION = {
    "artist_name": "Kim",
    "email": "kim@example.org",
    "portfolio_url": "https://p.example.org",
    "statement": "s",
}


def _post(server, path: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(f"{server.base}{path}", json=body, headers=headers, timeout=10)


def _raw(server, path: str, headers: dict[str, str], body: str) -> requests.Response:
    return requests.post(
        f"{server.base}{path}",
        data=body.encode(),
        timeout=10,
        headers=headers | {"Content-Type": "application/json"},
    )


def test_the_reproductions_are_4xx_and_the_store_keeps_working(module_server):
    server, slug = module_server, unique_slug()
    staff, partner = server.shared_token("staff"), server.shared_token("partner")
    assert _post(server, "/v1/programs", staff, PROGRAM | {"slug": slug}).status_code == 201
    assert _post(server, f"/v1/programs/{slug}/tools", staff, TOOL).status_code == 201
    applied = _post(server, f"/v1/programs/{slug}/applications", staff, APPLICATION).json()
    pid = applied["id"]
    admitted = _post(server, f"/v1/applications/{pid}/admit", staff, {})
    assert admitted.status_code == 200
    last = admitted.json()["position"]  # the reads below wait for their views to reach it
    base = server.base

    refused = {
        "poison instant": _post(
            server,
            f"/v1/participants/{pid}/grants",
            staff,
            {"tool": "image", "expires_at": "9999-12-31T23:59:59-14:00"},
        ),
        "NUL name": _post(
            server,
            f"/v1/programs/{slug}/applications",
            staff,
            APPLICATION | {"artist_name": "Nul\u0000Artist"},
        ),
        "lone surrogate": _raw(
            server,
            f"/v1/programs/{slug}/applications",
            staff,
            '{"artist_name": "\\ud800", "email": "a@b.org", '
            '"portfolio_url": "https://p.example.org", "statement": "s"}',
        ),
        "3,000 deep": _raw(server, "/v1/programs", staff, "[" * 3000 + "]" * 3000),
        "5,000 digits": _raw(
            server, "/v1/programs", staff, '{"slug": "x", "capacity": ' + "9" * 5000 + "}"
        ),
        "owner NUL": requests.get(f"{base}/v1/works?owner=%00", timeout=10),
        "slug NUL": requests.get(f"{base}/v1/programs/a%00b/roster", headers=staff, timeout=10),
        "after NUL": requests.get(
            f"{base}/v1/webhooks/endpoints?after=%00", headers=partner, timeout=10
        ),
        "endpoint NUL": requests.get(
            f"{base}/v1/webhooks/endpoints/a%00b", headers=partner, timeout=10
        ),
        "description NUL": _post(
            server,
            "/v1/webhooks/endpoints",
            partner,
            {"url": "http://127.0.0.1:9/h", "description": "a\u0000"},
        ),
        "not a work": requests.get(f"{base}/v1/works/{pid}/certificate", timeout=10),
    }
    for name, response in refused.items():
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        assert response.headers["Content-Type"] == "application/problem+json", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name

    for path in (
        f"/v1/programs/{slug}/roster",
        "/v1/works",
        "/v1/events",
        f"/v1/programs/{slug}/audit-report",
    ):
        response = requests.get(
            f"{base}{path}", params={"min_position": last}, headers=staff, timeout=10
        )
        assert response.status_code == 200, (path, response.text)
        assert response.headers["Cache-Control"] == "no-store", path
    assert requests.get(f"{base}/readyz", timeout=10).status_code == 200


def _method_labels(server) -> set[str]:
    text = requests.get(f"{server.base}/metrics", timeout=10).text
    return set(re.findall(r'^labledger_http_[^{]*\{[^}]*method="([^"]*)"', text, re.MULTILINE))


def test_random_http_methods_do_not_grow_the_served_metrics(module_server):
    server = module_server
    rng = random.Random(5)
    for _ in range(200):
        method = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 12)))
        response = requests.request(method, f"{server.base}/v1/works", timeout=10)
        assert response.status_code < 500, (method, response.status_code)
    assert _method_labels(server) <= {
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "OPTIONS",
        "other",
    }
