"""Managing a registered webhook endpoint over the Flask test client: delete, rotate the
secret, replay, list deliveries, enable, and the limit of endpoints per partner."""

from __future__ import annotations

from tests.api.webhooks_support import ENDPOINTS, register, second_partner


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


def test_a_replay_past_the_log_head_is_refused_naming_the_head(client, tokens, system) -> None:
    """It used to answer 202 "queued 0": a partner who mistyped a position
    believed a replay was under way."""
    endpoint = register(client, tokens.partner).get_json()["id"]
    head = system.log.head()
    url = f"{ENDPOINTS}/{endpoint}/replay"
    refused = client.post(url, json={"after": head + 1}, headers=tokens.partner)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["head"] == head and body["errors"] == {
        "after": [f"must be at most {head}, the log's head"]
    }
    at_head = client.post(url, json={"after": head}, headers=tokens.partner)
    assert at_head.status_code == 202 and at_head.get_json()["queued"] == 0


def test_deliveries_query_is_validated(client, tokens) -> None:
    registered = register(client, tokens.partner).get_json()
    url = f"{ENDPOINTS}/{registered['id']}/deliveries"
    assert client.get(url + "?limit=0", headers=tokens.partner).status_code == 422
    assert client.get(url + "?after=x", headers=tokens.partner).status_code == 422
    empty = {"items": [], "next": None, "position": registered["position"]}
    assert client.get(url, headers=tokens.partner).get_json() == empty


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
    assert largest.status_code == 422 and "head" in largest.get_json()  # a position, past the head


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
    other = {"Authorization": "Bearer " + second_partner(tokens)}
    assert register(client, other).status_code == 201  # another partner has its own 20
    assert client.delete(f"{ENDPOINTS}/{created[0]}", headers=tokens.partner).status_code == 204
    assert register(client, tokens.partner).status_code == 201
