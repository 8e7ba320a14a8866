"""The turns a real visitor takes that the happy path does not, through a
real `labledger serve --demo` and Debian's Chromium:

- after a refused form (shown at the form's address, which only takes a
  POST), *Refresh to the latest* shows the page again, not a 405 in JSON;
- a form sent after the session ended signs in again back to its page;
- a refused token is tied to its field (aria-describedby), so a screen
  reader on the field hears why;
- a mistyped address, or a form's address opened in the address bar,
  answers a browser with a page (a 404 or 405 in the site's words), while
  the API and any client that does not ask for HTML still get problem+json;
- the line `sha256sum FILE` prints, pasted where the page says to paste it
  from sha256sum, is read as the fingerprint: on /verify (with and without
  JavaScript) and in the artist's console form; and a verdict on a pasted
  fingerprint does not speak of "your file".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from api.demo import TITLES
from tests.integration.browser_support import (
    end_session_elsewhere,
    sign_in_console,
    sign_in_here,
)
from tests.integration.conftest import Server

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def served(demo_server: Server) -> Server:
    return demo_server


@pytest.fixture(scope="module")
def staff_token(served: Server) -> str:
    return served.token("staff")["Authorization"].split()[-1]


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    opened = browser.new_context(viewport={"width": 1100, "height": 900})
    yield opened
    opened.close()


def _admitted(served: Server, staff_token: str) -> dict[str, Any]:
    roster = requests.get(
        f"{served.base}/v1/programs/seoul-2026/roster",
        headers={"Authorization": f"Bearer {staff_token}"},
        timeout=10,
    ).json()
    return next(a for a in roster["applications"] if a["status"] == "admitted")


def test_refresh_after_a_refused_form_shows_its_page_again(served, context, staff_token):
    page = context.new_page()
    sign_in_console(page, served.base, staff_token)
    page.goto(f"{served.base}/console/staff/programs/seoul-2026/applications?status=admitted")
    first = page.locator("details:has-text('Record a withdrawal')").first
    first.locator("summary").click()
    first.get_by_role("button", name="Record the withdrawal").click()  # no reason given
    page.wait_for_selector(".problem")
    assert page.url.endswith("/withdraw")  # the refusal is shown at the form's address
    # on the list it was sent from, still filtered
    assert page.get_by_role("link", name="Admitted (21)").get_attribute("aria-current") == "page"

    page.get_by_role("link", name="Refresh to the latest").click()
    page.wait_for_load_state()

    assert page.url == (
        f"{served.base}/console/staff/programs/seoul-2026/applications?status=admitted"
    )
    assert page.title().startswith("Applications ·")
    assert page.locator("h1").inner_text().startswith("Applications")


def test_a_form_sent_after_the_session_ended_returns_to_its_page(served, context, staff_token):
    page = context.new_page()
    sign_in_console(page, served.base, staff_token)
    form_page = f"{served.base}/console/staff/programs/seoul-2026/applications?status=declined"
    page.goto(form_page)
    end_session_elsewhere(context, served.base)

    page.get_by_label("Artist's name").fill("김하늘")
    page.get_by_role("button", name="Record the application").click()
    page.wait_for_selector("text=Your session has ended")
    sign_in_here(page, staff_token)

    assert page.url == form_page
    assert page.get_by_role("link", name="Declined (3)").get_attribute("aria-current") == "page"


def test_a_refused_token_is_described_on_its_field(served, context):
    page = context.new_page()
    page.goto(f"{served.base}/console/sign-in")
    page.get_by_label("Your token").fill("llt_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(".problem")

    described = page.eval_on_selector(
        "#token",
        """field => field.getAttribute("aria-describedby").split(" ")
            .map(id => document.getElementById(id).textContent).join(" ")""",
    )
    assert "unknown or was revoked" in described
    assert page.get_attribute("#token", "aria-invalid") == "true"


def test_a_wrong_address_answers_a_browser_with_a_page(served, context, staff_token):
    page = context.new_page()
    for path in ("/works/not-a-work-id", "/no-such-page"):
        answer = page.goto(served.base + path)
        assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")
        assert page.title() == "Not found · Lab Ledger"
        assert page.get_by_role("link", name="Verify a work").count() >= 1  # the site's nav

    sign_in_console(page, served.base, staff_token)
    participant = _admitted(served, staff_token)["id"]
    form_address = f"/console/staff/participants/{participant}/invite"  # takes a POST only
    answer = page.goto(served.base + form_address)
    assert answer.status == 405 and answer.headers["content-type"].startswith("text/html")
    assert page.locator("h1").inner_text() == "Nothing to show at this address"
    assert page.locator("form.signout").count() == 1  # still shown as signed in
    answer = page.goto(f"{served.base}/console/staff/participants/not-an-id")
    assert answer.status == 404 and page.locator("h1").inner_text() == "Not found"

    # Clients that do not ask for HTML, and the API whatever is asked, keep problem+json.
    for path, headers in (
        ("/no-such-page", {}),
        ("/no-such-page", {"Accept": "*/*"}),
        ("/v1/no-such-thing", HTML),
        (form_address, {}),
    ):
        answer = requests.get(served.base + path, headers=headers, timeout=10)
        assert answer.headers["Content-Type"] == "application/problem+json", (path, headers)
        assert answer.status_code in (404, 405)
    assert requests.get(served.base + form_address, timeout=10).headers["Allow"] == "OPTIONS, POST"


def _demo_hash(served: Server) -> tuple[str, str]:
    work = requests.get(f"{served.base}/v1/works?limit=1", timeout=10).json()["items"][0]
    return work["content_sha256"], work["title"]


@pytest.mark.parametrize("scripts", [True, False], ids=["with-js", "without-js"])
def test_verify_reads_the_line_sha256sum_prints(served, browser, scripts):
    digest, title = _demo_hash(served)
    assert title in TITLES
    context = browser.new_context(java_script_enabled=scripts)
    page = context.new_page()
    page.goto(f"{served.base}/verify")
    page.get_by_label("Paste a SHA-256 fingerprint").fill(f"{digest.upper()}  ./{title}.png")
    page.get_by_role("button", name="Look it up").click()
    page.wait_for_selector(".verdict h2")
    verdict = page.inner_text("#verify-result")
    context.close()

    assert "Not a fingerprint" not in verdict and "64 hexadecimal" not in verdict
    assert title in verdict
    if scripts:  # the verdict speaks of what was pasted: no file was given
        assert "the one you pasted" in verdict and "your file's" not in verdict


def test_a_pasted_fingerprint_nobody_declared_is_not_called_a_file(served, browser):
    page = browser.new_page()
    page.goto(f"{served.base}/verify")
    page.get_by_label("Paste a SHA-256 fingerprint").fill(hashlib.sha256(b"nobody").hexdigest())
    page.get_by_role("button", name="Look it up").click()
    page.wait_for_selector(".verdict h2")
    verdict = page.inner_text("#verify-result")
    page.close()

    assert verdict.startswith("No one has declared this fingerprint")
    assert "computed in your browser" not in verdict


def test_the_artists_form_takes_the_line_sha256sum_prints(served, browser, staff_token):
    participant = _admitted(served, staff_token)["id"]
    token = served.token("artist", participant)["Authorization"].split()[-1]
    context = browser.new_context(java_script_enabled=False)  # paste, as its hint says
    page = context.new_page()
    sign_in_console(page, served.base, token)
    output = hashlib.sha256(f"an output of {participant}".encode()).hexdigest()

    page.get_by_label("Tool", exact=True).select_option("image")
    page.get_by_label("Version", exact=True).select_option("5.0")
    page.get_by_label("Output's SHA-256").fill(f"{output}  /home/me/out/take-3.png")
    page.get_by_label("Media type").fill("image/png")
    page.get_by_role("button", name="Record the generation").click()
    page.wait_for_load_state()
    said = page.inner_text("main")
    context.close()

    assert "Generation recorded." in said, said[:600]
    assert output[:12] in said
