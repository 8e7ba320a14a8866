"""Signing in to the console: a token pasted once becomes a session cookie
(HttpOnly, SameSite=Strict, Path=/console, Secure over HTTPS) whose id the
store keeps only as a hash; every POST needs the session's CSRF token;
signing out and revoking the token end the session at once; sessions expire."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ledger.events import rfc3339
from tests.console_support import csrf_of, sign_in, text_of


def _cookie(response, name: str = "labledger_console") -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set")


def test_a_pasted_token_signs_in_with_a_strict_http_only_cookie(client, tokens, system):
    response = sign_in(client, tokens.staff)

    cookie = _cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    session_id = cookie.split(";")[0].split("=", 1)[1]
    stored = system.db.fetchall("SELECT * FROM {t}console_sessions")
    assert len(stored) == 1 and session_id not in str(stored)  # only its hash is kept
    landing = client.get("/console/")
    assert landing.status_code == 302 and landing.location.endswith("/console/staff/programs")
    page = client.get("/console/staff/programs")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert tokens.staff["Authorization"].split()[-1] not in page.get_data(as_text=True)


def test_over_https_the_cookie_is_secure(app, tokens):
    client = app.test_client()
    client.application.config["PREFERRED_URL_SCHEME"] = "https"
    page = client.get("/console/sign-in", base_url="https://localhost")
    token = tokens.staff["Authorization"].split()[-1]
    response = client.post(
        "/console/sign-in",
        data={"token": token, "csrf": csrf_of(page.get_data(as_text=True))},
        base_url="https://localhost",
    )
    assert response.status_code == 303
    assert "Secure" in _cookie(response)


def test_an_unknown_token_is_refused_and_no_session_is_made(client, system):
    page = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in", data={"token": "llt_nope", "csrf": csrf_of(page.get_data(as_text=True))}
    )
    assert response.status_code == 401
    assert "unknown or was revoked" in text_of(response)
    assert system.db.fetchall("SELECT * FROM {t}console_sessions") == []


def test_a_sign_in_posted_from_another_site_is_refused(client, tokens, system):
    # A cross-site form cannot send the SameSite=Strict form cookie.
    token = tokens.staff["Authorization"].split()[-1]
    response = client.post("/console/sign-in", data={"token": token, "csrf": "guessed"})
    assert response.status_code == 403
    assert system.db.fetchall("SELECT * FROM {t}console_sessions") == []


def test_pages_need_a_session(client):
    response = client.get("/console/staff/programs")
    assert response.status_code == 302
    assert "/console/sign-in?next=" in response.location


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client, tokens, system):
    sign_in(client, tokens.staff)
    response = client.post("/console/sign-out", data={})
    assert response.status_code == 403
    assert "This form has expired" in text_of(response)
    assert len(system.db.fetchall("SELECT * FROM {t}console_sessions")) == 1
    assert client.get("/console/staff/programs").status_code == 200  # still signed in


def test_an_expired_form_links_back_to_its_page_and_to_no_other(client, tokens, system):
    # Without JavaScript the link opens the page again (the form empty); with it,
    # drafts.js fills the form in again (tests/integration/test_console_drafts_browser.py).
    sign_in(client, tokens.staff)
    page = "/console/staff/programs?status=open"
    sent = {"csrf": "an ended session's", "slug": "busan-2027", "name": "Busan"}

    refused = client.post("/console/staff/programs", data=sent | {"page": page})

    assert refused.status_code == 403 and system.log.head() == 0
    assert "Nothing was changed" in text_of(refused)
    link = re.search(r'<a href="([^"]*)" data-form-page="([^"]*)">Back to the form<', refused.text)
    assert link is not None and link.groups() == (page, page)
    for elsewhere in ("https://elsewhere.example/console/", "//elsewhere.example/console/", ""):
        refused = client.post("/console/staff/programs", data=sent | {"page": elsewhere})
        assert refused.status_code == 403
        assert "data-form-page" not in refused.text and "elsewhere" not in refused.text
        assert "Go to your console page" in text_of(refused)


def test_signing_out_ends_the_session_at_once(client, tokens, system):
    sign_in(client, tokens.staff)
    cookie = client.get_cookie("labledger_console", path="/console").value
    page = client.get("/console/staff/programs").get_data(as_text=True)

    response = client.post("/console/sign-out", data={"csrf": csrf_of(page)})

    assert response.status_code == 303
    assert system.db.fetchall("SELECT * FROM {t}console_sessions") == []
    client.set_cookie("labledger_console", cookie, path="/console")  # a copy kept elsewhere
    assert client.get("/console/staff/programs").status_code == 302


def test_a_revoked_token_ends_its_sessions_at_once(client, tokens, system):
    sign_in(client, tokens.staff)
    assert client.get("/console/staff/programs").status_code == 200
    [row] = system.db.fetchall("SELECT token_id FROM {t}console_sessions")

    system.tokens.revoke(row["token_id"])

    response = client.get("/console/staff/programs")
    assert response.status_code == 302 and "/console/sign-in" in response.location


def test_a_session_expires_after_idle_hours_and_after_its_lifetime(client, tokens, system):
    sign_in(client, tokens.staff)
    long_ago = rfc3339(datetime.now(UTC) - timedelta(hours=13))
    system.db.execute("UPDATE {t}console_sessions SET seen_at = ?", (long_ago,))
    assert client.get("/console/staff/programs").status_code == 302

    sign_in(client, tokens.staff)
    past = rfc3339(datetime.now(UTC) - timedelta(seconds=1))
    system.db.execute("UPDATE {t}console_sessions SET expires_at = ?", (past,))
    assert client.get("/console/staff/programs").status_code == 302


def test_another_roles_page_is_403(client, tokens):
    sign_in(client, tokens.auditor)
    response = client.get("/console/staff/programs")
    assert response.status_code == 403
    assert "This page is for staff; you are signed in as auditor." in text_of(response)
