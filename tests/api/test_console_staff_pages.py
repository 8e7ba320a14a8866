"""The staff's program pages offer what the ledger will do and nothing
else: a next page only when there is one."""

from __future__ import annotations

import re

from tests.console_support import sign_in
from tests.helpers import open_program
from web.console import staff


def test_the_programs_list_links_the_next_page_only_when_there_is_one(
    client, app, tokens, monkeypatch
):
    open_program(client, tokens, slug="seoul-2026")
    open_program(client, tokens, slug="busan-2027")
    monkeypatch.setattr(staff, "PROGRAMS_PER_PAGE", 1)
    api = client.get("/v1/programs?limit=1").get_json()
    console = app.test_client()
    sign_in(console, tokens.staff)

    first = console.get("/console/staff/programs").get_data(as_text=True)

    link = re.search(r'<p class="pager"><a href="([^"]+)">Next page</a>', first)
    assert link and link.group(1) == f"/console/staff/programs?after={api['next']}"
    second = console.get(link.group(1)).get_data(as_text=True)
    assert "busan-2027" in second and "seoul-2026" not in second
    assert "Next page" not in second and "Macro" not in second

    monkeypatch.setattr(staff, "PROGRAMS_PER_PAGE", 20)
    whole = console.get("/console/staff/programs").get_data(as_text=True)
    assert "Next page" not in whole and "Macro" not in whole
