"""A partner is its token's name: a replacement token (same name) keeps the
endpoints; an unnamed token is a partner of its own."""

from __future__ import annotations

ENDPOINTS = "/v1/webhooks/endpoints"
PUBLIC_URL = "http://93.184.215.14/hooks"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_replacement_token_with_the_same_name_keeps_the_endpoints(client, system):
    store = system.tokens
    old = store.create("partner", name="Seoul Design Foundation")
    created = client.post(ENDPOINTS, json={"url": PUBLIC_URL}, headers=bearer(old.token))
    assert created.status_code == 201
    store.revoke(old.id)
    new = store.create("partner", name="Seoul Design Foundation")
    listed = client.get(ENDPOINTS, headers=bearer(new.token)).get_json()["items"]
    assert [e["id"] for e in listed] == [created.get_json()["id"]]
    assert client.get(ENDPOINTS, headers=bearer(old.token)).status_code == 401


def test_unnamed_partner_tokens_do_not_share_endpoints(client, system):
    store = system.tokens
    first, second = store.create("partner"), store.create("partner")
    assert first.name != second.name
    endpoint = client.post(ENDPOINTS, json={"url": PUBLIC_URL}, headers=bearer(first.token))
    assert client.get(ENDPOINTS, headers=bearer(second.token)).get_json()["items"] == []
    other = client.get(f"{ENDPOINTS}/{endpoint.get_json()['id']}", headers=bearer(second.token))
    assert other.status_code == 404
