"""Inviting an artist: staff make a one-time, expiring link for an admitted
participant; following it signs the artist in and issues their own token,
shown on that page once; a used, expired or unknown link says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ledger.events import rfc3339
from tests.console_support import csrf_of, sign_in, submit, text_of
from tests.helpers import apply, open_program, post

LINK = re.compile(r'id="invite-link" class="secret-value" value="([^"]+)"')


def _admitted(client, tokens) -> str:
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    return pid


def _invite(app, tokens, pid: str) -> str:
    staff = app.test_client()
    sign_in(staff, tokens.staff)
    page = f"/console/staff/participants/{pid}"
    response = submit(staff, page, f"{page}/invite")
    assert response.status_code == 201, text_of(response)
    assert "Copy it now" in text_of(response)
    link = LINK.search(response.get_data(as_text=True)).group(1)
    assert "/console/invite/" in link
    assert link not in staff.get(page).get_data(as_text=True)  # shown once
    return link.split("://", 1)[1].split("/", 1)[1]


def _follow(app, path: str):
    browser = app.test_client()
    page = browser.get("/" + path)
    response = browser.post("/" + path, data={"csrf": csrf_of(page.get_data(as_text=True))})
    return browser, page, response


def test_an_invite_signs_the_artist_in_and_issues_their_own_token_once(app, client, tokens, system):
    pid = _admitted(client, tokens)
    path = _invite(app, tokens, pid)
    assert (
        system.db.fetchall("SELECT secret_sha256 FROM {t}console_invites")[0]["secret_sha256"]
        not in path
    )  # only the secret's hash is stored, never the secret

    browser, page, response = _follow(app, path)

    assert page.status_code == 200 and "seoul-2026" in text_of(page)
    assert response.status_code == 201
    token = re.search(
        r'id="issued-token" class="secret-value" value="(llt_[^"]+)"',
        response.get_data(as_text=True),
    ).group(1)
    assert "Copy it now: it is shown this once" in text_of(response)
    # The token is the artist's own, for the API.
    mine = client.get(f"/v1/participants/{pid}", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    [issued] = [t for t in system.tokens.list() if t["name"] == "invited artist"]
    assert issued["role"] == "artist" and issued["participant_id"] == pid
    # The browser is signed in as that artist, and the token is never shown again.
    record = browser.get(f"/console/artists/{pid}")
    assert record.status_code == 200 and token not in record.get_data(as_text=True)


def _header_name(response) -> str:
    found = re.search(r'<span class="who">([^<]*)<', response.get_data(as_text=True))
    assert found, "no signed-in name in the header"
    return found.group(1).strip()


def test_an_invited_artist_is_greeted_by_their_own_name(app, client, tokens):
    pid = _admitted(client, tokens)
    browser, _, welcome = _follow(app, _invite(app, tokens, pid))

    assert _header_name(welcome) == "Kim Seo-yeon"  # the name they applied with
    post(client, f"/v1/participants/{pid}/display-name", tokens.staff, {"display_name": "Seo"}, 200)
    assert _header_name(browser.get(f"/console/artists/{pid}")) == "Seo"


def test_a_used_invite_says_so_and_signs_no_one_in(app, client, tokens, system):
    pid = _admitted(client, tokens)
    path = _invite(app, tokens, pid)
    late = app.test_client()
    opened = late.get("/" + path)  # opened in a second browser before it was used
    _follow(app, path)

    response = late.post("/" + path, data={"csrf": csrf_of(opened.get_data(as_text=True))})

    assert response.status_code == 410 and "already used" in text_of(response)
    assert late.get_cookie("labledger_console", path="/console") is None
    again = late.get("/" + path)
    assert again.status_code == 410 and "already used" in text_of(again)
    assert len([t for t in system.tokens.list() if t["name"] == "invited artist"]) == 1


def test_an_expired_invite_says_so(app, client, tokens, system):
    pid = _admitted(client, tokens)
    path = _invite(app, tokens, pid)
    browser = app.test_client()
    opened = browser.get("/" + path)
    past = rfc3339(datetime.now(UTC) - timedelta(seconds=1))
    system.db.execute("UPDATE {t}console_invites SET expires_at = ?", (past,))

    response = browser.post("/" + path, data={"csrf": csrf_of(opened.get_data(as_text=True))})

    assert response.status_code == 410 and "expired" in text_of(response)
    assert browser.get("/" + path).status_code == 410
    assert not [t for t in system.tokens.list() if t["name"] == "invited artist"]


def test_an_unknown_invite_is_404(app):
    browser = app.test_client()
    assert browser.get("/console/invite/not-a-real-secret").status_code == 404


def test_only_an_admitted_participant_can_be_invited(app, client, tokens, system):
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)  # pending, not admitted
    staff = app.test_client()
    sign_in(staff, tokens.staff)
    page = f"/console/staff/participants/{pid}"
    response = submit(staff, page, f"{page}/invite")
    assert response.status_code == 409
    assert "Participant is not admitted" in text_of(response)
    assert system.db.fetchall("SELECT * FROM {t}console_invites") == []


def test_an_invite_link_is_built_from_the_host_and_scheme_the_request_came_in_on(
    app, client, tokens
):
    """What the README tells an operator behind a proxy: pass the public Host on."""
    pid = _admitted(client, tokens)
    base = "https://residency.example.org"
    staff = app.test_client()
    token = tokens.staff["Authorization"].split()[-1]
    form = staff.get("/console/sign-in", base_url=base).get_data(as_text=True)
    staff.post("/console/sign-in", data={"token": token, "csrf": csrf_of(form)}, base_url=base)
    page = f"/console/staff/participants/{pid}"
    html = staff.get(page, base_url=base).get_data(as_text=True)

    response = staff.post(
        f"{page}/invite",
        data={"csrf": csrf_of(html)},
        base_url=base,
        headers={"X-Forwarded-Host": "elsewhere.example"},  # not read: no ProxyFix
    )

    assert response.status_code == 201, text_of(response)
    link = LINK.search(response.get_data(as_text=True)).group(1)
    assert link.startswith(f"{base}/console/invite/")
