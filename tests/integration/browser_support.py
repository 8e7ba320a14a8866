"""Debian's Chromium driven by Playwright (never a downloaded browser): the
site's and the console's browser tests share this. Without Chromium or
Playwright they skip with the reason, except when CI is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


def browser_or_skip() -> Any:
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason is None and not Path(CHROMIUM).exists():
        reason = "Debian's Chromium is not installed (apt-get install -y chromium chromium-driver)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the browser tests must run: {reason}")
        pytest.skip(f"the browser tests need Chromium and Playwright: {reason}")
    return sync_playwright


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, while the caller holds it."""
    sync_playwright = browser_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def through_test_client(context: Any, client: Any, base: str = "http://ledger.test") -> str:
    """Answer every request of a browser `context` to `base` with Flask's test
    `client` (its cookies, so its session): the real pages, headers and CSP
    in a real browser, with no server and no port. Returns `base`."""

    def answer(route: Any) -> None:
        request = route.request
        path = request.url[len(base) :] or "/"
        headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
        response = client.open(
            path, method=request.method, data=request.post_data_buffer, headers=headers
        )
        route.fulfill(
            status=response.status_code, headers=dict(response.headers), body=response.data
        )

    context.route(f"{base}/**", answer)
    return base


def sign_in_console(page: Any, base: str, token: str) -> None:
    """Sign `page` in to the console at `base` with `token`, as a person does."""
    page.goto(f"{base}/console/")
    sign_in_here(page, token)


def sign_in_here(page: Any, token: str) -> None:
    """Sign in with `token` on the sign-in page `page` shows (it goes on to its `next`)."""
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("form.signout")


def end_session_elsewhere(context: Any, base: str) -> None:
    """End the console session of browser `context` from another of its tabs
    (signed out there): the pages open in the others still show their forms."""
    elsewhere = context.new_page()
    elsewhere.goto(f"{base}/console/")
    elsewhere.get_by_role("button", name="Sign out").click()
    elsewhere.wait_for_url("**/sign-in?signed_out=1")
    elsewhere.close()
