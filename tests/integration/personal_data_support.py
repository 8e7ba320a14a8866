"""The declined applicant whose personal data the personal-data tests hunt for, and
the reads they hunt through."""

from __future__ import annotations

from typing import Any

from tests.helpers import post

DECLINED = {
    "artist_name": "Baek Sung-min",
    "email": "baek.private@mail.example.net",
    "portfolio_url": "https://baek-portfolio.example.net/works",
    "statement": "My grandmother's village, filmed over ten winters.",
}
DECLINE_REASON = "Portfolio shows no moving-image practice yet"
SECRETS = (*DECLINED.values(), DECLINE_REASON)


def leaves(client: Any, size: int) -> list[dict[str, Any]]:
    """Every leaf as an anonymous client reads it."""
    out = []
    for index in range(size):
        response = client.get(f"/v1/transparency/leaves/{index}")
        assert response.status_code == 200
        out.append(response.get_json())
    return out


def assert_hidden(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}"


def decline_an_applicant(client: Any, tokens: Any, slug: str) -> str:
    path = f"/v1/programs/{slug}/applications"
    applicant = post(client, path, tokens.staff, DECLINED, 201).get_json()["id"]
    body = {"reason": DECLINE_REASON}
    post(client, f"/v1/applications/{applicant}/decline", tokens.staff, body, 200)
    return applicant
