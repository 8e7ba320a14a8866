"""Done when: with `labledger serve --demo`, a visitor opens /, follows a work,
drops its file on /verify and reads "Verified" — computed in the browser — and
a certificate changed on its way is refused, naming the check that failed.

Drives Debian's Chromium (never a downloaded browser) with Playwright against a
real server. Without Chromium or Playwright these tests skip with the reason,
except when CI is set. LEDGER_SCREENSHOTS=1 writes docs/verify.png (the
README's picture) from the verification test.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from api.demo import TITLES
from api.demo_files import file_name
from tests.integration.browser_support import PHONE
from tests.integration.conftest import Server, start_server, stop_server
from transparency.note import Signer

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """`serve --demo` on SQLite, once its views and tree hold the whole demo."""
    tmp = tmp_path_factory.mktemp("site")
    server = start_server(f"sqlite:///{tmp / 'ledger.sqlite3'}", tmp, "--workers", "2", "--demo")
    try:
        works_dir = tmp / "demo" / "works"
        assert str(works_dir) in (tmp / "serve.log").read_text()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            works = requests.get(f"{server.base}/v1/works?limit=100", timeout=10).json()["items"]
            certificates = [
                requests.get(f"{server.base}/v1/works/{w['id']}/certificate", timeout=10)
                for w in works[-1:]
            ]
            if len(works) == len(TITLES) and all(c.status_code == 200 for c in certificates):
                break
            time.sleep(0.3)
        yield server, works_dir
    finally:
        stop_server(server.process)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield opened
    context.close()
    assert errors == []


def demo_file(works_dir: Path, n: int) -> Path:
    return works_dir / file_name(n + 1, TITLES[n])


def verdict(page: Any) -> str:
    page.wait_for_selector("#verify-result .verdict", timeout=20_000)
    return page.inner_text("#verify-result .verdict")


def test_a_visitor_follows_a_work_from_home_and_verifies_its_file_in_the_browser(site, page):
    server, works_dir = site
    page.goto(f"{server.base}/")
    page.get_by_role("link", name=TITLES[0]).first.click()
    page.wait_for_url(re.compile(r"/works/[0-9a-f-]{36}$"))
    assert page.inner_text("h1") == TITLES[0]
    page.get_by_role("link", name="Verify a work").click()
    page.wait_for_url(f"{server.base}/verify")

    page.set_input_files("#work-file", str(demo_file(works_dir, 0)))

    text = verdict(page)
    assert text.startswith("Verified")
    assert f"“{TITLES[0]}” was declared by Kim Seo-yeon" in text
    assert "the same as your file's" in text
    assert "no pinned key was given, so the key inside the certificate is used" in text
    if os.environ.get("LEDGER_SCREENSHOTS"):
        page.set_viewport_size({"width": 900, "height": 900})
        page.click("#verify-result summary")  # every check, shown
        page.screenshot(path=str(ROOT / "docs" / "verify.png"), full_page=True)


def test_a_certificate_changed_on_its_way_is_not_verified_naming_the_failed_check(site, page):
    server, works_dir = site

    def one_byte_changed(route: Any) -> None:
        response = route.fetch()
        body = response.body()
        at = body.index(b'"audit_path":["') + len(b'"audit_path":["')
        changed = body[:at] + (b"0" if body[at : at + 1] != b"0" else b"1") + body[at + 1 :]
        route.fulfill(response=response, body=changed)

    page.route("**/v1/works/*/certificate", one_byte_changed)
    page.goto(f"{server.base}/verify")
    page.set_input_files("#work-file", str(demo_file(works_dir, 2)))

    text = verdict(page)
    assert text.startswith("Not verified")
    assert "The first check that failed: The declaration is part of the signed log." in text
    assert "does not lead to the root hash" in text


def test_a_file_nobody_declared_says_so_plainly(site, page, tmp_path):
    server, _ = site
    stranger = tmp_path / "holiday.png"
    stranger.write_bytes(b"not a declared work")
    page.goto(f"{server.base}/verify")

    page.set_input_files("#work-file", str(stranger))

    text = verdict(page)
    assert text.startswith("No one has declared this file")
    assert hashlib.sha256(b"not a declared work").hexdigest() in text  # computed in the browser


def test_a_pinned_key_is_the_only_key_trusted(site, page):
    server, works_dir = site
    page.goto(f"{server.base}/verify")
    page.check("#pin-site-key")
    page.set_input_files("#work-file", str(demo_file(works_dir, 4)))
    assert "the certificate names the key you pinned" in verdict(page)

    page.uncheck("#pin-site-key")
    other = Signer("other.example/log", bytes(range(32))).verifier.vkey  # another log's key
    page.fill("#pinned-key", other)
    page.set_input_files("#work-file", str(demo_file(works_dir, 5)))
    page.wait_for_selector("#verify-result .verdict.bad")
    assert "The first check that failed: The log's key is the one you trust" in verdict(page)


def test_the_keyboard_alone_reaches_and_presses_the_verify_button(site, page):
    server, _ = site
    work = requests.get(f"{server.base}/v1/works?limit=1", timeout=10).json()["items"][0]
    page.goto(f"{server.base}/works/{work['id']}")
    page.wait_for_selector("#work-verify:not([hidden])")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "verify-button":
            break
    else:
        pytest.fail("Tab never reached the Verify button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible

    page.keyboard.press("Enter")

    assert verdict(page).startswith("Verified")


def test_every_page_fits_a_phone_and_verifies_there(site, browser):
    server, works_dir = site
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    work = requests.get(f"{server.base}/v1/works?limit=1", timeout=10).json()["items"][0]
    try:
        for path in ("/", "/verify", "/transparency", f"/works/{work['id']}"):
            phone.goto(f"{server.base}{path}")
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)
        phone.goto(f"{server.base}/verify")
        phone.set_input_files("#work-file", str(demo_file(works_dir, 1)))
        assert verdict(phone).startswith("Verified")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_the_transparency_page_checks_each_checkpoint_in_the_browser(site, page):
    server, _ = site
    page.goto(f"{server.base}/transparency")
    page.wait_for_selector("li[data-size] .status.ok", timeout=20_000)
    statuses = page.locator("li[data-size] .status").all_inner_texts()
    assert statuses and all(s.startswith("✓ Verified in your browser") for s in statuses)
    history = requests.get(f"{server.base}/v1/transparency/checkpoints", timeout=10).json()
    assert len(statuses) == min(len(history["items"]), 50)
    assert json.loads(page.evaluate("JSON.stringify(document.documentElement.lang)")) == "en"


def _corrected(server: Server, title: str, action: str, headers: dict[str, str]) -> dict[str, Any]:
    """A demo work retracted or disputed through the API, once its certificate
    carries the correction (the next signed checkpoint holds it)."""
    works = requests.get(f"{server.base}/v1/works?limit=100", timeout=10).json()["items"]
    work = next(w for w in works if w["title"] == title)
    if action == "retract":
        headers = server.token("artist", work["owner"]["participant_id"])
    written = requests.post(
        f"{server.base}/v1/works/{work['id']}/{action}",
        json={"reason": "a test of the site"},
        headers=headers,
        timeout=10,
    )
    assert written.status_code == 200, written.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cert = requests.get(f"{server.base}/v1/works/{work['id']}/certificate", timeout=10)
        if cert.status_code == 200 and "corrections" in cert.json():
            # The certificate and the works view are kept by different
            # followers: read the work at the correction's own position.
            position = written.json()["position"]
            url = f"{server.base}/v1/works/{work['id']}?min_position={position}"
            return requests.get(url, timeout=10).json()
        time.sleep(0.3)
    pytest.fail("the certificate never carried the correction")


def test_a_retracted_work_verifies_as_a_valid_record_of_a_retraction_not_as_ownership(site, page):
    server, works_dir = site
    retracted = _corrected(server, TITLES[7], "retract", {})
    day = retracted["retracted_at"][:10]

    page.goto(f"{server.base}/works/{retracted['id']}")
    assert "Ownership retracted." in page.inner_text("#standing")
    page.goto(f"{server.base}/verify")
    page.set_input_files("#work-file", str(demo_file(works_dir, 7)))

    text = verdict(page)
    assert text.startswith(f"Valid record — ownership retracted on {day}")
    assert not text.startswith("Verified")
    assert "Its artist retracted this declaration on" in text
    page.click("#verify-result summary")  # every check, shown
    checks = page.inner_text("#verify-result .checks")
    assert "Any later retraction or dispute is in the same signed log (passed)" in checks
    assert page.get_attribute("#verify-result .verdict", "data-status") == "retracted"


def test_a_disputed_work_verifies_and_says_it_is_disputed(site, page):
    server, works_dir = site
    disputed = _corrected(server, TITLES[8], "dispute", server.token("staff"))

    page.goto(f"{server.base}/works/{disputed['id']}")
    page.click("#verify-button")

    text = verdict(page)
    assert text.startswith(f"Verified — ownership disputed since {disputed['disputed_at'][:10]}")
    assert "Staff marked this declaration disputed on" in text
