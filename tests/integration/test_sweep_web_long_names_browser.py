"""A name of one long word, in Hangul or in Latin letters, wraps where it is
shown instead of widening the page: on a 390 px phone the public home page
(its participants' chips) and the staff's applications, participants and
participant pages never scroll sideways, nor does the roster table on a
desktop. In the console as on the site, Hangul is marked `lang="ko"` (a
screen reader reads it in Korean, the stylesheet keeps its words whole).
Through a real `labledger serve` and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from tests.integration.browser_support import sign_in_console
from tests.integration.conftest import Server, start_server, stop_server

SLUG = "busan-2027"
HANGUL = "김하늘" * 30  # no space to break at, and Korean keeps its words whole
LATIN = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaftschafers" * 2
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("sweep-long-names")
    server = start_server(f"sqlite:///{tmp / 'ledger.sqlite3'}", tmp, "--workers", "2")
    try:
        yield server
    finally:
        stop_server(server.process)


def _post(served: Server, headers: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    answer = requests.post(served.base + path, json=body, headers=headers, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest.fixture(scope="module")
def program(served: Server) -> dict[str, Any]:
    """A program with two admitted artists whose names are one long word."""
    staff = served.token("staff")
    today = date.today()
    opened = {"slug": SLUG, "name": "AI 도구 레지던시 — 부산", "city": "부산", "capacity": 2}
    opened |= {"starts_on": str(today), "ends_on": str(today + timedelta(days=30))}
    _post(served, staff, "/v1/programs", opened)
    ids = []
    for n, name in enumerate((HANGUL, LATIN)):
        application = {"artist_name": name, "email": f"a{n}@example.org"}
        application |= {"portfolio_url": f"https://example.org/{n}", "statement": "x"}
        made = _post(served, staff, f"/v1/programs/{SLUG}/applications", application)
        _post(served, staff, f"/v1/applications/{made['id']}/admit", {})
        _post(served, staff, f"/v1/participants/{made['id']}/display-name", {"display_name": name})
        ids.append(made["id"])
    return {"staff": staff["Authorization"].split()[-1], "participants": ids}


def _signed_in(browser: Any, served: Server, token: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    sign_in_console(page, served.base, token)
    return context, page


def _overflow(
    browser: Any, served: Server, token: str, viewport: dict[str, int], paths: list[str]
) -> dict[str, int]:
    context, page = _signed_in(browser, served, token, viewport)
    widths = {}
    for path in paths:
        page.goto(served.base + path)
        page.wait_for_selector("main h1")
        assert HANGUL in page.inner_text("main") or LATIN in page.inner_text("main"), path
        widths[path] = page.evaluate(  # how far the page scrolls sideways
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    context.close()
    return widths


def test_a_long_name_never_widens_a_phone_page(served, browser, program):
    first, second = program["participants"]
    paths = [
        "/",
        f"/console/staff/programs/{SLUG}/applications",
        f"/console/staff/programs/{SLUG}/participants",
        f"/console/staff/participants/{first}",
        f"/console/staff/participants/{second}",
    ]
    widths = _overflow(browser, served, program["staff"], PHONE, paths)
    assert widths == dict.fromkeys(paths, 0)


def test_a_long_name_wraps_in_its_table_cell_on_a_desktop(served, browser, program):
    paths = [
        f"/console/staff/programs/{SLUG}/roster",
        f"/console/staff/programs/{SLUG}/participants",
    ]
    widths = _overflow(browser, served, program["staff"], DESKTOP, paths)
    assert widths == dict.fromkeys(paths, 0)


def _korean(page: Any) -> list[str]:
    return page.eval_on_selector_all(":lang(ko)", "found => found.map(e => e.textContent.trim())")


def test_the_console_marks_hangul_as_korean(served, browser, program):
    first, _ = program["participants"]
    context, page = _signed_in(browser, served, program["staff"], DESKTOP)
    for path in (
        f"/console/staff/programs/{SLUG}/applications",
        f"/console/staff/participants/{first}",
    ):
        page.goto(served.base + path)
        assert HANGUL in _korean(page), path
        assert "AI 도구 레지던시 — 부산" in _korean(page), path
    assert page.title().startswith(f"{HANGUL} · ")  # the participant's page names them
    page.goto(f"{served.base}/console/staff/programs/{SLUG}/roster")
    assert HANGUL in _korean(page)
    context.close()

    artist = served.token("artist", first)["Authorization"].split()[-1]
    context, page = _signed_in(browser, served, artist, DESKTOP)
    assert page.eval_on_selector("header .who [lang]", "e => [e.lang, e.textContent]") == [
        "ko",
        HANGUL,
    ]
    context.close()
