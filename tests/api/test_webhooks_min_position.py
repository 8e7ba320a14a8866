"""`min_position` on the partner's webhook reads, on SQLite and on PostgreSQL:
the endpoints (written as they are registered) answer at once, the delivery
log waits for the webhook fan-out, and a position beyond the log's head is
422 on each, as on every other read."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import pytest

from tests.api.webhooks_support import ENDPOINTS, register
from tests.helpers import PROGRAM, post
from webhooks.dispatcher import Dispatcher
from webhooks.queue import MessageQueue

READ_WAIT = 1.0


@pytest.fixture
def caused(store_client) -> tuple[Any, Any, Any, str, int]:
    """An endpoint, then an event it takes at log position N (nothing fans it
    out: no dispatcher runs); (client, tokens, system, endpoint id, N)."""
    client, tokens, system = store_client
    system.settings = replace(system.settings, read_wait=READ_WAIT)
    endpoint = register(client, tokens.partner).get_json()["id"]
    opened = post(client, "/v1/programs", tokens.staff, PROGRAM, 201)
    return client, tokens, system, endpoint, opened.get_json()["position"]


def _fan_out(system: Any) -> None:
    Dispatcher(system.log, system.db, system.settings).enqueue_new_events()


def _beyond_the_head(response: Any, head: int) -> None:
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["head"] == head and set(body["errors"]) == {"min_position"}


def test_the_endpoint_reads_answer_a_position_the_log_holds_at_once(caused) -> None:
    client, tokens, system, endpoint, position = caused
    for url in (ENDPOINTS, f"{ENDPOINTS}/{endpoint}"):
        started = time.monotonic()
        response = client.get(f"{url}?min_position={position}", headers=tokens.partner)
        assert response.status_code == 200, (url, response.get_json())
        assert time.monotonic() - started < READ_WAIT / 2, url
        again = client.get(f"{url}?min_position={position + 1}", headers=tokens.partner)
        _beyond_the_head(again, position)
    shown = client.get(f"{ENDPOINTS}/{endpoint}?min_position=0", headers=tokens.partner)
    assert shown.get_json()["position"] < position  # its messages wait for the fan-out


def test_the_delivery_log_waits_for_the_fan_out_to_reach_the_position(caused) -> None:
    client, tokens, system, endpoint, position = caused
    url = f"{ENDPOINTS}/{endpoint}/deliveries?min_position={position}"
    behind = client.get(url, headers=tokens.partner)
    assert behind.status_code == 503 and behind.mimetype == "application/problem+json"
    assert int(behind.headers["Retry-After"]) >= 0
    assert behind.get_json()["position"] < behind.get_json()["min_position"] == position

    fan_out = threading.Timer(READ_WAIT / 5, _fan_out, (system,))
    fan_out.start()
    try:
        caught_up = client.get(url, headers=tokens.partner)
    finally:
        fan_out.join()
    assert caught_up.status_code == 200, caught_up.get_json()
    assert caught_up.get_json()["position"] >= position
    assert MessageQueue(system.db).pending_count(endpoint) == 1  # program.opened, queued

    too_far = f"{ENDPOINTS}/{endpoint}/deliveries?min_position={position + 1}"
    _beyond_the_head(client.get(too_far, headers=tokens.partner), position)


def test_a_paused_endpoints_delivery_log_refuses_a_position_it_cannot_reach(caused) -> None:
    client, tokens, _, endpoint, position = caused
    url = f"{ENDPOINTS}/{endpoint}"
    paused = client.patch(url, json={"enabled": False}, headers=tokens.partner)
    reached = paused.get_json()["position"]
    url += "/deliveries"
    started = time.monotonic()
    refused = client.get(f"{url}?min_position={position}", headers=tokens.partner)
    assert refused.status_code == 409 and time.monotonic() - started < READ_WAIT / 2
    body = refused.get_json()
    assert (body["position"], body["min_position"]) == (reached, position)
    assert "disabled" in body["detail"] and "enabled again" in body["detail"]
    at_hand = client.get(f"{url}?min_position={reached}", headers=tokens.partner)
    assert at_hand.status_code == 200 and at_hand.get_json()["position"] == reached


def test_another_partners_delivery_log_is_not_found_with_a_position_either(caused) -> None:
    client, tokens, _, endpoint, position = caused
    other = tokens.store.create("partner", None, "other foundation").token
    response = client.get(
        f"{ENDPOINTS}/{endpoint}/deliveries?min_position={position}",
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 404


def test_the_document_offers_min_position_on_every_webhook_read(client) -> None:
    spec = client.get("/openapi.json").get_json()
    reads = [path for path, item in spec["paths"].items() if "webhooks" in path and "get" in item]
    assert len(reads) == 3, reads
    for path in reads:
        operation = spec["paths"][path]["get"]
        names = {p.get("name") for p in operation["parameters"]}
        assert "min_position" in names and "503" in operation["responses"], path
    deliveries = spec["paths"][f"{ENDPOINTS}/{{endpoint_id}}/deliveries"]["get"]
    assert "409" in deliveries["responses"]
    assert "position" in spec["components"]["schemas"]["AttemptPage"]["properties"]
