"""The auditor's checkpoint history says the browser checks each checkpoint
only when it does: without JavaScript it said "Your browser checks each
signature" while nothing was checked (the public /transparency page already
said it right). Through a real `labledger serve --demo` and Debian's Chromium
(127.0.0.1 is a secure context: WebCrypto runs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.browser_support import sign_in_console
from tests.integration.conftest import Server, start_server, stop_server

CHECKING = "Your browser checks each signature"
NOT_CHECKING = "only when JavaScript runs"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("sweep-auditor")
    server = start_server(f"sqlite:///{tmp / 'ledger.sqlite3'}", tmp, "--demo", "--workers", "2")
    try:
        yield server
    finally:
        stop_server(server.process)


def _checkpoints_page(browser: Any, served: Server, token: str, *, scripts: bool) -> Any:
    context = browser.new_context(java_script_enabled=scripts)
    page = context.new_page()
    sign_in_console(page, served.base, token)
    page.goto(f"{served.base}/console/audit/checkpoints")
    return context, page


def test_the_auditors_checkpoints_say_the_browser_checks_only_when_it_does(served, browser):
    token = served.token("auditor")["Authorization"].split()[-1]

    context, page = _checkpoints_page(browser, served, token, scripts=False)
    without = page.inner_text("main")
    levels = page.eval_on_selector_all("main :is(h1, h2, h3)", "hs => hs.map(h => h.tagName)")
    context.close()
    context, page = _checkpoints_page(browser, served, token, scripts=True)
    page.wait_for_selector("li[data-size] .status.ok", timeout=20_000)
    with_script = page.inner_text("main")
    context.close()

    assert CHECKING not in without and NOT_CHECKING in without
    assert CHECKING in with_script and NOT_CHECKING not in with_script
    assert levels[:3] == ["H1", "H2", "H3"]  # no level skipped before the checkpoints
