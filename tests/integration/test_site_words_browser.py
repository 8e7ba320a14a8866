"""What the public pages say matches what the browser does: /transparency
says the browser checks each checkpoint only where its script runs, and a
pinned key on /verify that is not one is named in a visitor's words, not
the verifier's ("malformed verifier key").

The pages come from the app through Flask's test client
(`browser_support.through_test_client`) at http://localhost, a secure
context for WebCrypto: no server, no port."""

from __future__ import annotations

from typing import Any

import pytest

from api.demo import TITLES, load_demo
from tests.integration.browser_support import through_test_client
from transparency.follower import TreeBuilder

BASE = "http://localhost"
CHECKING = "Your browser checks each checkpoint's signature"


@pytest.fixture
def demo(client, system, settings) -> dict[str, Any]:
    load_demo(system, echo=lambda _: None)
    TreeBuilder(system.log, system.db, settings).catch_up()
    system.transparency.checkpoint()
    works = client.get("/v1/works?limit=1000").get_json()["items"]
    return {w["title"]: w for w in works}


def _page(browser: Any, client: Any, *, scripts: bool = True) -> tuple[Any, Any]:
    context = browser.new_context(java_script_enabled=scripts)
    through_test_client(context, client, BASE)
    return context, context.new_page()


def test_the_transparency_page_says_the_browser_checks_only_when_it_does(browser, client, demo):
    context, page = _page(browser, client, scripts=False)
    page.goto(f"{BASE}/transparency")
    without = page.inner_text("main")
    context.close()
    context, page = _page(browser, client)
    page.goto(f"{BASE}/transparency")
    page.wait_for_selector("li[data-size] .status.ok", timeout=20_000)
    with_script = page.inner_text("main")
    context.close()

    assert CHECKING not in without and "only when JavaScript runs" in without
    assert CHECKING in with_script and "only when JavaScript runs" not in with_script


@pytest.mark.parametrize(
    ("pasted", "words"),
    [
        ("not a key", "What you pasted is not a log key"),
        ("labledger.local/log+0badc0de+AAAA", "The log key you pasted is damaged"),
    ],
)
def test_a_pasted_key_that_is_not_one_is_named_in_plain_words(browser, client, demo, pasted, words):
    work = demo[TITLES[0]]
    context, page = _page(browser, client)
    page.goto(f"{BASE}/verify")
    page.fill("#pinned-key", pasted)
    page.fill("#sha256", work["content_sha256"])
    page.get_by_role("button", name="Look it up").click()
    page.wait_for_selector("#verify-result .verdict", timeout=20_000)

    verdict = page.inner_text("#verify-result .verdict")
    assert words in verdict and "Check the pasted log key" in verdict
    assert "malformed verifier key" not in page.inner_text("#verify-result .verdict > p")
    assert page.get_attribute("#pinned-key", "aria-invalid") == "true"
    context.close()
