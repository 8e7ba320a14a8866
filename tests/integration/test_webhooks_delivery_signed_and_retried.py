"""Deliveries to a real HTTP receiver on loopback that checks every request with the
`standardwebhooks` package, from an in-process dispatcher: each event signed and in
order, retries and their schedule, redirects, 410 and sustained failure, rotated secrets."""

from __future__ import annotations

import time
from dataclasses import replace

from ledger.log import iter_log
from tests.helpers import open_program, seed
from tests.integration.webhooks_support import (
    ENDPOINTS,
    Receiver,
    Reply,
    deliveries,
    dispatching,
    endpoint_state,
    receiving,
    register,
)


def test_every_event_arrives_signed_in_order_without_personal_data(
    client, tokens, system, settings
) -> None:
    with receiving(Receiver()) as receiver:
        endpoint = register(client, tokens, receiver)
        seed(client, tokens)
        log = list(iter_log(system.log, endpoint["position"]))
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= len(log))
    assert not receiver.rejected
    assert receiver.sequences() == list(range(1, len(log) + 1))
    assert [r.body["data"]["position"] for r in receiver.received] == [e["position"] for e in log]
    assert [r.body["type"] for r in receiver.received] == [e["type"] for e in log]
    assert {"application.submitted", "work.ownership_declared"} <= {e["type"] for e in log}
    for got, env in zip(receiver.received, log, strict=True):
        assert set(got.body) == {"type", "timestamp", "data"}
        assert got.body["timestamp"] == env["timestamp"]
        assert got.body["data"]["event_id"] == env["event_id"]
        assert got.webhook_id.startswith("msg_")
        for personal in ("email", "statement", "_salt", "personal_salt"):
            assert personal not in got.body["data"]
        # the personal values the seed wrote, anywhere in the raw body
        for value in ("kim@example.org", "moving image and memory", "Made in Seoul"):
            assert value not in got.raw
    assert len({r.webhook_id for r in receiver.received}) == len(log)
    attempts = deliveries(client, tokens, endpoint["id"])
    assert [a["status_code"] for a in attempts] == [204] * len(log)
    assert all(a["ok"] and a["latency_ms"] >= 0 and a["error"] is None for a in attempts)
    assert endpoint_state(client, tokens, endpoint["id"])["sequence"] == len(log)


def test_a_503_is_retried_with_the_same_webhook_id(client, tokens, system, settings) -> None:
    with receiving(Receiver(replies=lambda n: (503, {}) if n == 0 else (204, {}))) as receiver:
        endpoint = register(client, tokens, receiver, event_types=["program.opened"])
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= 2)
            time.sleep(0.3)  # nothing more should come
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id and first.raw == second.raw
    assert second.at - first.at >= 0.2 * 0.8  # the first step of the schedule, with jitter
    assert len(receiver.received) == 2
    attempts = deliveries(client, tokens, endpoint["id"])
    assert [(a["attempt"], a["status_code"], a["ok"]) for a in attempts] == [
        (1, 503, False),
        (2, 204, True),
    ]
    assert attempts[0]["error"] == "HTTP 503" and attempts[0]["next_attempt_at"]
    assert attempts[0]["webhook_id"] == attempts[1]["webhook_id"] == first.webhook_id


def test_retry_after_is_honoured(client, tokens, system, settings) -> None:
    def replies(n: int) -> Reply:
        return (429, {"Retry-After": "1"}) if n == 0 else (204, {})

    with receiving(Receiver(replies=replies)) as receiver:
        register(client, tokens, receiver, event_types=["program.opened"])
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= 2)
    assert receiver.received[1].at - receiver.received[0].at >= 0.95


def test_a_redirect_is_a_failure(client, tokens, system, settings) -> None:
    def replies(n: int) -> Reply:
        return (302, {"Location": "http://127.0.0.1:1/elsewhere"}) if n == 0 else (200, {})

    with receiving(Receiver(replies=replies)) as receiver:
        endpoint = register(client, tokens, receiver, event_types=["program.opened"])
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= 2)
    first, retry = deliveries(client, tokens, endpoint["id"])[:2]
    assert first["status_code"] == 302 and not first["ok"]
    assert "redirect" in first["error"] and retry["ok"]


def test_exhausted_retries_give_up_and_move_on(client, tokens, system, settings) -> None:
    # schedule (0.2, 0.4, 0.8): four attempts of the first message, then the next one
    with receiving(Receiver(replies=lambda n: (500, {}) if n < 4 else (204, {}))) as receiver:
        endpoint = register(client, tokens, receiver)
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= 5)
    assert receiver.sequences() == [1, 1, 1, 1, 2]
    attempts = deliveries(client, tokens, endpoint["id"])
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 1]
    assert attempts[3]["next_attempt_at"] is None  # given up
    assert endpoint_state(client, tokens, endpoint["id"])["enabled"] is True


def test_410_disables_the_endpoint_at_once(client, tokens, system, settings) -> None:
    with receiving(Receiver(replies=lambda n: (410, {}))) as receiver:
        endpoint = register(client, tokens, receiver)
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= 1)
            time.sleep(0.5)
    assert len(receiver.received) == 1
    state = endpoint_state(client, tokens, endpoint["id"])
    assert state["enabled"] is False and "410" in state["disabled_reason"]
    [attempt] = deliveries(client, tokens, endpoint["id"])  # none comes until re-enabled
    assert attempt["status_code"] == 410 and attempt["next_attempt_at"] is None


def test_sustained_failure_disables_and_enable_resumes(client, tokens, system, settings) -> None:
    failing = {"on": True}
    quick = replace(settings, webhook_disable_after=0.5, webhook_retry_schedule=(0.1,) * 20)
    with receiving(Receiver(replies=lambda n: (500, {}) if failing["on"] else (204, {}))) as rx:
        endpoint = register(
            client, tokens, rx, event_types=["program.opened", "program.tool_registered"]
        )
        open_program(client, tokens)
        with dispatching(system, quick):
            rx.wait_for(lambda: not endpoint_state(client, tokens, endpoint["id"])["enabled"])
            state = endpoint_state(client, tokens, endpoint["id"])
            assert "failed for 0.5 s" in state["disabled_reason"]
            count = len(rx.received)
            time.sleep(0.3)
            assert len(rx.received) == count  # disabled: nothing is sent
            failing["on"] = False
            enabled = client.post(f"{ENDPOINTS}/{endpoint['id']}/enable", headers=tokens.partner)
            assert enabled.status_code == 200 and enabled.get_json()["enabled"] is True
            rx.wait_for(lambda: rx.sequences()[-1:] == [2])
    assert sorted(set(rx.sequences())) == [1, 2]


def test_rotated_secret_signs_with_both_secrets(client, tokens, system, settings) -> None:
    with receiving(Receiver()) as receiver:
        endpoint = register(client, tokens, receiver, event_types=["program.opened"])
        rotated = client.post(
            f"{ENDPOINTS}/{endpoint['id']}/rotate-secret", headers=tokens.partner
        ).get_json()
        receiver.secrets.append(rotated["secret"])
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= 1)
    delivery = receiver.received[0]
    assert delivery.verified_by == [0, 1]  # the old secret and the new one, each alone
    assert len(delivery.signature.split(" ")) == 2
    assert all(part.startswith("v1,") for part in delivery.signature.split(" "))
