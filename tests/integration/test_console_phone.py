"""The console on a 375 px phone, in Debian's Chromium: nothing scrolls
sideways (a refusal quoting a 64-character hash wraps), and a table whose
header row is hidden gives each cell its column's name.

The pages come from the app through Flask's test client
(`browser_support.through_test_client`): no server, no port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.console_support import sign_in
from tests.helpers import seed
from tests.integration.browser_support import through_test_client

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    yield context
    context.close()


def _scroll_width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_refused_declaration_quoting_a_hash_does_not_widen_the_artists_page(
    client, app, tokens, phone
):
    theirs = seed(client, tokens)
    mine = seed(client, tokens, slug="busan-2027")
    console = app.test_client()
    sign_in(console, mine.artist_headers)
    base = through_test_client(phone, console)
    page = phone.new_page()
    page.goto(f"{base}/console/artists/{mine.participant}")

    page.fill("#work-title", "Not mine")
    page.fill("#work-content_sha256", theirs.content_sha256)
    page.check("#work-generation_ids-1")
    page.fill("#work-statement", "x")
    page.get_by_role("button", name="Declare ownership").click()
    page.wait_for_selector("#work-problem")

    assert theirs.content_sha256 in page.inner_text("#work-problem")
    assert _scroll_width(page) <= PHONE["width"]
    page.click("#work-problem a")
    page.wait_for_url(f"{base}/works/{theirs.work}")


def test_a_table_row_on_a_phone_names_each_value(client, app, tokens, phone):
    seeded = seed(client, tokens)
    console = app.test_client()
    sign_in(console, tokens.staff)
    base = through_test_client(phone, console)
    page = phone.new_page()

    page.goto(f"{base}/console/staff/programs/{seeded.slug}/participants")

    assert not page.is_visible("table.list thead")
    row = page.inner_text("table.list tbody tr")
    labels = page.eval_on_selector_all(
        "table.list tbody tr:first-child td",
        "cells => cells.map(c => getComputedStyle(c, '::before').content)",
    )
    assert labels == [
        '"Participant: "',
        '"Active grants (expiry, UTC): "',
        '"Generations: "',
        '"Works: "',
    ], row
    assert _scroll_width(page) <= PHONE["width"]
