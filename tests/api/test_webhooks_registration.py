"""Registering a partner webhook endpoint over the Flask test client: who may, which
URLs and event types are refused, and whose endpoints a partner can see."""

from __future__ import annotations

import pytest

from ledger.events import PUBLIC_TYPES
from tests.api.webhooks_support import ENDPOINTS, PUBLIC_URL, register, second_partner
from webhooks.signing import secret_key


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
    other = {"Authorization": "Bearer " + second_partner(tokens)}
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


def test_every_public_type_is_accepted_as_a_filter(client, tokens) -> None:
    response = register(client, tokens.partner, event_types=sorted(PUBLIC_TYPES))
    assert response.status_code == 201
    assert response.get_json()["event_types"] == sorted(PUBLIC_TYPES)


@pytest.mark.parametrize(
    "url",
    ["http://93.184.215.14/caf\u00e9", "http://93.184.215.14/a b", "http://93.184.215.14:0/hook"],
)
def test_urls_no_delivery_could_use_are_refused_at_registration(client, tokens, url) -> None:
    response = register(client, tokens.partner, url=url)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["url"]
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []
