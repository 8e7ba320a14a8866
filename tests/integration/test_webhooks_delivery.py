"""Deliveries to a real HTTP receiver on loopback that checks every request
with the `standardwebhooks` package, from an in-process dispatcher."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ledger.log import iter_log, read_page
from ledger.settings import Settings
from tests.helpers import apply, open_program, seed
from webhooks.dispatcher import Dispatcher

ENDPOINTS = "/v1/webhooks/endpoints"
Reply = tuple[int, dict[str, str]]


@dataclass
class Received:
    webhook_id: str
    timestamp: str
    signature: str
    raw: str
    body: dict[str, Any]
    verified_by: list[int]  # indexes of the receiver's secrets that verify it
    at: float


@dataclass
class Receiver:
    """A webhook consumer: `replies(n)` answers the n-th request (from 0)."""

    secrets: list[str] = field(default_factory=list)
    replies: Callable[[int], Reply] = lambda n: (204, {})
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    url: str = ""

    def verify(self, raw: str, headers: dict[str, str]) -> list[int]:
        good = []
        for index, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(raw, headers)
                good.append(index)
            except WebhookVerificationError:
                pass
        return good

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received {[r.body for r in self.received]}")
            time.sleep(0.02)

    def sequences(self) -> list[int]:
        return [r.body["data"]["sequence"] for r in self.received]


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = receiver.verify(raw, headers)
            with lock:
                if not verified:
                    receiver.rejected.append(raw)
                n = len(receiver.received)
                receiver.received.append(
                    Received(
                        headers.get("webhook-id", ""),
                        headers.get("webhook-timestamp", ""),
                        headers.get("webhook-signature", ""),
                        raw,
                        json.loads(raw),
                        verified,
                        time.monotonic(),
                    )
                )
            if receiver.delay:
                time.sleep(receiver.delay)
            status, extra = receiver.replies(n) if verified else (400, {})
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def dispatching(
    system: Any, settings: Settings, count: int = 1, **options: Any
) -> Iterator[list[Dispatcher]]:
    stop = threading.Event()
    dispatchers = [Dispatcher(system.log, system.db, settings, **options) for _ in range(count)]
    threads = [threading.Thread(target=d.run, args=(stop,), daemon=True) for d in dispatchers]
    for thread in threads:
        thread.start()
    try:
        yield dispatchers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def register(client: Any, tokens: Any, receiver: Receiver, **body: Any) -> dict[str, Any]:
    response = client.post(ENDPOINTS, json={"url": receiver.url} | body, headers=tokens.partner)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    receiver.secrets.append(created["secret"])
    return created


def deliveries(client: Any, tokens: Any, endpoint_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{ENDPOINTS}/{endpoint_id}/deliveries", headers=tokens.partner)
    assert response.status_code == 200
    return response.get_json()["items"]


def endpoint_state(client: Any, tokens: Any, endpoint_id: str) -> dict[str, Any]:
    return client.get(f"{ENDPOINTS}/{endpoint_id}", headers=tokens.partner).get_json()


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
