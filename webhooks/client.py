"""One HTTP POST to a vetted target, with no redirects and a hard deadline.

The connection goes to an address `ssrf.check` vetted (never a fresh DNS
answer), while the Host header and TLS server name stay the URL's host name.
"""

from __future__ import annotations

import email.utils
import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from webhooks.ssrf import Target, UnsafeURL, check

USER_AGENT = "labledger-webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024  # we only need the status; never hold a big body


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: float
    error: str | None = None  # why the attempt failed; None: it succeeded
    retry_after: float | None = None  # seconds, when the receiver asked

    @property
    def ok(self) -> bool:
        return self.error is None


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(
        self, target: Target, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def parse_retry_after(value: str | None, now: float) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)


def _connection(
    target: Target, address: str, timeout: float, tls: ssl.SSLContext | None
) -> http.client.HTTPConnection:
    if target.scheme != "https":
        return _PinnedHTTP(target, address, timeout)
    return _PinnedHTTPS(target, address, timeout, tls or ssl.create_default_context())


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    allow_private: bool,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """POST once. Success is a 2xx received within `timeout` seconds.

    `tls` verifies https receivers; a caller posting often keeps one (building
    a context loads the CA bundle, some 25 ms), else a default one is built."""
    started = time.monotonic()

    def elapsed_ms() -> float:
        return round((time.monotonic() - started) * 1000, 1)

    try:
        target = check(url, allow_private=allow_private)  # again: DNS can change
    except UnsafeURL as error:
        return Outcome(None, elapsed_ms(), f"refused: {error}")
    last_error = "no address to connect to"
    for address in target.addresses:
        conn = _connection(target, address, timeout, tls)
        try:
            conn.request("POST", target.path, body=body, headers={
                "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers,
            })
            if conn.sock is not None:  # the whole exchange, not each read, gets `timeout`
                conn.sock.settimeout(max(timeout - (time.monotonic() - started), 0.001))
            response = conn.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            status = response.status
            retry_after = parse_retry_after(response.getheader("Retry-After"),
                                            datetime.now(UTC).timestamp())
            location = response.getheader("Location")
        except (OSError, http.client.HTTPException, UnicodeError) as error:
            # UnicodeError: a request line that is not ASCII. Every failure must
            # come back as an Outcome: one that escaped would leave the message
            # claimed and unrecorded, retried forever without counting.
            last_error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            if isinstance(error, (ConnectionRefusedError, socket.gaierror)):
                continue  # another address of the host may answer
            return Outcome(None, elapsed_ms(), last_error)
        finally:
            conn.close()
        latency = elapsed_ms()
        if latency > timeout * 1000:
            return Outcome(status, latency, f"no complete response within {timeout:g} s")
        if 300 <= status < 400:
            return Outcome(status, latency, f"redirects are not followed (Location: {location})",
                           retry_after)
        if 200 <= status < 300:
            return Outcome(status, latency)
        return Outcome(status, latency, f"HTTP {status}", retry_after)
    return Outcome(None, elapsed_ms(), last_error)
