"""Driving the console with Flask's test client: sign in with a token, read
a page's CSRF token and form ids, post a form as a browser would."""

from __future__ import annotations

import html as entities
import re
from typing import Any

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: Any, headers_or_token: dict[str, str] | str) -> Any:
    """Sign `client` in with a token (or a test's bearer headers)."""
    token = (
        headers_or_token
        if isinstance(headers_or_token, str)
        else headers_or_token["Authorization"].split()[-1]
    )
    page = client.get("/console/sign-in")
    response = client.post(
        "/console/sign-in", data={"token": token, "csrf": csrf_of(page.get_data(as_text=True))}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def submit(client: Any, page: str, action: str, data: dict[str, Any] | None = None) -> Any:
    """Open `page`, then post `data` to `action` with that page's CSRF token,
    as its form would."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action, data={"csrf": csrf_of(html), **(data or {})})


def text_of(response: Any) -> str:
    """The page's text, tags removed and spaces collapsed (for asserting words)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return entities.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))
