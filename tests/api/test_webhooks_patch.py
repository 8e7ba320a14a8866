"""PATCH /v1/webhooks/endpoints/{id}: a partner changes its endpoint's URL
(checked against SSRF again), event types, description, or pauses it."""

from __future__ import annotations

from tests.api.webhooks_support import ENDPOINTS, register


def test_a_partner_changes_url_event_types_and_description(client, tokens) -> None:
    created = register(client, tokens.partner, description="old").get_json()
    path = f"{ENDPOINTS}/{created['id']}"
    changed = client.patch(
        path,
        json={
            "url": " http://93.184.215.15/new ",
            "event_types": ["work.ownership_declared", "work.exhibited"],
            "description": "new\nline",
        },
        headers=tokens.partner,
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["url"] == "http://93.184.215.15/new"
    assert body["event_types"] == ["work.exhibited", "work.ownership_declared"]
    assert body["description"] == "new\nline"
    assert "secret" not in body
    assert client.get(path, headers=tokens.partner).get_json() == body


def test_an_unsafe_url_is_refused_and_nothing_changes(client, tokens) -> None:
    created = register(client, tokens.partner).get_json()
    path = f"{ENDPOINTS}/{created['id']}"
    for url in (
        "http://169.254.169.254/latest",
        "ftp://93.184.215.14/x",
        "http://[fd00:ec2::254]/",
    ):
        refused = client.patch(path, json={"url": url}, headers=tokens.partner)
        assert refused.status_code == 422 and "url" in refused.get_json()["errors"], url
    assert client.get(path, headers=tokens.partner).get_json()["url"] == created["url"]


def test_pause_and_resume(client, tokens) -> None:
    created = register(client, tokens.partner).get_json()
    path = f"{ENDPOINTS}/{created['id']}"
    paused = client.patch(path, json={"enabled": False}, headers=tokens.partner).get_json()
    assert paused["enabled"] is False and paused["disabled_reason"] == "paused by its owner"
    assert paused["disabled_at"].endswith("Z")
    resumed = client.patch(path, json={"enabled": True}, headers=tokens.partner).get_json()
    assert resumed["enabled"] is True and resumed["disabled_reason"] is None


def test_an_empty_or_unknown_change_is_422(client, tokens) -> None:
    created = register(client, tokens.partner).get_json()
    path = f"{ENDPOINTS}/{created['id']}"
    for body in ({}, {"secret": "whsec_x"}, {"enabled": "no"}, {"event_types": ["work.stolen"]}):
        response = client.patch(path, json=body, headers=tokens.partner)
        assert response.status_code == 422, (body, response.get_json())
        assert response.mimetype == "application/problem+json"
