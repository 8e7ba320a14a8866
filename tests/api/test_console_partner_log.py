"""The partner's delivery log says why a delivery failed in plain words,
with what the worker recorded one click away, and when the next try comes
in the same form as every other time on the page."""

from __future__ import annotations

import html
import re
import time
from dataclasses import replace

from tests.console_support import sign_in, text_of
from web.console.deliveries import disabled_because, reason
from web.pages import when
from webhooks.client import Outcome
from webhooks.manual import ManualDeliveries
from webhooks.queue import MessageQueue

NOT_FOUND = (
    "refused: the host 'hooks.invalid' does not resolve: [Errno -2] Name or service not known"
)
REFUSED = "ConnectionRefusedError: [Errno 111] Connection refused"


def _failed_attempt(system, endpoint, error: str) -> None:
    sent = ManualDeliveries(system.db).send_test(endpoint)
    queue = MessageQueue(system.db)
    claim = queue.claim(endpoint["id"], sent["sequence"], "test", 30)
    assert claim is not None
    queue.record(
        claim,
        Outcome(None, 12.0, error),
        holder="test",
        schedule=(60.0,),
        disable_after=86400.0,
        attempted_at=time.time(),
    )


def test_a_failed_delivery_reads_in_plain_words_with_the_detail_kept(app, tokens, system):
    console = app.test_client()
    sign_in(console, tokens.partner)
    endpoint, _ = system.endpoints.create(
        "partner:test partner", "https://hooks.invalid/in", [], "", 0
    )
    for error in (NOT_FOUND, REFUSED):
        _failed_attempt(system, endpoint, error)

    page = console.get(f"/console/partner/endpoints/{endpoint['id']}")

    text = text_of(page)
    assert "The receiver's host name was not found" in text
    assert "The receiver refused the connection" in text
    details = re.findall(
        r"<details[^>]*><summary>Technical detail</summary><code>([^<]*)</code></details>",
        page.get_data(as_text=True),
    )
    assert sorted(html.unescape(d) for d in details) == sorted([NOT_FOUND, REFUSED])
    results = re.findall(r'<td data-label="Result">(.*?)</td>', page.get_data(as_text=True), re.S)
    for cell in results:
        shown = re.sub(r"<details.*?</details>", "", cell, flags=re.S)
        assert "Errno" not in shown and "ConnectionRefusedError" not in shown
    retry = re.search(
        r"next try <time datetime=\"([^\"]+)\">([^<]+)</time>", page.get_data(as_text=True)
    )
    assert retry and retry.group(2) == when(retry.group(1))  # as every time on the page
    assert retry.group(2).endswith(" UTC") and "T" not in retry.group(2).removesuffix("UTC")


def test_each_recorded_failure_has_a_plain_reason():
    assert reason(None) is None
    assert reason("timed out after 10 s") == "No answer within 10 seconds."
    assert reason("HTTP 503") == "The receiver answered 503 (Service Unavailable)."
    assert reason("refused: the address 10.0.0.1 is private") == (
        "Not sent: the address 10.0.0.1 is private."
    )
    assert "redirect" in reason("redirects are not followed (Location: /x)")
    assert "TLS certificate" in reason("SSLCertVerificationError: [SSL] certificate verify failed")
    assert reason("something new") == "The delivery failed."
    assert disabled_because("every delivery failed for 259200 s") == (
        "every delivery failed for 3 days"
    )


def test_the_url_field_says_what_this_server_accepts(app, tokens, system, monkeypatch):
    console = app.test_client()
    sign_in(console, tokens.partner)
    endpoint, _ = system.endpoints.create("partner:test partner", "http://127.0.0.1/in", [], "", 0)
    pages = ("/console/partner/endpoints", f"/console/partner/endpoints/{endpoint['id']}")

    for path in pages:  # the tests allow loopback receivers
        hint = text_of(console.get(path))
        assert "An http or https URL; this server also accepts loopback and private" in hint
    monkeypatch.setattr(system, "settings", replace(system.settings, webhook_allow_private=False))
    for path in pages:
        hint = text_of(console.get(path))
        assert "An http or https URL at a public address" in hint
        assert "loopback" not in hint
