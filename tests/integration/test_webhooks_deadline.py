"""The hard deadline of a delivery attempt, against a real receiver that drips
its answer one byte at a time (a raw socket server: no HTTP library would
misbehave this way on purpose), and the claim lease that must outlive it."""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from api.bootstrap import bootstrap
from tests.helpers import open_program
from tests.integration.webhooks_support import deliveries, dispatching
from webhooks.client import post

ENDPOINTS = "/v1/webhooks/endpoints"
DRIPS = {
    # what is sent at once, then what is dripped a byte at a time
    "status line": (b"", b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 1000),
    "headers": (b"HTTP/1.1 200 OK\r\n", b"X-Drip: " + b"a" * 1000),
    "body": (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", b"a" * 1000),
}
TLS_RECORD = b"\x16\x03\x03\x40\x00"  # a handshake record of 16 KiB: the client waits for it all


@dataclass
class Exchange:
    webhook_id: str
    opened: float
    closed: float | None = None


@dataclass
class DripServer:
    """Answers every connection by sending `prefix`, then one byte of `drip`
    every `every` seconds, for at most `limit` seconds; records when each
    connection opened and when the client hung up."""

    prefix: bytes
    drip: bytes
    every: float = 0.25
    limit: float = 10.0
    tls: bool = False  # drip a TLS record instead of reading an HTTP request
    exchanges: list[Exchange] = field(default_factory=list)
    port: int = 0

    def serve(self, conn: socket.socket) -> None:
        with conn:
            exchange = Exchange("", time.monotonic())
            if not self.tls:
                exchange.webhook_id = read_request(conn)
            self.exchanges.append(exchange)
            conn.sendall(TLS_RECORD if self.tls else self.prefix)
            next_byte, sent = time.monotonic() + self.every, 0
            while time.monotonic() - exchange.opened < self.limit:
                ready, _, _ = select.select([conn], [], [], 0.02)
                try:
                    if ready and not conn.recv(65536):
                        break  # the client hung up
                    if time.monotonic() >= next_byte and sent < len(self.drip):
                        conn.sendall(self.drip[sent : sent + 1])
                        next_byte, sent = next_byte + self.every, sent + 1
                except OSError:
                    break
            exchange.closed = time.monotonic()

    def wait_closed(self, count: int, timeout: float = 15.0) -> list[Exchange]:
        deadline = time.monotonic() + timeout
        while sum(e.closed is not None for e in self.exchanges) < count:
            assert time.monotonic() < deadline, self.exchanges
            time.sleep(0.02)
        return [e for e in self.exchanges if e.closed is not None]


def read_request(conn: socket.socket) -> str:
    """Read one request (headers and Content-Length body); its webhook-id."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return ""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:])
    headers = {k.lower(): v for k, v in headers.items()}
    while len(body) < int(headers.get("content-length", 0)):
        body += conn.recv(65536)
    return headers.get("webhook-id", "")


@contextmanager
def dripping(server: DripServer) -> Iterator[DripServer]:
    listener = socket.create_server(("127.0.0.1", 0))
    server.port = listener.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=server.serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def subscribe(client: Any, tokens: Any, server: DripServer) -> dict[str, Any]:
    """An endpoint at the drip server for `program.opened`, and one such event."""
    url = f"http://127.0.0.1:{server.port}/hooks"
    endpoint = client.post(
        ENDPOINTS, json={"url": url, "event_types": ["program.opened"]}, headers=tokens.partner
    ).get_json()
    open_program(client, tokens)
    return endpoint


def first_attempt(client: Any, tokens: Any, endpoint_id: str) -> dict[str, Any]:
    """The first attempt in the endpoint's delivery log, once it is there."""
    deadline = time.monotonic() + 10
    while not (attempts := deliveries(client, tokens, endpoint_id)):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return attempts[0]


@pytest.mark.parametrize("phase", sorted(DRIPS))
def test_a_drip_fed_answer_is_cut_at_the_deadline(phase: str) -> None:
    prefix, drip = DRIPS[phase]
    with dripping(DripServer(prefix, drip)) as server:
        started = time.monotonic()
        outcome = post(
            f"http://127.0.0.1:{server.port}/hooks",
            b"{}",
            {"webhook-id": "msg_1"},
            timeout=1.5,
            allow_private=True,
        )
        took = time.monotonic() - started
        [exchange] = server.wait_closed(1)
    assert not outcome.ok and outcome.error == "timed out after 1.5 s", outcome
    assert outcome.status_code is None  # whatever came was cut short
    assert took < 2.0 and outcome.latency_ms < 2000
    assert exchange.webhook_id == "msg_1"
    assert exchange.closed is not None and exchange.closed - exchange.opened < 2.0  # hung up


def test_a_drip_fed_tls_handshake_is_cut_at_the_deadline() -> None:
    with dripping(DripServer(b"", b"\x00" * 1000, tls=True)) as server:
        started = time.monotonic()
        outcome = post(
            f"https://localhost:{server.port}/hooks",
            b"{}",
            {},
            timeout=1.5,
            allow_private=True,
            tls=ssl.create_default_context(),
        )
        took = time.monotonic() - started
        server.wait_closed(1)
    assert not outcome.ok and outcome.error == "timed out after 1.5 s", outcome
    assert took < 2.0


def test_the_dispatcher_records_a_cut_attempt_as_timed_out(client, tokens, system, settings):
    with dripping(DripServer(*DRIPS["headers"])) as server:
        endpoint = subscribe(client, tokens, server)
        with dispatching(system, replace(settings, webhook_timeout=1.0)):
            attempt = first_attempt(client, tokens, endpoint["id"])
    assert attempt["error"] == "timed out after 1 s" and attempt["status_code"] is None
    assert 1000 <= attempt["latency_ms"] < 1500


def test_two_dispatchers_never_post_the_same_message_at_once(client, tokens, system, settings):
    # The receiver holds every attempt open far beyond the timeout; before the
    # deadline, the other dispatcher claimed the message when the first one's
    # lease ran out, and posted the same webhook-id while the first was open.
    quick = replace(settings, webhook_timeout=1.0, webhook_retry_schedule=(0.5,) * 20)
    other = bootstrap(settings)
    try:
        with dripping(DripServer(*DRIPS["headers"], limit=8.0)) as server:
            subscribe(client, tokens, server)
            with dispatching(system, quick), dispatching(other, quick):
                deadline = time.monotonic() + 15
                while len(server.exchanges) < 3 and time.monotonic() < deadline:
                    time.sleep(0.02)
            exchanges = server.wait_closed(len(server.exchanges))
    finally:
        other.close()
    assert len({e.webhook_id for e in exchanges}) == 1  # the same message, retried
    spans = sorted((e.opened, e.closed) for e in exchanges)
    for (_, closed), (opened, _) in zip(spans, spans[1:], strict=False):
        assert closed is not None and opened > closed, spans  # never two at once
    assert all(closed - opened < 1.5 for opened, closed in spans if closed is not None)


def test_webhooks_run_cuts_a_drip_fed_attempt_at_its_timeout(client, tokens, system, settings):
    # The reported case, as an operator runs it: `labledger webhooks run` with
    # LEDGER_WEBHOOK_TIMEOUT (1 s here) against a receiver dripping headers.
    from tests.integration.test_webhooks_process import start_dispatcher

    with dripping(DripServer(*DRIPS["headers"])) as server:
        endpoint = subscribe(client, tokens, server)
        process = start_dispatcher(settings)
        try:
            first = server.wait_closed(1, timeout=30)[0]
            attempt = first_attempt(client, tokens, endpoint["id"])
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=15)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert first.closed is not None and first.closed - first.opened < 1.5
    assert attempt["error"] == "timed out after 1 s" and attempt["status_code"] is None
