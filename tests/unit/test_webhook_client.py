"""The delivery client turns every failure into an Outcome, never an exception
(one that escaped would leave the attempt unrecorded and the message claimed)."""

from __future__ import annotations

from webhooks.client import post


def test_a_url_the_request_line_cannot_carry_is_a_failed_attempt() -> None:
    # refused before any connection is made: the request line must be ASCII
    outcome = post("http://127.0.0.1:9/caf\u00e9", b"{}", {}, timeout=1, allow_private=True)
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and "UnicodeEncodeError" in outcome.error
