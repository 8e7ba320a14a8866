"""What every response carries (security headers; no-store where a token
reads), and why no client can grow /metrics."""

from __future__ import annotations

import random
import re
import string

import pytest

from api.boundary import DOCS_CSP
from tests.helpers import seed

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def assert_secured(response, csp: str = "default-src 'none'; frame-ancestors 'none'") -> None:
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert response.headers.get("Content-Security-Policy") == csp


@pytest.fixture
def seeded(client, tokens):
    return seed(client, tokens)


def test_every_kind_of_response_carries_the_security_headers(client, tokens, seeded):
    responses = [
        client.get(f"/v1/works/{seeded.work}"),  # public JSON
        client.get("/v1/transparency/public-key"),  # text/plain
        client.get("/nowhere"),  # 404
        client.get("/v1/events"),  # 401
        client.post("/v1/programs", json={}, headers=tokens.staff),  # 422
        client.open("/v1/works", method="BREW"),  # 405
        client.get("/metrics"),
        client.get("/openapi.json"),
        client.get("/healthz"),
    ]
    for response in responses:
        assert_secured(response)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/v1/works", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/log/checkpoint", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_options_answers_what_is_allowed_with_no_content_and_the_apis_headers(
    client, path, allowed
):
    response = client.options(path)
    assert response.status_code == 204 and response.data == b""
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert "Content-Type" not in response.headers
    assert_secured(response)  # the API's policy, not the pages'


def test_the_docs_page_runs_scripts_from_this_origin_only(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert_secured(page, csp=DOCS_CSP)
    assert "script-src 'self'" in DOCS_CSP and "unsafe" not in DOCS_CSP


def test_reads_with_a_token_are_no_store_and_public_reads_stay_cacheable(client, tokens, seeded):
    personal = [
        client.get(f"/v1/programs/{seeded.slug}/roster", headers=tokens.staff),
        client.get(f"/v1/programs/{seeded.slug}/roster", headers=tokens.auditor),
        client.get("/v1/events", headers=tokens.staff),
        client.get(f"/v1/programs/{seeded.slug}/audit-report", headers=tokens.auditor),
        client.get(f"/v1/programs/{seeded.slug}", headers=seeded.artist_headers),
        client.get("/v1/webhooks/endpoints", headers=tokens.partner),
        client.post(
            "/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/h"}, headers=tokens.partner
        ),  # carries the signing secret
    ]
    for response in personal:
        assert response.status_code in (200, 201), response.get_json()
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    public = client.get(f"/v1/works/{seeded.work}")
    assert public.status_code == 200 and "no-store" not in public.headers.get("Cache-Control", "")
    checkpoint = client.get("/v1/transparency/checkpoint")
    assert checkpoint.headers["Cache-Control"] == "no-cache"


def _series(client) -> set[str]:
    text = client.get("/metrics").get_data(as_text=True)
    return set(re.findall(r"^labledger_http_\w+\{[^}]*\}", text, re.MULTILINE))


def test_random_http_methods_do_not_grow_the_metrics(client, tokens):
    rng = random.Random(8)
    paths = ["/v1/works", "/v1/programs/x", "/nowhere", "/metrics"]
    for path in paths:  # every route and status these requests can meet, once
        client.open(path, method="BREW")
    before = _series(client)
    for _ in range(200):
        method = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 12)))
        response = client.open(rng.choice(paths), method=method)
        assert 400 <= response.status_code < 500 or method in METHODS
    after = _series(client)
    assert after - before <= {s for s in after if 'method="GET"' in s}  # /metrics scrapes
    methods = set(re.findall(r'method="([^"]*)"', "\n".join(after)))
    assert methods <= METHODS | {"other"}
