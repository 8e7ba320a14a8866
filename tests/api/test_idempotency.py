"""Idempotency-Key: a retry returns the original response and writes nothing."""

from __future__ import annotations

from tests.helpers import PROGRAM, open_program


def position(client) -> int:
    return client.get("/readyz").get_json()["checks"]["store"]["position"]


def application(slug: str, name: str = "Kim") -> tuple[str, dict]:
    return f"/v1/programs/{slug}/applications", {
        "artist_name": name,
        "email": "kim@example.org",
        "portfolio_url": "https://example.org/kim",
        "statement": "s",
    }


def test_retry_with_same_key_and_body_returns_the_original_and_writes_nothing(client, tokens):
    slug = open_program(client, tokens)
    path, body = application(slug)
    headers = tokens.staff | {"Idempotency-Key": "app-1"}
    first = client.post(path, json=body, headers=headers)
    assert first.status_code == 201
    before = position(client)
    again = client.post(path, json=body, headers=headers)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert position(client) == before


def test_same_key_with_a_different_body_is_422(client, tokens):
    slug = open_program(client, tokens)
    path, body = application(slug)
    headers = tokens.staff | {"Idempotency-Key": "app-2"}
    assert client.post(path, json=body, headers=headers).status_code == 201
    before = position(client)
    other = client.post(path, json=body | {"artist_name": "Lee"}, headers=headers)
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert "different request" in other.get_json()["detail"]
    assert position(client) == before


def test_keys_are_scoped_per_token(client, tokens, system):

    other_staff = {"Authorization": f"Bearer {system.tokens.create('staff').token}"}
    slug = open_program(client, tokens)
    path, body = application(slug)
    a = client.post(path, json=body, headers=tokens.staff | {"Idempotency-Key": "k"})
    b = client.post(path, json=body, headers=other_staff | {"Idempotency-Key": "k"})
    assert a.get_json()["id"] != b.get_json()["id"]


def test_overlong_key_is_422(client, tokens):
    response = client.post(
        "/v1/programs", json=PROGRAM, headers=tokens.staff | {"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert position(client) == 0


def test_a_refused_command_can_be_retried_with_the_same_key(client, tokens):
    slug = open_program(client, tokens, capacity=1)
    path, body = application(slug)
    first = client.post(path, json=body, headers=tokens.staff).get_json()["id"]
    second = client.post(path, json=body | {"artist_name": "Lee"}, headers=tokens.staff).get_json()[
        "id"
    ]
    assert client.post(f"/v1/applications/{first}/admit", headers=tokens.staff).status_code == 200
    key = tokens.staff | {"Idempotency-Key": "admit-second"}
    assert client.post(f"/v1/applications/{second}/admit", headers=key).status_code == 409
    client.post(
        f"/v1/applications/{first}/withdraw", json={"reason": "moved"}, headers=tokens.staff
    )
    # Nothing was written for the refusal, so the key is still free.
    assert client.post(f"/v1/applications/{second}/admit", headers=key).status_code == 200


def test_a_replay_answers_with_the_recorded_body_byte_for_byte(client, tokens):
    slug = open_program(client, tokens, capacity=1)
    path, body = application(slug)
    applied = client.post(path, json=body, headers=tokens.staff).get_json()["id"]
    key = tokens.staff | {"Idempotency-Key": "admit-1"}
    first = client.post(f"/v1/applications/{applied}/admit", headers=key)
    again = client.post(f"/v1/applications/{applied}/admit", headers=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    recorded = {"id": applied, "status": "admitted", "seats_left": 0}
    assert first.get_json() == recorded | {"position": first.get_json()["position"]}
    assert again.get_data() == first.get_data()
    assert again.status_code == first.status_code and again.content_type == first.content_type
