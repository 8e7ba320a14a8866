"""The partner webhook endpoints over the Flask test client."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.events import PUBLIC_TYPES
from webhooks.signing import secret_key

ENDPOINTS = "/v1/webhooks/endpoints"
PUBLIC_URL = "http://93.184.215.14/hooks"  # a literal public address: no DNS needed


def register(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post(ENDPOINTS, json={"url": PUBLIC_URL} | body, headers=headers)


def test_partner_registers_an_endpoint_and_sees_the_secret_once(client, tokens) -> None:
    response = register(
        client,
        tokens.partner,
        event_types=["work.ownership_declared"],
        description="exhibition desk",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["secret"].startswith("whsec_") and len(secret_key(body["secret"])) >= 24
    assert body["event_types"] == ["work.ownership_declared"]
    assert body["enabled"] is True and body["sequence"] == 0
    listed = client.get(ENDPOINTS, headers=tokens.partner).get_json()
    assert [e["id"] for e in listed["items"]] == [body["id"]] and listed["next"] is None
    assert "secret" not in listed["items"][0]
    shown = client.get(f"{ENDPOINTS}/{body['id']}", headers=tokens.partner).get_json()
    assert "secret" not in shown


def test_only_partners_manage_endpoints(client, tokens) -> None:
    assert client.get(ENDPOINTS).status_code == 401
    assert register(client, tokens.staff).status_code == 403
    assert client.get(ENDPOINTS, headers=tokens.auditor).status_code == 403


def test_another_partners_endpoint_is_not_found(client, tokens) -> None:
    mine = register(client, tokens.partner).get_json()["id"]
    other = {"Authorization": "Bearer " + _second_partner(tokens)}
    assert client.get(ENDPOINTS, headers=other).get_json()["items"] == []
    for method, suffix, body in (
        ("get", "", None),
        ("delete", "", None),
        ("post", "/rotate-secret", {}),
        ("post", "/enable", {}),
        ("get", "/deliveries", None),
        ("post", "/replay", {"after": 0}),
        ("patch", "", {"description": "mine now"}),
        ("post", "/test", None),
        ("post", "/messages/msg_0/resend", None),
    ):
        response = getattr(client, method)(f"{ENDPOINTS}/{mine}{suffix}", json=body, headers=other)
        assert response.status_code == 404, (method, suffix, response.get_json())
        assert response.content_type == "application/problem+json"
    assert client.get(f"{ENDPOINTS}/{mine}", headers=tokens.partner).status_code == 200


def _second_partner(tokens: Any) -> str:
    return tokens.store.create("partner", None, "other foundation").token


def test_unknown_event_type_is_422_with_the_field(client, tokens) -> None:
    response = register(client, tokens.partner, event_types=["work.stolen"])
    assert response.status_code == 422
    assert "event_types" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": 5},
        {"url": PUBLIC_URL, "colour": "red"},
        {"url": PUBLIC_URL, "event_types": "work.exhibited"},
    ],
)
def test_malformed_registration_is_422(client, tokens, body) -> None:
    response = client.post(ENDPOINTS, json=body, headers=tokens.partner)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:8080/hook", "is a loopback address"),
        ("http://[::1]/hook", "is a loopback address"),
        ("http://localhost:9000/hook", "localhost resolves to a non-public address"),
        ("http://10.1.2.3/hook", "is a private address"),
        ("http://192.168.0.10/hook", "is a private address"),
        ("http://172.16.5.4/hook", "is a private address"),
        ("http://169.254.169.254/latest/meta-data", "is a cloud metadata address"),
        ("http://[fe80::1]/hook", "is a link-local address"),
        ("http://[fec0::1]/hook", "is a site-local address"),
        ("http://224.0.0.1/hook", "is a multicast address"),
        ("http://0.0.0.0/hook", "is an unspecified address"),
        ("http://[::ffff:127.0.0.1]/hook", "is a loopback address"),
        ("http://[2002:a9fe:a9fe::]/hook", "is a 6to4 form of a cloud metadata address"),
        ("http://[2002:7f00:1::]/hook", "is a 6to4 form of a loopback address"),
        ("ftp://93.184.215.14/hook", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://93.184.215.14/", "only http and https"),
        ("http:///nohost", "no host"),
    ],
)
def test_unsafe_urls_are_refused_at_registration(
    system, client, tokens, url, reason, monkeypatch
) -> None:
    from dataclasses import replace

    monkeypatch.setattr(system, "settings", replace(system.settings, webhook_allow_private=False))
    response = register(client, tokens.partner, url=url)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert reason in problem["detail"] and reason in problem["errors"]["url"][0]
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []


def test_private_urls_are_allowed_when_the_operator_says_so(client, tokens) -> None:
    # conftest settings set webhook_allow_private (tests deliver to loopback)
    assert register(client, tokens.partner, url="http://127.0.0.1:9/hook").status_code == 201
    assert register(client, tokens.partner, url="http://10.1.2.3/hook").status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://169.254.10.10/hook",
        "http://[fe80::1]/hook",
        "http://[2002:a9fe:a9fe::]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://[fec0::1]/hook",
    ],
)
def test_allowing_private_urls_never_opens_link_local_or_metadata(client, tokens, url) -> None:
    response = register(client, tokens.partner, url=url)
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []


def test_delete_removes_the_endpoint(client, tokens) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    assert client.delete(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).status_code == 204
    assert client.get(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).status_code == 404
    assert client.delete(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).status_code == 404


def test_rotation_returns_a_new_secret_and_keeps_the_old_one_for_a_day(
    client, tokens, system
) -> None:
    created = register(client, tokens.partner).get_json()
    rotated = client.post(f"{ENDPOINTS}/{created['id']}/rotate-secret", headers=tokens.partner)
    assert rotated.status_code == 200
    body = rotated.get_json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    assert body["previous_secret_expires_at"] is not None
    row = system.db.fetchone(
        "SELECT secret, previous_secret, previous_secret_expires FROM wh_endpoints WHERE id = ?",
        (created["id"],),
    )
    assert row["secret"] == body["secret"] and row["previous_secret"] == created["secret"]


def test_replay_needs_a_non_negative_position(client, tokens) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    for body in ({}, {"after": -1}, {"after": "x"}):
        response = client.post(f"{ENDPOINTS}/{endpoint}/replay", json=body, headers=tokens.partner)
        assert response.status_code == 422, body
    ok = client.post(f"{ENDPOINTS}/{endpoint}/replay", json={"after": 0}, headers=tokens.partner)
    assert ok.status_code == 202 and ok.get_json()["queued"] == 0


def test_deliveries_query_is_validated(client, tokens) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    url = f"{ENDPOINTS}/{endpoint}/deliveries"
    assert client.get(url + "?limit=0", headers=tokens.partner).status_code == 422
    assert client.get(url + "?after=x", headers=tokens.partner).status_code == 422
    assert client.get(url, headers=tokens.partner).get_json() == {"items": [], "next": None}


def test_enable_clears_the_disabled_state(client, tokens, system) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    system.db.execute(
        "UPDATE {t}wh_endpoints SET enabled = 0, disabled_reason = 'gone', "
        "disabled_at = 'x' WHERE id = ?",
        (endpoint,),
    )
    shown = client.get(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).get_json()
    assert shown["enabled"] is False and shown["disabled_reason"] == "gone"
    enabled = client.post(f"{ENDPOINTS}/{endpoint}/enable", headers=tokens.partner).get_json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] is None


def test_every_public_type_is_accepted_as_a_filter(client, tokens) -> None:
    response = register(client, tokens.partner, event_types=sorted(PUBLIC_TYPES))
    assert response.status_code == 201
    assert response.get_json()["event_types"] == sorted(PUBLIC_TYPES)


def test_positions_beyond_64_bits_are_422_not_500(client, tokens) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    too_big = 2**63
    listed = client.get(
        f"{ENDPOINTS}/{endpoint}/deliveries?after={too_big}", headers=tokens.partner
    )
    assert listed.status_code == 422 and "after" in listed.get_json()["errors"]
    replayed = client.post(
        f"{ENDPOINTS}/{endpoint}/replay", json={"after": too_big}, headers=tokens.partner
    )
    assert replayed.status_code == 422 and "after" in replayed.get_json()["errors"]
    largest = client.post(
        f"{ENDPOINTS}/{endpoint}/replay", json={"after": too_big - 1}, headers=tokens.partner
    )
    assert largest.status_code == 202 and largest.get_json()["queued"] == 0


@pytest.mark.parametrize(
    "url",
    ["http://93.184.215.14/caf\u00e9", "http://93.184.215.14/a b", "http://93.184.215.14:0/hook"],
)
def test_urls_no_delivery_could_use_are_refused_at_registration(client, tokens, url) -> None:
    response = register(client, tokens.partner, url=url)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["url"]
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []


@pytest.fixture
def store_api(store_system, store_settings) -> tuple[Any, Any]:
    """A test client and tokens on SQLite and on PostgreSQL."""
    from api.app import create_app
    from tests.helpers import Tokens

    app = create_app(store_settings, system=store_system)
    app.config["TESTING"] = True
    return app.test_client(), Tokens(store_system)


def test_the_same_idempotency_key_registers_one_endpoint(store_api) -> None:
    client, tokens = store_api
    headers = tokens.partner | {"Idempotency-Key": "register-desk-1"}
    first = register(client, headers, description="exhibition desk")
    again = register(client, headers, description="exhibition desk")
    assert first.status_code == again.status_code == 201, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json()  # the secret included: it is shown only here
    assert again.get_json()["secret"].startswith("whsec_")
    items = client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"]
    assert [e["id"] for e in items] == [first.get_json()["id"]]

    other_body = register(client, headers, description="another desk")
    assert other_body.status_code == 422
    assert other_body.content_type == "application/problem+json"
    assert "Idempotency-Key" in other_body.get_json()["detail"]
    assert (
        register(
            client,
            tokens.partner | {"Idempotency-Key": "register-desk-2"},
            description="exhibition desk",
        ).status_code
        == 201
    )
    assert len(client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"]) == 2


def test_concurrent_retries_with_one_key_register_one_endpoint(store_api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client, tokens = store_api
    headers = tokens.partner | {"Idempotency-Key": "burst"}
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda _: register(client, headers), range(4)))
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.get_json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 3
    assert len(client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"]) == 1


def test_a_deleted_endpoints_key_registers_anew(client, tokens) -> None:
    headers = tokens.partner | {"Idempotency-Key": "k"}
    first = register(client, headers).get_json()["id"]
    assert client.delete(f"{ENDPOINTS}/{first}", headers=tokens.partner).status_code == 204
    again = register(client, headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first


def test_a_partner_holds_at_most_twenty_endpoints(client, tokens) -> None:
    from webhooks.store import MAX_ENDPOINTS_PER_PARTNER

    assert MAX_ENDPOINTS_PER_PARTNER == 20  # the documented limit
    created = [register(client, tokens.partner).get_json()["id"] for _ in range(20)]
    refused = register(client, tokens.partner)
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    problem = refused.get_json()
    assert problem["title"] == "Too many webhook endpoints" and problem["limit"] == 20
    assert "at most 20" in problem["detail"]
    listed = client.get(ENDPOINTS + "?limit=1000", headers=tokens.partner).get_json()["items"]
    assert len(listed) == 20
    other = {"Authorization": "Bearer " + _second_partner(tokens)}
    assert register(client, other).status_code == 201  # another partner has its own 20
    assert client.delete(f"{ENDPOINTS}/{created[0]}", headers=tokens.partner).status_code == 204
    assert register(client, tokens.partner).status_code == 201


@pytest.mark.parametrize(
    "method, suffix",
    [
        ("get", ""),
        ("delete", ""),
        ("post", "/rotate-secret"),
        ("post", "/enable"),
        ("get", "/deliveries"),
        ("post", "/replay"),
    ],
)
@pytest.mark.parametrize("endpoint_id", ["a%00b", "not-a-uuid", "%C0%80", "1" * 300])
def test_a_malformed_endpoint_id_is_404_on_each_store(
    store_api, method: str, suffix: str, endpoint_id: str
) -> None:
    client, tokens = store_api
    response = getattr(client, method)(
        f"{ENDPOINTS}/{endpoint_id}{suffix}",
        headers=tokens.partner,
        json={"after": 0} if suffix == "/replay" else None,
    )
    assert response.status_code == 404, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("after", ["%00", "a%00b", "not-a-uuid", "x" * 100])
def test_a_malformed_list_cursor_is_422_on_each_store(store_api, after: str) -> None:
    client, tokens = store_api
    register(client, tokens.partner)
    response = client.get(f"{ENDPOINTS}?after={after}", headers=tokens.partner)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "after" in response.get_json()["errors"]


def test_the_list_cursor_pages_through_endpoints(store_api) -> None:
    client, tokens = store_api
    ids = sorted(register(client, tokens.partner).get_json()["id"] for _ in range(3))
    first = client.get(f"{ENDPOINTS}?limit=2", headers=tokens.partner).get_json()
    assert [e["id"] for e in first["items"]] == ids[:2] and first["next"] == ids[1]
    rest = client.get(f"{ENDPOINTS}?limit=2&after={first['next']}", headers=tokens.partner)
    assert [e["id"] for e in rest.get_json()["items"]] == ids[2:]


def test_a_description_with_nul_is_422_and_writes_nothing_on_each_store(store_api) -> None:
    from marshmallow import ValidationError

    from api.schemas import text

    try:
        text(500).deserialize("a\x00b")
    except ValidationError:
        pass
    else:  # api/schemas.text() refuses NUL once the boundary work is merged
        pytest.skip("api.schemas.text() does not refuse NUL yet")
    client, tokens = store_api
    response = register(client, tokens.partner, description="desk\u0000one")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "description" in response.get_json()["errors"]
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []
