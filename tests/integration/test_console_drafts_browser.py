"""A form sent after the console session ended comes back filled in, through
a real `labledger serve --demo` and Debian's Chromium: the sign-in it lands on
returns to its page with what was typed (web/static/js/drafts.js, kept in the
tab's sessionStorage) and says so; so does the link back from "This form has
expired", when they signed in again in another tab and sent the stale form.
It is sent only when its sender sends it, under the new session. Nothing that
is not typed is kept (the CSRF token, a field marked data-no-draft); a draft
is not given to another account, nor kept past a session's idle time, nor
shown again once sent, nor after a form refused by a rule. And a file chosen
before the console's script ran (it loads drafts.js first) is fingerprinted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ledger.sessions import IDLE
from tests.integration.browser_support import (
    end_session_elsewhere,
    sign_in_console,
    sign_in_here,
)
from tests.integration.conftest import Server

DRAFT = "sessionStorage.getItem('labledger.console.draft')"
APPLICATIONS = "/console/staff/programs/seoul-2026/applications?status=declined"
TYPED = {
    "Artist's name": "김하늘 (draft)",
    "E-mail": "haneul@example.org",
    "Statement": "Two lines typed at length,\nand the second one.",
}
NOT_KEPT = "https://example.org/not-kept-in-the-tab"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    opened = browser.new_context(viewport={"width": 1100, "height": 900})
    yield opened
    opened.close()


def _signed_in_again(page: Any, token: str) -> None:
    sign_in_here(page, token)
    page.wait_for_load_state()  # the console's module scripts have run


def _draft(page: Any) -> Any:
    kept = page.evaluate(DRAFT)
    return None if kept is None else json.loads(kept)


def _send_after_the_session_ended(page: Any, context: Any, base: str, button: str) -> None:
    end_session_elsewhere(context, base)
    page.get_by_role("button", name=button).click()
    page.wait_for_selector("text=Your session has ended")


def _type_an_application(page: Any) -> Any:
    form = page.locator("form", has=page.get_by_label("Artist's name"))
    for label, value in TYPED.items():
        form.get_by_label(label).fill(value)
    form.get_by_label("Portfolio link").fill(NOT_KEPT)
    form.get_by_label("Portfolio link").evaluate("field => field.dataset.noDraft = ''")
    return form


def _staff_typing(demo_server: Server, context: Any) -> tuple[str, str, Any, Any, str]:
    """Staff signed in, an application typed on its page: base, token, page,
    form and the form's CSRF value."""
    base, token = demo_server.base, demo_server.shared_token("staff")["Authorization"].split()[-1]
    page = context.new_page()
    sign_in_console(page, base, token)
    page.goto(base + APPLICATIONS)
    form = _type_an_application(page)
    return base, token, page, form, form.locator("input[name=csrf]").input_value()


def test_a_form_sent_after_the_session_ended_comes_back_filled_in(demo_server, context):
    base, token, page, form, csrf = _staff_typing(demo_server, context)

    _send_after_the_session_ended(page, context, base, "Record the application")
    draft = _draft(page)
    kept = {field["name"]: field["value"] for field in draft["fields"]}
    assert sorted(kept.values()) == sorted(TYPED.values())
    assert csrf not in json.dumps(draft) and NOT_KEPT not in json.dumps(draft)
    assert not {"csrf", "form_id", "page", "status", "portfolio_url"} & set(kept)

    _signed_in_again(page, token)
    assert page.url == base + APPLICATIONS
    assert {label: form.get_by_label(label).input_value() for label in TYPED} == TYPED
    assert form.get_by_label("Portfolio link").input_value() == ""  # marked data-no-draft
    said = form.get_by_role("status").inner_text()
    assert "before your session ended" in said and "has not been sent" in said
    assert form.locator("input[name=csrf]").input_value() != csrf  # the new session's
    assert _draft(page) is None

    form.get_by_label("Portfolio link").fill("https://example.org/haneul")
    page.get_by_role("button", name="Record the application").click()
    page.wait_for_selector("p.notice.done")
    page.wait_for_load_state()  # drafts.js has run on the page written to
    assert page.inner_text("p.notice.done") == "Application recorded."
    assert _draft(page) is None

    page.goto(base + APPLICATIONS)
    assert form.get_by_label("Artist's name").input_value() == ""
    assert form.get_by_label("Statement").input_value() == ""
    assert page.locator(".notice.restored").count() == 0


def test_a_form_sent_after_signing_in_again_in_another_tab_comes_back_filled_in(
    demo_server, context
):
    base, token, page, form, csrf = _staff_typing(demo_server, context)
    end_session_elsewhere(context, base)
    sign_in_console(context.new_page(), base, token)  # another tab: this one's form is stale

    page.get_by_role("button", name="Record the application").click()
    page.wait_for_selector("text=This form has expired")
    assert "Nothing was changed" in page.inner_text(".problem")
    back = page.get_by_role("link", name="Back to the form, with what you typed")
    assert back.get_attribute("href") == APPLICATIONS
    back.click()
    page.wait_for_url(base + APPLICATIONS)
    page.wait_for_load_state()  # the console's module scripts have run

    assert {label: form.get_by_label(label).input_value() for label in TYPED} == TYPED
    said = form.get_by_role("status").inner_text()
    assert "before your session ended" in said and "has not been sent" in said
    assert form.locator("input[name=csrf]").input_value() not in ("", csrf)  # the new session's
    assert _draft(page) is None
    form.get_by_label("Portfolio link").fill("https://example.org/haneul")
    page.get_by_role("button", name="Record the application").click()
    page.wait_for_selector("p.notice.done")
    assert page.inner_text("p.notice.done") == "Application recorded."


def _artist_token(server: Server) -> str:
    staff = server.shared_token("staff")
    roster = requests.get(f"{server.base}/v1/programs/seoul-2026/roster", headers=staff, timeout=10)
    admitted = next(a for a in roster.json()["applications"] if a["status"] == "admitted")
    return server.token("artist", admitted["id"])["Authorization"].split()[-1]


def test_selects_checkboxes_and_lines_come_back_as_chosen(demo_server, context):
    base, token = demo_server.base, _artist_token(demo_server)
    page = context.new_page()
    sign_in_console(page, base, token)
    generation = page.locator("form", has=page.get_by_label("Output's SHA-256"))
    chosen = {}
    for label in ("Tool", "Version"):
        options = generation.get_by_label(label, exact=True).locator("option")
        chosen[label] = options.nth(options.count() - 1).get_attribute("value")
        generation.get_by_label(label, exact=True).select_option(chosen[label])
    generation.get_by_label("Media type").fill("image/png")

    _send_after_the_session_ended(page, context, base, "Record the generation")
    _signed_in_again(page, token)
    for label, value in chosen.items():
        assert generation.get_by_label(label, exact=True).input_value() == value
    assert generation.get_by_label("Media type").input_value() == "image/png"
    assert generation.get_by_role("status").filter(has_text="has not been sent").count() == 1

    work = page.locator("form", has=page.get_by_label("Statement"))
    boxes = work.locator("input[type=checkbox]")
    assert boxes.count() >= 2, "the demo artist has generations to choose from"
    boxes.nth(1).check()
    work.get_by_label("Title").fill("Drafted title")
    work.get_by_label("Statement").fill("First line.\n\nThird line, after an empty one.")
    ticked = [boxes.nth(i).is_checked() for i in range(boxes.count())]

    _send_after_the_session_ended(page, context, base, "Declare ownership")
    _signed_in_again(page, token)
    assert [boxes.nth(i).is_checked() for i in range(boxes.count())] == ticked
    assert work.get_by_label("Title").input_value() == "Drafted title"
    assert work.get_by_label("Statement").input_value() == (
        "First line.\n\nThird line, after an empty one."
    )
    assert generation.get_by_label("Media type").input_value() == ""  # not the form sent


def test_a_form_refused_by_a_rule_is_not_filled_in_again_on_its_next_visit(demo_server, context):
    base, token = demo_server.base, _artist_token(demo_server)
    page = context.new_page()
    sign_in_console(page, base, token)
    record = page.url
    generation = page.locator("form", has=page.get_by_label("Output's SHA-256"))
    for label in ("Tool", "Version"):
        options = generation.get_by_label(label, exact=True).locator("option")
        generation.get_by_label(label, exact=True).select_option(
            options.nth(options.count() - 1).get_attribute("value")
        )
    generation.get_by_label("Output's SHA-256").fill("ab" * 32)
    generation.get_by_label("Media type").fill("image/png")
    generation.get_by_label("Generated at (UTC)").fill("2001-01-01T10:00")  # before the program

    with page.expect_navigation() as sent:  # to the refusal's page, loaded: drafts.js has run
        page.get_by_role("button", name="Record the generation").click()
    assert sent.value.status == 409
    assert _draft(page) is None  # the refusal refills the form itself; no draft waits
    page.goto(record)
    assert generation.get_by_label("Media type").input_value() == ""
    assert page.locator(".notice.restored").count() == 0


@pytest.mark.parametrize("turn", ["another account signs in", "older than the idle time"])
def test_a_draft_is_not_restored(demo_server, context, turn):
    base, token, page, form, _ = _staff_typing(demo_server, context)

    _send_after_the_session_ended(page, context, base, "Record the application")
    assert _draft(page) is not None
    if turn == "another account signs in":
        token = demo_server.token("staff")["Authorization"].split()[-1]
    else:
        page.evaluate(f"""() => {{
            const draft = JSON.parse({DRAFT});
            draft.saved -= {IDLE.total_seconds() * 1000 + 60_000};
            sessionStorage.setItem('labledger.console.draft', JSON.stringify(draft));
        }}""")
    _signed_in_again(page, token)

    assert page.url == base + APPLICATIONS
    assert form.get_by_label("Artist's name").input_value() == ""
    assert page.locator(".notice.restored").count() == 0
    assert _draft(page) is None


def test_a_draft_lives_no_longer_than_a_session_idles():
    script = (Path(__file__).parents[2] / "web/static/js/drafts.js").read_text()
    hours = re.search(r"const IDLE_MS = (\d+) \* 60 \* 60 \* 1000;", script)
    assert hours is not None and int(hours.group(1)) * 3600 == IDLE.total_seconds()


def test_a_file_chosen_before_the_console_script_ran_is_fingerprinted(
    demo_server, context, tmp_path
):
    # console.js now loads drafts.js before it runs, so on a slow connection a
    # file can be chosen before its change listener exists: it is hashed anyway.
    base, token = demo_server.base, _artist_token(demo_server)
    page = context.new_page()
    sign_in_console(page, base, token)
    record = page.url
    held: list[Any] = []
    # console.js is held back until released: the page is parsed, its script not run
    page.route("**/js/console.js*", lambda route: held.append(route))
    page.goto(record, wait_until="commit")
    page.wait_for_selector("#generation-file", state="attached")
    output = tmp_path / "early.mp4"
    output.write_bytes(b"chosen before the script arrived")
    page.set_input_files("#generation-file", str(output))
    assert held, "the page asked for console.js"
    held[0].continue_()
    page.wait_for_function(
        "want => document.getElementById('generation-output_sha256').value === want",
        arg=hashlib.sha256(output.read_bytes()).hexdigest(),
    )
