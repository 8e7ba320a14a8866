"""Building blocks for API tests: a program with an admitted, granted artist."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


PROGRAM = {
    "slug": "seoul-2026",
    "name": "AI Tools Residency — Seoul",
    "city": "Seoul",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-31",
    "capacity": 21,
}
VIDEO_TOOL = {
    "tool": "video",
    "name": "Motion",
    "provider": "Example Video Co.",
    "version": "2.1",
    "capabilities": ["text-to-video up to 10 s"],
    "limitations": ["no real people", "720p only"],
}


@dataclass
class Seeded:
    slug: str
    participant: str
    artist_headers: dict[str, str]
    generation: str
    work: str | None
    content_sha256: str


def post(
    client: Any, path: str, headers: dict[str, str], body: Any = None, status: int | None = None
):
    response = client.post(path, json=body if body is not None else {}, headers=headers)
    if status is not None:
        assert response.status_code == status, (response.status_code, response.get_json())
    return response


def open_program(client: Any, tokens: Any, **overrides: Any) -> str:
    body = PROGRAM | overrides
    post(client, "/v1/programs", tokens.staff, body, 201)
    post(client, f"/v1/programs/{body['slug']}/tools", tokens.staff, VIDEO_TOOL, 201)
    return body["slug"]


def apply(client: Any, tokens: Any, slug: str, name: str = "Kim Seo-yeon") -> str:
    body = {
        "artist_name": name,
        "email": f"{name.split()[0].lower()}@example.org",
        "portfolio_url": "https://portfolio.example.org/kim",
        "statement": "I work with moving image and memory.",
    }
    return post(client, f"/v1/programs/{slug}/applications", tokens.staff, body, 201).get_json()[
        "id"
    ]


def seed(client: Any, tokens: Any, *, declare: bool = True, **program: Any) -> Seeded:
    slug = open_program(client, tokens, **program)
    pid = apply(client, tokens, slug)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    post(client, f"/v1/participants/{pid}/grants", tokens.staff, {"tool": "video"}, 201)
    artist = tokens.artist(pid)
    generation = post(
        client,
        f"/v1/participants/{pid}/generations",
        artist,
        {
            "tool": "video",
            "tool_version": "2.1",
            "output_sha256": sha("out"),
            "media_type": "video/mp4",
        },
        201,
    ).get_json()["id"]
    content = sha(f"work-{uuid.uuid4()}")
    work = None
    if declare:
        work = post(
            client,
            "/v1/works",
            artist,
            {
                "title": "Han River",
                "content_sha256": content,
                "generation_ids": [generation],
                "statement": "Made in Seoul.",
            },
            201,
        ).get_json()["id"]
    return Seeded(slug, pid, artist, generation, work, content)
