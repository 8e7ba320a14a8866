"""The delivery client turns every failure into an Outcome, never an exception
(one that escaped would leave the attempt unrecorded and the message claimed)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from webhooks import client
from webhooks.ssrf import Target


def test_a_request_line_that_is_not_ascii_is_a_failed_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Registration refuses such a URL now; an endpoint stored before still
    # reaches the client. It fails before any connection is made.
    def stored(url: str, **_: Any) -> Target:
        return Target(url, "http", "127.0.0.1", 9, "/caf\u00e9", ("127.0.0.1",))

    monkeypatch.setattr(client, "check", stored)
    outcome = client.post("http://127.0.0.1:9/caf\u00e9", b"{}", {}, timeout=1, allow_private=True)
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and "UnicodeEncodeError" in outcome.error


def test_a_slow_resolver_counts_against_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    from webhooks import ssrf

    def hanging(*args: Any, **kwargs: Any) -> list[Any]:
        time.sleep(5)
        return []

    monkeypatch.setattr(ssrf.socket, "getaddrinfo", hanging)
    started = time.monotonic()
    outcome = client.post(
        "https://hooks.partner.example/in", b"{}", {}, timeout=0.5, allow_private=False
    )
    assert time.monotonic() - started < 1.0
    assert outcome.error == "timed out after 0.5 s" and outcome.status_code is None
