"""Validation at the boundary: every timestamp, string, integer, JSON body and
URL a client sends is checked before it can reach a store, a hash or a reader,
and bad input is a 4xx problem that writes nothing, on both stores."""

from __future__ import annotations

import json

import pytest

from api.app import create_app
from tests.helpers import PROGRAM, Tokens, post, seed, sha


@pytest.fixture
def store_client(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    app.config["TESTING"] = True
    return app.test_client(), Tokens(store_system), store_system


def assert_refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in body["errors"], body
    return body


def reads_still_work(client, tokens, slug: str) -> None:
    """What the poison event broke: the roster, the registry and the feed."""
    for path in (
        f"/v1/programs/{slug}/roster",
        "/v1/works",
        "/v1/events",
        f"/v1/programs/{slug}/audit-report",
    ):
        response = client.get(path, headers=tokens.staff)
        assert response.status_code == 200, (path, response.get_data(as_text=True))


# ---- timestamps -----------------------------------------------------------------------

UNSAFE_INSTANTS = [
    "9999-12-31T23:59:59-14:00",  # past year 9999 once in UTC: the poison event of issue 8
    "0001-01-01T00:00:00+14:00",  # before year 1 once in UTC
    "9999-12-31T12:00:00Z",  # in range, but not at every offset
    "1969-12-31T23:59:59Z",
    "2026-02-30T10:00:00Z",
    "2026-03-02T10:00:00",  # no offset
    "2026-03-02 10:00:00Z",
    "2026-03-02T10:00:00+24:00",
    "20260302T100000Z",
]


@pytest.mark.parametrize("value", UNSAFE_INSTANTS)
def test_instants_outside_the_utc_safe_range_are_422_and_write_nothing(store_client, value):
    client, tokens, system = store_client
    s = seed(client, tokens)
    before = system.log.head()
    grant = client.post(
        f"/v1/participants/{s.participant}/grants",
        json={"tool": "video", "expires_at": value},
        headers=tokens.staff,
    )
    assert_refused(grant, 422, "expires_at")
    generation = client.post(
        f"/v1/participants/{s.participant}/generations",
        json={
            "tool": "video",
            "tool_version": "2.1",
            "output_sha256": sha(value),
            "media_type": "video/mp4",
            "generated_at": value,
        },
        headers=s.artist_headers,
    )
    assert_refused(generation, 422, "generated_at")
    roster = client.get(
        f"/v1/programs/{s.slug}/roster", query_string={"as_of": value}, headers=tokens.staff
    )
    assert_refused(roster, 422, "as_of")
    assert system.log.head() == before
    reads_still_work(client, tokens, s.slug)


def test_the_latest_instant_at_the_widest_offset_is_kept_in_utc_and_read_back(store_client):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    granted = post(
        client,
        f"/v1/participants/{s.participant}/grants",
        tokens.staff,
        {"tool": "video", "expires_at": "9999-12-31T09:59:59.5+14:00"},
        201,
    )
    assert granted.get_json()["expires_at"] == "9999-12-30T19:59:59.500000Z"
    reads_still_work(client, tokens, s.slug)
    roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    [entry] = [a for a in roster["applications"] if a["id"] == s.participant]
    assert "9999-12-30T19:59:59.500000Z" in {g["expires_at"] for g in entry["active_grants"]}


def test_rfc3339_spellings_are_accepted(client, tokens):
    s = seed(client, tokens)
    for value in ("2026-03-02T09:00:00z", "2026-03-02t09:00:00.123456789+09:00"):
        response = client.get(
            f"/v1/programs/{s.slug}/roster", query_string={"as_of": value}, headers=tokens.staff
        )
        assert response.status_code in (200, 404), (value, response.get_json())


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "1969-12-31",
        "20260302",
        "2026-W10-1",
        "2026-02-30",
        "２０２６-03-02",
    ],
)
def test_program_and_exhibition_dates_stay_in_a_sane_range(client, tokens, system, value):
    before = system.log.head()
    program = client.post("/v1/programs", json=PROGRAM | {"starts_on": value}, headers=tokens.staff)
    assert_refused(program, 422, "starts_on")
    assert system.log.head() == before


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
