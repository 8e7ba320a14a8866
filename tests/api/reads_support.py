"""What the read tests look for: personal data that must never reach a reader
who is not staff."""

from __future__ import annotations

import json

# Keys and values of personal data (the seeded applicant's and their work's).
PERSONAL = (
    '"email"',
    '"statement"',
    "@example.org",
    "portfolio.example.org",
    "moving image and memory",
    "Made in Seoul.",
    "_salt",
)


def no_personal_data(body: object) -> None:
    text = json.dumps(body)
    for marker in PERSONAL:
        assert marker not in text, marker
