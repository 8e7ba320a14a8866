"""One spelling per request: a URL, a number or a query names one thing one
way, and anything else is a 4xx problem, never another resource or a
silently chosen value (found by a long schemathesis run)."""

from __future__ import annotations

import re

import pytest

from tests.helpers import seed
from transparency.follower import TreeBuilder

ARABIC_INDIC_3 = "%D9%A3"


@pytest.mark.parametrize("spelling", [ARABIC_INDIC_3, "1_0", "%2B5", "%205", "5%20", "0x5"])
def test_a_number_in_a_query_is_plain_ascii_digits(client, tokens, spelling):
    for path in (f"/v1/works?limit={spelling}", f"/v1/works?min_position={spelling}"):
        response = client.get(path)
        assert response.status_code == 422, (path, response.get_data(as_text=True))
        assert response.get_json()["errors"], path


@pytest.mark.parametrize("index", [ARABIC_INDIC_3, "03", "0003", "1_0"])
def test_a_number_in_a_path_has_one_spelling(client, tokens, system, index):
    seed(client, tokens)
    TreeBuilder(system.log, system.db, system.settings).catch_up()
    assert client.get("/v1/transparency/leaves/3").status_code == 200
    assert client.get(f"/v1/transparency/leaves/{index}").status_code == 404


def test_a_query_parameter_given_twice_is_refused_not_half_read(client, tokens):
    s = seed(client, tokens)
    for path, headers in [
        ("/v1/works?limit=1&limit=2", {}),
        (f"/v1/works?min_position=1&min_position=2&owner={s.participant}", {}),
        (f"/v1/programs/{s.slug}/roster?format=csv&format=json", tokens.staff),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == 422, path
        name = path.split("?")[1].split("=")[0]
        assert response.get_json()["errors"][name] == ["Given more than once."], path


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_a_method_a_path_does_not_take_is_405_whatever_its_query(client, method):
    response = client.open("/v1/works?limit=5", method=method)
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_an_empty_path_segment_is_no_path_not_a_redirect_to_another(client, tokens):
    s = seed(client, tokens)
    for path in ("/v1/programs//roster", f"/v1/programs/{s.slug}//roster", "//v1/works"):
        response = client.get(path, headers=tokens.staff)
        assert response.status_code == 404, (path, response.status_code)
    assert client.post("/v1/programs//tools", json={}, headers=tokens.staff).status_code == 404


def test_a_url_field_is_documented_as_a_uri_that_cannot_be_empty(client):
    spec = client.get("/openapi.json").get_json()
    url = spec["components"]["schemas"]["ApplicationIn"]["properties"]["portfolio_url"]
    assert url["format"] == "uri" and url["minLength"] == 1


def test_the_endpoint_cursor_is_documented_as_the_server_reads_it(client, tokens):
    """`after=` (empty) is the first page, as it always was; the document said
    `format: uuid`, which no empty value meets."""
    spec = client.get("/openapi.json").get_json()
    [after] = [
        p
        for p in spec["paths"]["/v1/webhooks/endpoints"]["get"]["parameters"]
        if p["name"] == "after"
    ]
    pattern = re.compile(after["schema"]["pattern"])
    assert "format" not in after["schema"]
    endpoint = "0b6f3f7e-8a4f-5b1e-9c55-1c1d0e2f3a4b"
    for value, status in [("", 200), (endpoint, 200), ("x", 422), (endpoint.replace("-", ""), 422)]:
        response = client.get(f"/v1/webhooks/endpoints?after={value}", headers=tokens.partner)
        assert response.status_code == status, value
        assert bool(pattern.fullmatch(value)) == (status == 200), value
