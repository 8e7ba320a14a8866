"""Deliveries to real HTTP receivers on loopback from in-process dispatchers: filters,
gapless sequences, slow endpoints, replay, two dispatchers, the address rechecked at
delivery, a small backlog window, one log read shared by endpoints."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest

from ledger.log import iter_log, read_page
from tests.helpers import apply, open_program, seed
from tests.integration.webhooks_support import (
    ENDPOINTS,
    Receiver,
    deliveries,
    dispatching,
    endpoint_state,
    receiving,
    register,
)
from webhooks.dispatcher import Dispatcher


def test_filters_pick_event_types_and_sequences_stay_gapless(
    client, tokens, system, settings
) -> None:
    with receiving(Receiver()) as everything, receiving(Receiver()) as works_only:
        register(client, tokens, everything)
        register(
            client,
            tokens,
            works_only,
            event_types=["work.ownership_declared", "application.submitted"],
        )
        seeded = seed(client, tokens)
        apply(client, tokens, seeded.slug, name="Lee Ji-ho")
        total = len(list(iter_log(system.log, 0)))
        with dispatching(system, settings):
            works_only.wait_for(lambda: len(works_only.received) >= 3)
            everything.wait_for(lambda: len(everything.received) >= total)
    assert [r.body["type"] for r in works_only.received] == [
        "application.submitted",
        "work.ownership_declared",
        "application.submitted",
    ]
    assert works_only.sequences() == [1, 2, 3]
    assert everything.sequences() == list(range(1, total + 1))


def test_a_slow_endpoint_does_not_delay_the_others(client, tokens, system, settings) -> None:
    with receiving(Receiver(delay=1.5)) as slow, receiving(Receiver()) as fast:
        register(client, tokens, slow)
        register(client, tokens, fast)
        seed(client, tokens)
        total = len(list(iter_log(system.log, 0)))
        with dispatching(system, settings):
            started = time.monotonic()
            fast.wait_for(lambda: len(fast.received) >= total)
            took = time.monotonic() - started
            assert len(slow.received) <= 1  # still stuck on its first message
    assert took < 1.5


def test_replay_redelivers_with_the_original_ids(client, tokens, system, settings) -> None:
    with receiving(Receiver()) as receiver:
        endpoint = register(client, tokens, receiver)
        seed(client, tokens)
        total = len(list(iter_log(system.log, 0)))
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) >= total)
            # Received is not yet recorded: replay takes delivered messages only.
            receiver.wait_for(lambda: len(deliveries(client, tokens, endpoint["id"])) >= total)
            first = list(receiver.received)
            after = first[2].body["data"]["position"]
            response = client.post(
                f"{ENDPOINTS}/{endpoint['id']}/replay",
                json={"after": after},
                headers=tokens.partner,
            )
            assert response.status_code == 202 and response.get_json()["queued"] == total - 3
            receiver.wait_for(lambda: len(receiver.received) >= 2 * total - 3)
    again = receiver.received[total:]
    assert [(r.webhook_id, r.raw) for r in again] == [(r.webhook_id, r.raw) for r in first[3:]]
    assert not receiver.rejected


def test_two_dispatchers_make_each_attempt_once(client, tokens, system, settings) -> None:
    from api.bootstrap import bootstrap

    other = bootstrap(settings)
    with receiving(Receiver()) as a, receiving(Receiver()) as b:
        register(client, tokens, a)
        register(client, tokens, b)
        seeded = seed(client, tokens)
        for n in range(10):
            apply(client, tokens, seeded.slug, name=f"Artist {n}")
        total = len(list(iter_log(system.log, 0)))
        with dispatching(system, settings, count=2), dispatching(other, settings, count=1):
            a.wait_for(lambda: len(a.received) >= total)
            b.wait_for(lambda: len(b.received) >= total)
            time.sleep(0.3)
    other.close()
    for receiver in (a, b):
        assert receiver.sequences() == list(range(1, total + 1))  # once each, in order


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_delivery_rechecks_the_address(client, tokens, system, settings, host) -> None:
    with receiving(Receiver()) as receiver:
        url = receiver.url.replace("127.0.0.1", host)
        endpoint = register(client, tokens, receiver, url=url, event_types=["program.opened"])
        open_program(client, tokens)
        strict = replace(settings, webhook_allow_private=False)
        with dispatching(system, strict):
            deadline = time.monotonic() + 5
            while not deliveries(client, tokens, endpoint["id"]):
                assert time.monotonic() < deadline
                time.sleep(0.02)
    attempt = deliveries(client, tokens, endpoint["id"])[0]
    refusal = (
        "127.0.0.1 is a loopback address"
        if host == "127.0.0.1"
        else ("localhost resolves to a non-public address")
    )
    assert attempt["status_code"] is None and refusal in attempt["error"]
    assert receiver.received == []


def test_a_small_backlog_window_still_delivers_everything_in_order(
    client, tokens, system, settings
) -> None:
    with receiving(Receiver()) as everything, receiving(Receiver()) as applications:
        register(client, tokens, everything)
        register(client, tokens, applications, event_types=["application.submitted"])
        seeded = seed(client, tokens)
        for n in range(6):
            apply(client, tokens, seeded.slug, name=f"Artist {n}")
        log = list(iter_log(system.log, 0))
        with dispatching(system, settings, max_pending=2):
            everything.wait_for(lambda: len(everything.received) >= len(log))
            applications.wait_for(lambda: len(applications.received) >= 7)
    assert [r.body["data"]["position"] for r in everything.received] == [e["position"] for e in log]
    assert applications.sequences() == list(range(1, 8))
    assert [r.body["data"]["position"] for r in applications.received] == [
        e["position"] for e in log if e["type"] == "application.submitted"
    ]


def test_endpoints_at_the_same_position_share_each_log_page(
    client, tokens, system, settings, monkeypatch
) -> None:
    from webhooks import dispatcher as module

    reads: list[int] = []

    def counting_read_page(ledger_: Any, after: int, limit: int) -> list[dict[str, Any]]:
        reads.append(after)
        return read_page(ledger_, after, limit)

    monkeypatch.setattr(module, "read_page", counting_read_page)
    created = [
        client.post(
            ENDPOINTS, json={"url": "http://93.184.215.14/hooks"} | extra, headers=tokens.partner
        ).get_json()
        for extra in ({}, {}, {"event_types": ["application.submitted"]})
    ]
    seed(client, tokens)
    total = len(list(iter_log(system.log, created[0]["position"])))
    Dispatcher(system.log, system.db, settings).enqueue_new_events()
    assert reads == [created[0]["position"]]  # one read of the new events, not one per endpoint
    states = [endpoint_state(client, tokens, e["id"]) for e in created]
    assert [s["sequence"] for s in states[:2]] == [total, total]
    assert states[2]["sequence"] == sum(
        e["type"] == "application.submitted" for e in iter_log(system.log, created[0]["position"])
    )
