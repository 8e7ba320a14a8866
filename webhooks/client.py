"""One HTTP POST to a vetted target, with no redirects and a hard deadline.

The connection goes to an address `ssrf.check` vetted (never a fresh DNS
answer), while the Host header and TLS server name stay the URL's host name.
The deadline covers the whole attempt, from resolving the host to the last
byte read: when it passes, the socket is shut whatever it is waiting for.
"""

from __future__ import annotations

import email.utils
import http.client
import socket
import ssl
import threading
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


class _Deadline:
    """When the attempt must be over, and what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.at = self.started + seconds
        self.expired = f"timed out after {seconds:.3g} s"

    def left(self) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the attempt's deadline passed")
        return remaining

    def passed(self) -> bool:
        return time.monotonic() >= self.at

    def elapsed_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)


def _shut(sock: socket.socket) -> None:
    try:  # the descriptor only: SSLSocket.shutdown would also drop its TLS state
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # not connected yet, or already closed


class _Cutoff:
    """Shuts the attempt's socket down when the deadline passes, whatever the
    socket is waiting for. A timeout per read is no deadline: a receiver that
    drips one byte at a time resets it with every byte."""

    def __init__(self, deadline: _Deadline) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(max(deadline.at - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                _shut(sock)

    def forget(self) -> None:
        """Before a socket is closed: a closed socket's descriptor number may
        soon belong to another connection, which the timer must never touch."""
        with self._lock:
            self._sock = None

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None:
                _shut(self._sock)

    def cancel(self) -> None:
        self._timer.cancel()
        self.forget()


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, deadline: _Deadline, cutoff: _Cutoff) -> None:
        super().__init__(target.host, target.port, timeout=deadline.left())
        self._address = address
        self._deadline = deadline
        self._cutoff = cutoff

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self._address, self.port), self._deadline.left())
        self._cutoff.watch(sock)
        return sock

    def connect(self) -> None:
        self.sock = self._open()

    def close(self) -> None:
        self._cutoff.forget()
        super().close()


class _PinnedHTTPS(_PinnedHTTP):
    def __init__(
        self,
        target: Target,
        address: str,
        deadline: _Deadline,
        cutoff: _Cutoff,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(target, address, deadline, cutoff)
        self._context = context

    def connect(self) -> None:
        tls = self._context.wrap_socket(
            self._open(), server_hostname=self.host, do_handshake_on_connect=False
        )
        self._cutoff.watch(tls)  # the handshake is within the deadline too
        self.sock = tls
        tls.settimeout(self._deadline.left())
        tls.do_handshake()


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
    target: Target,
    address: str,
    deadline: _Deadline,
    cutoff: _Cutoff,
    tls: ssl.SSLContext | None,
) -> http.client.HTTPConnection:
    if target.scheme != "https":
        return _PinnedHTTP(target, address, deadline, cutoff)
    return _PinnedHTTPS(target, address, deadline, cutoff, tls or ssl.create_default_context())


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

    `timeout` is a deadline for the whole attempt: vetting the host (DNS
    included), connecting, TLS, sending, the status line, the headers and the
    capped body. `tls` verifies https receivers; a caller posting often keeps
    one (building a context loads the CA bundle, some 25 ms), else a default
    one is built."""
    deadline = _Deadline(timeout)
    try:
        target = check(
            url,
            allow_private=allow_private,  # again: DNS can change
            resolve_timeout=deadline.left(),
        )
    except (UnsafeURL, TimeoutError) as error:
        failure = deadline.expired if deadline.passed() else f"refused: {error}"
        return Outcome(None, deadline.elapsed_ms(), failure)
    cutoff = _Cutoff(deadline)
    try:
        return _exchange(target, body, headers, deadline, cutoff, tls)
    finally:
        cutoff.cancel()


def _exchange(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    deadline: _Deadline,
    cutoff: _Cutoff,
    tls: ssl.SSLContext | None,
) -> Outcome:
    last_error = "no address to connect to"
    for address in target.addresses:
        conn = None
        try:
            conn = _connection(target, address, deadline, cutoff, tls)
            conn.request(
                "POST",
                target.path,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": USER_AGENT,
                    **headers,
                },
            )
            if conn.sock is not None:  # no single read may outlast the deadline either
                conn.sock.settimeout(deadline.left())
            response = conn.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            status = response.status
            retry_after = parse_retry_after(
                response.getheader("Retry-After"), datetime.now(UTC).timestamp()
            )
            location = response.getheader("Location")
        except (OSError, http.client.HTTPException, UnicodeError, ValueError) as error:
            # UnicodeError: a request line that is not ASCII; ValueError: I/O on
            # a socket the deadline shut. Every failure must come back as an
            # Outcome: one that escaped would leave the message claimed and
            # unrecorded, retried forever without counting.
            if cutoff.fired or deadline.passed():
                return Outcome(None, deadline.elapsed_ms(), deadline.expired)
            last_error = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            if isinstance(error, (ConnectionRefusedError, socket.gaierror)):
                continue  # another address of the host may answer
            return Outcome(None, deadline.elapsed_ms(), last_error)
        finally:
            if conn is not None:
                conn.close()
        latency = deadline.elapsed_ms()
        if cutoff.fired or deadline.passed():  # what was read may be cut short: no answer
            return Outcome(None, latency, deadline.expired)
        if 300 <= status < 400:
            return Outcome(
                status, latency, f"redirects are not followed (Location: {location})", retry_after
            )
        if 200 <= status < 300:
            return Outcome(status, latency)
        return Outcome(status, latency, f"HTTP {status}", retry_after)
    return Outcome(None, deadline.elapsed_ms(), last_error)
