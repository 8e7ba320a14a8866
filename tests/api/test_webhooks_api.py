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
    response = register(client, tokens.partner, event_types=["work.ownership_declared"],
                        description="exhibition desk")
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
    ):
        response = getattr(client, method)(f"{ENDPOINTS}/{mine}{suffix}", json=body, headers=other)
        assert response.status_code == 404, (method, suffix, response.get_json())
        assert response.content_type == "application/problem+json"
    assert client.get(f"{ENDPOINTS}/{mine}", headers=tokens.partner).status_code == 200


def _second_partner(tokens: Any) -> str:
    from ledger.tokens import TokenStore

    return TokenStore(tokens._store.db).create("partner", None, "other foundation").token


def test_unknown_event_type_is_422_with_the_field(client, tokens) -> None:
    response = register(client, tokens.partner, event_types=["work.stolen"])
    assert response.status_code == 422
    assert "event_types" in response.get_json()["errors"]


@pytest.mark.parametrize("body", [{}, {"url": 5}, {"url": PUBLIC_URL, "colour": "red"},
                                  {"url": PUBLIC_URL, "event_types": "work.exhibited"}])
def test_malformed_registration_is_422(client, tokens, body) -> None:
    response = client.post(ENDPOINTS, json=body, headers=tokens.partner)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1:8080/hook", "loopback"),
    ("http://[::1]/hook", "loopback"),
    ("http://localhost:9000/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://192.168.0.10/hook", "private"),
    ("http://172.16.5.4/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("ftp://93.184.215.14/hook", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("gopher://93.184.215.14/", "only http and https"),
    ("http:///nohost", "no host"),
])
def test_unsafe_urls_are_refused_at_registration(app, client, tokens, url, reason) -> None:
    from dataclasses import replace

    services = app.extensions["labledger"]
    services.settings = replace(services.settings, webhook_allow_private=False)
    response = register(client, tokens.partner, url=url)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert reason in problem["detail"] and reason in problem["errors"]["url"][0]
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []


def test_private_urls_are_allowed_when_the_operator_says_so(client, tokens) -> None:
    # conftest settings set webhook_allow_private (tests deliver to loopback)
    assert register(client, tokens.partner, url="http://127.0.0.1:9/hook").status_code == 201


def test_delete_removes_the_endpoint(client, tokens) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    assert client.delete(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).status_code == 204
    assert client.get(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).status_code == 404
    assert client.delete(f"{ENDPOINTS}/{endpoint}", headers=tokens.partner).status_code == 404


def test_rotation_returns_a_new_secret_and_keeps_the_old_one_for_a_day(
    client, tokens, ledger
) -> None:
    created = register(client, tokens.partner).get_json()
    rotated = client.post(f"{ENDPOINTS}/{created['id']}/rotate-secret", headers=tokens.partner)
    assert rotated.status_code == 200
    body = rotated.get_json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    assert body["previous_secret_expires_at"] is not None
    row = ledger.db.fetchone("SELECT secret, previous_secret, previous_secret_expires "
                             "FROM wh_endpoints WHERE id = ?", (created["id"],))
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


def test_enable_clears_the_disabled_state(client, tokens, ledger) -> None:
    endpoint = register(client, tokens.partner).get_json()["id"]
    ledger.db.execute("UPDATE {t}wh_endpoints SET enabled = 0, disabled_reason = 'gone', "
                      "disabled_at = 'x' WHERE id = ?", (endpoint,))
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
    listed = client.get(f"{ENDPOINTS}/{endpoint}/deliveries?after={too_big}",
                        headers=tokens.partner)
    assert listed.status_code == 422 and "after" in listed.get_json()["errors"]
    replayed = client.post(f"{ENDPOINTS}/{endpoint}/replay", json={"after": too_big},
                           headers=tokens.partner)
    assert replayed.status_code == 422 and "after" in replayed.get_json()["errors"]
    largest = client.post(f"{ENDPOINTS}/{endpoint}/replay", json={"after": too_big - 1},
                          headers=tokens.partner)
    assert largest.status_code == 202 and largest.get_json()["queued"] == 0


@pytest.mark.parametrize("url", ["http://93.184.215.14/caf\u00e9", "http://93.184.215.14/a b",
                                 "http://93.184.215.14:0/hook"])
def test_urls_no_delivery_could_use_are_refused_at_registration(client, tokens, url) -> None:
    response = register(client, tokens.partner, url=url)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["url"]
    assert client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"] == []
