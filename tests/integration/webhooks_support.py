"""A webhook consumer on loopback that checks every request with the `standardwebhooks`
package, in-process dispatchers, and the partner API calls the delivery tests make."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from ledger.settings import Settings
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
