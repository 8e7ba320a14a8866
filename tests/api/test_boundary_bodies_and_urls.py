"""Validation at the boundary, integers, JSON bodies and URLs: huge, deep, wide or
malformed input is a 4xx problem that writes nothing, on every route."""

from __future__ import annotations

import json

import pytest

from tests.api.boundary_support import assert_refused
from tests.helpers import PROGRAM, post, seed

# ---- integers and JSON bodies ---------------------------------------------------------


def _raw(client, path: str, body: str | bytes, headers: dict[str, str]):
    return client.post(path, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("capacity", ["9" * 5000, "-" + "9" * 5000, str(2**63), "1" + "0" * 20])
def test_huge_integers_are_422_naming_the_field(client, tokens, system, capacity):
    body = json.dumps(PROGRAM)[:-1] + f', "capacity": {capacity}}}'
    body = body.replace('"capacity": 21, ', "")
    assert_refused(_raw(client, "/v1/programs", body, tokens.staff), 422, "capacity")
    assert system.log.head() == 0


@pytest.mark.parametrize(
    "query",
    ["limit=" + "9" * 5000, "after=" + "9" * 5000, f"after={2**64}", "min_position=" + "9" * 5000],
)
def test_huge_integers_in_query_strings_are_422(client, tokens, query):
    assert client.get(f"/v1/works?{query}").status_code == 422


@pytest.mark.parametrize(
    "body, detail",
    [
        ("[" * 3000 + "]" * 3000, "deeper than 32"),
        ('{"name": ' + "[" * 33 + "]" * 33 + "}", "deeper than 32"),
        ('{"capacity": NaN}', "not valid JSON"),
        ('{"capacity": Infinity}', "not valid JSON"),
        (b'{"name": "\xff"}', "not valid UTF-8"),
        ("[" + ",".join(["0"] * 10_001) + "]", "more than 10000 values"),
        ('{"name": "unterminated', "not valid JSON"),
    ],
)
def test_bodies_too_deep_too_wide_or_not_json_are_400(client, tokens, system, body, detail):
    response = _raw(client, "/v1/programs", body, tokens.staff)
    assert detail in assert_refused(response, 400)["detail"]
    assert system.log.head() == 0


def test_nesting_within_the_limit_reaches_the_schema(client, tokens):
    body = {"name": [[[["deep"]]]]} | {k: v for k, v in PROGRAM.items() if k != "name"}
    assert_refused(client.post("/v1/programs", json=body, headers=tokens.staff), 422, "name")


def test_brackets_inside_strings_do_not_count_as_nesting(client, tokens):
    body = PROGRAM | {"name": "[[[[{{{{" * 20 + '\\"]' * 10}
    post(client, "/v1/programs", tokens.staff, body, 201)


def test_a_body_over_the_size_limit_is_413(client, tokens):
    body = json.dumps(PROGRAM | {"name": "x" * (1024 * 1024)})
    assert_refused(_raw(client, "/v1/programs", body, tokens.staff), 413)


# ---- URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, status, field",
    [
        ("/v1/works?owner=%00", 422, "owner"),
        ("/v1/works?program=a%0Ab", 422, "program"),
        ("/v1/events?type=%00", 422, "type"),
        ("/v1/programs/a%00b/roster", 400, "slug"),
        ("/v1/programs/a%00b", 400, "slug"),
        ("/v1/webhooks/endpoints?after=%00", 422, "after"),
        # endpoint ids are UUIDs (a route converter): a malformed one is simply not found
        ("/v1/webhooks/endpoints/a%00b", 404, None),
        ("/v1/webhooks/endpoints/a%1Bb/deliveries", 404, None),
    ],
)
def test_control_characters_in_urls_are_4xx_on_both_stores(store_client, path, status, field):
    client, tokens, _ = store_client
    seed(client, tokens)
    headers = tokens.partner if "webhooks" in path else tokens.staff
    assert_refused(client.get(path, headers=headers), status, field)


def test_every_route_refuses_nul_in_its_path_and_query(store_client):
    """The guard is general: no route, present or future, sees a NUL."""
    client, tokens, _ = store_client
    seed(client, tokens)
    app = client.application
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {arg: "a\x00b" for arg in rule.arguments}
        try:
            path = app.url_map.bind("localhost").build(rule.endpoint, values)
        except Exception:  # a typed converter (uuid, int) cannot hold a NUL at all
            path = rule.rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ("staff", "partner"):
                response = client.open(
                    path + "?x=%00", method=method, json={}, headers=tokens.headers(role)
                )
                assert 400 <= response.status_code < 500, (method, path, response.status_code)
