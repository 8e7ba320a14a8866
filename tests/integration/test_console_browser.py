"""Done when: a program is run from the browser alone, through the console of
a real `labledger serve`, by each role in its own browser.

Staff open a program, register a tool, record and admit applications until
the program is full (the next admission's refusal is shown), grant the tool
and invite an artist; the artist signs in through the invite, records a
generation from a file and declares a work from another (both hashed in the
browser, never uploaded); staff hang the work in an exhibition; the auditor
reads a report with no violations; a partner adds an endpoint pointing at a
real receiver here and sees its deliveries. Every role's main page fits a
360 px phone. LEDGER_SCREENSHOTS=1 writes docs/console-<role>.png.

Drives Debian's Chromium with Playwright (tests/integration/browser_support.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import DAYS
from tests.integration.browser_support import PHONE, sign_in_console
from tests.integration.conftest import Server, start_server, stop_server

ROOT = Path(__file__).parents[2]
SLUG = "busan-2027"
APPLICANTS = ["Kim Seo-yeon", "Lee Ji-ho", "Park Min-jun"]


class Receiver(BaseHTTPRequestHandler):
    """A partner's webhook receiver: records every delivery, answers 204."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append({"headers": dict(self.headers), "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks", Receiver.received
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("console")
    server = start_server(f"sqlite:///{tmp / 'ledger.sqlite3'}", tmp, "--workers", "2")
    try:
        yield server
    finally:
        stop_server(server.process)


class Role:
    """One person's own browser (its own cookies), signed in to the console."""

    def __init__(self, browser: Any, base: str, name: str) -> None:
        self.name = name
        self.base = base
        self.context = browser.new_context(viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def sign_in(self, token: str) -> None:
        sign_in_console(self.page, self.base, token)

    def press(self, name: str, within: Any = None) -> None:
        (within or self.page).get_by_role("button", name=name).click()
        self.page.wait_for_load_state()

    def notice(self) -> str:
        """What the page says was just done (the page's text when it says nothing)."""
        found = self.page.query_selector("p.notice.done")
        assert found is not None, (self.page.url, self.page.inner_text("main"))
        return found.inner_text()

    def fits_a_phone(self, browser: Any) -> None:
        phone = browser.new_context(viewport=PHONE, is_mobile=True)
        phone.add_cookies(self.context.cookies())
        page = phone.new_page()
        page.goto(self.page.url)
        width = page.evaluate("document.documentElement.scrollWidth")
        phone.close()
        assert width <= PHONE["width"], (self.name, self.page.url, width)

    def screenshot(self) -> None:
        if os.environ.get("LEDGER_SCREENSHOTS"):
            path = ROOT / "docs" / f"console-{self.name}.png"
            self.page.screenshot(path=str(path), full_page=False)


def _token(server: Server, role: str) -> str:
    return server.token(role)["Authorization"].split()[-1]


def _hash_filled(role: Role, field: str, expected: str) -> None:
    role.page.wait_for_function(
        "([id, want]) => document.getElementById(id).value === want", arg=[field, expected]
    )


def test_a_program_runs_from_the_browser_alone(served, browser, receiver, tmp_path):
    base = served.base
    staff, artist, auditor, partner = (
        Role(browser, base, name) for name in ("staff", "artist", "auditor", "partner")
    )

    # Staff: a program, its tool, applications until it is full.
    staff.sign_in(_token(served, "staff"))
    assert staff.page.url.endswith("/console/staff/programs")
    opening = staff.page.locator(
        "form", has=staff.page.get_by_role("button", name="Open the program")
    )
    for label, value in (
        ("Name", "AI Tools Residency — Busan"),
        ("Short name for links (slug)", SLUG),
        ("City", "Busan"),
        ("Seats", "2"),
        # A generation must fall on one of the program's days: it runs around today.
        ("Starts on", DAYS[0].isoformat()),
        ("Ends on", DAYS[1].isoformat()),
    ):
        opening.get_by_label(label, exact=True).fill(value)
    staff.press("Open the program")
    assert staff.notice() == "Program opened."

    tool = staff.page.locator(
        "form", has=staff.page.get_by_role("button", name="Register the tool")
    )
    tool.get_by_label("Name", exact=True).fill("Motion")
    tool.get_by_label("Key").fill("video")
    tool.get_by_label("Provider").fill("Example Video Lab")
    tool.get_by_label("Version", exact=True).fill("2.1")
    tool.get_by_label("What it can do (one per line)").fill("text-to-video\nimage-to-video")
    tool.get_by_label("Its limitations (one per line)").fill("watermarked output")
    staff.press("Register the tool")
    assert staff.notice().startswith("Tool registered")
    assert "image-to-video" in staff.page.inner_text("main")

    staff.page.get_by_role("link", name="Applications").click()
    for name in APPLICANTS:
        form = staff.page.locator(
            "form", has=staff.page.get_by_role("button", name="Record the application")
        )
        form.get_by_label("Artist's name").fill(name)
        form.get_by_label("E-mail").fill(f"{name.split()[0].lower()}@example.org")
        form.get_by_label("Portfolio link").fill("https://portfolio.example.org/")
        form.get_by_label("Statement").fill("Moving image and the sea.")
        staff.press("Record the application")
        assert staff.notice() == "Application recorded."
    for name in APPLICANTS[:2]:
        row = staff.page.locator("li.row", has_text=name)
        staff.press("Admit", within=row)
        assert staff.notice().startswith("Applicant admitted")
    assert "0 of 2 seats left" in staff.page.inner_text(".seats")
    staff.press("Admit", within=staff.page.locator("li.row", has_text=APPLICANTS[2]))
    refusal = staff.page.locator("li.row", has_text=APPLICANTS[2]).locator(".problem")
    assert "Program is full" in refusal.inner_text()
    assert refusal.evaluate("element => element === document.activeElement")  # read out

    # Staff: a grant and an invite for the first artist.
    staff.page.get_by_role("link", name="Participants").click()
    staff.page.get_by_role("link", name=APPLICANTS[0]).click()
    staff.page.get_by_label("Tool", exact=True).select_option("video")
    staff.press("Grant")
    assert staff.notice() == "Tool access granted."
    staff.press("Create an invite link")
    link = staff.page.input_value("#invite-link")

    # The artist: in through the invite, a generation and a work from files.
    artist.page.goto(link)
    artist.press("Sign in as this artist")
    assert "Copy it now: it is shown this once" in artist.page.inner_text("main")
    assert artist.page.input_value("#issued-token").startswith("llt_")
    artist.page.get_by_role("link", name="Go to my record").click()
    output = tmp_path / "tide.mp4"
    output.write_bytes(b"a generated clip of the tide at Haeundae")
    artist.page.set_input_files("#generation-file", str(output))
    _hash_filled(
        artist, "generation-output_sha256", hashlib.sha256(output.read_bytes()).hexdigest()
    )
    assert "the file was not uploaded" in artist.page.inner_text("#generation-file-status")
    artist.press("Record the generation")
    assert artist.notice() == "Generation recorded."
    work = tmp_path / "tide-final.mp4"
    work.write_bytes(b"the finished work: Tide at Haeundae")
    declare = artist.page.locator(
        "form", has=artist.page.get_by_role("button", name="Declare ownership")
    )
    declare.get_by_label("Title").fill("Tide at Haeundae")
    artist.page.set_input_files("#work-file", str(work))
    _hash_filled(artist, "work-content_sha256", hashlib.sha256(work.read_bytes()).hexdigest())
    declare.locator("input[name=generation_ids]").first.check()
    declare.get_by_label("Statement").fill("Made during the residency.")
    artist.press("Declare ownership")
    assert artist.notice() == "Ownership declared."
    assert "Tide at Haeundae" in artist.page.inner_text("main")

    # Staff: an exhibition, the work hung in it.
    staff.page.get_by_role("link", name="Programs").first.click()
    staff.page.get_by_role("link", name="AI Tools Residency — Busan").click()
    staff.page.get_by_role("link", name="Exhibitions").click()
    schedule = staff.page.locator("form", has=staff.page.get_by_role("button", name="Schedule"))
    schedule.get_by_label("Title").fill("Sea Change")
    schedule.get_by_label("Venue").fill("Busan Cinema Center")
    schedule.get_by_label("Opens on").fill(DAYS[1].isoformat())
    schedule.get_by_label("Closes on").fill((DAYS[1] + timedelta(days=28)).isoformat())
    staff.press("Schedule")
    assert staff.notice() == "Exhibition scheduled."
    staff.page.get_by_label("Hang a declared work").select_option(
        label="Tide at Haeundae — Kim Seo-yeon"
    )
    staff.press("Hang it")
    assert staff.notice().startswith("Work hung")
    assert "Tide at Haeundae — credited to Kim Seo-yeon" in staff.page.inner_text("main")

    # The auditor: the report has no violations.
    auditor.sign_in(_token(served, "auditor"))
    auditor.page.get_by_role("link", name="AI Tools Residency — Busan").click()
    assert auditor.page.inner_text(".verdict").startswith("No violations")

    # A partner: an endpoint to our receiver, and its deliveries.
    url, received = receiver
    partner.sign_in(_token(served, "partner"))
    partner.page.get_by_label("URL").fill(url)
    partner.press("Add the endpoint")
    assert partner.page.input_value("#new-secret").startswith("whsec_")
    partner.page.get_by_role("link", name="Open the endpoint and its delivery log").click()
    partner.press("Send a test event")
    assert partner.notice() == "Test event queued."
    deadline = time.monotonic() + 60
    while "delivered" not in partner.page.inner_text("main") and time.monotonic() < deadline:
        time.sleep(0.5)
        partner.page.reload()
    assert "204 delivered" in partner.page.inner_text("table.deliveries")
    assert [r["body"]["type"] for r in received] == ["webhook.test"]
    assert received[0]["headers"]["webhook-signature"].startswith("v1,")

    # Each role's main page, on a phone, and in the README's pictures.
    staff.page.goto(f"{base}/console/staff/programs/{SLUG}/applications")
    artist.page.goto(f"{base}/console/")
    auditor.page.goto(f"{base}/console/audit/programs/{SLUG}")
    partner.page.reload()
    for role in (staff, artist, auditor, partner):
        role.fits_a_phone(browser)
        role.screenshot()
        assert role.errors == [], role.name
        role.context.close()
