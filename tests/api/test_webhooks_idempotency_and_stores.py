"""Webhook endpoint registration with an Idempotency-Key, and malformed ids and cursors,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.webhooks_support import ENDPOINTS, register


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
