"""Every console page of every role, on the demo program: answered, under
100 KB with its stylesheets and scripts, no inline script under the site's
strict policy, never cached, no token on any page."""

from __future__ import annotations

from typing import Any

import pytest

from api.demo import load_demo
from tests.api.test_pages import PAGE_LIMIT, parsed, weight
from tests.console_support import sign_in
from transparency.follower import TreeBuilder


@pytest.fixture
def demo(system, settings) -> dict[str, Any]:
    tokens = load_demo(system, echo=lambda _: None)
    TreeBuilder(system.log, system.db, settings).catch_up()
    system.read_models.refresh("roster", budget=30)
    roster = system.read_models.roster("seoul-2026")
    admitted = [a["id"] for a in roster["applications"] if a["status"] == "admitted"]
    endpoint, _ = system.endpoints.create(
        "partner:Seoul Design Foundation", "https://hooks.example.org/in", [], "", 0
    )
    return {"tokens": tokens, "participant": admitted[0], "endpoint": endpoint["id"]}


def _pages(demo: dict[str, Any]) -> dict[str, list[str]]:
    pid = demo["participant"]
    program = "/console/staff/programs/seoul-2026"
    return {
        "staff": [
            "/console/staff/programs",
            program,
            f"{program}/applications",
            f"{program}/applications?status=declined",
            f"{program}/participants",
            f"{program}/exhibitions",
            f"{program}/roster",
            f"{program}/close",
            f"/console/staff/participants/{pid}",
            f"/console/staff/participants/{pid}/erase",
        ],
        "artist": [f"/console/artists/{pid}"],
        "auditor": [
            "/console/audit",
            "/console/audit/programs/seoul-2026",
            "/console/audit/checkpoints",
        ],
        "partner": [
            "/console/partner/endpoints",
            "/console/partner/event-types",
            f"/console/partner/endpoints/{demo['endpoint']}",
            f"/console/partner/endpoints/{demo['endpoint']}/delete",
        ],
    }


def test_every_console_page_is_small_strict_and_never_cached(app, demo):
    for role, paths in _pages(demo).items():
        client = app.test_client()
        sign_in(client, demo["tokens"][role])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == "no-store", path
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
            html = response.get_data(as_text=True)
            assert demo["tokens"][role] not in html, path
            page = parsed(html)
            assert page.inline_scripts == 0 and page.lang == "en", path
            assert weight(client, response) < PAGE_LIMIT, path
