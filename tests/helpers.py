"""Building blocks for tests: settings and a System on a store, tokens per
role, and over HTTP a program with an admitted, granted artist."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.bootstrap import System, bootstrap, init_store
from ledger.actors import Role
from ledger.settings import Settings

PG_DSN = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        with psycopg.connect(PG_DSN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # any failure to connect is a reason to skip
        return f"PostgreSQL at {PG_DSN} does not answer: {type(error).__name__}: {error}"
    return None


_PG_REASON: list[str | None] = []


def require_postgres() -> None:
    if not _PG_REASON:
        _PG_REASON.append(_postgres_available())
    reason = _PG_REASON[0]
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the PostgreSQL store tests must run: {reason}")
        pytest.skip(reason)


def make_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=url,
        signing_key_file=tmp_path / "log-signing.key",
        log_name="test.labledger.local/log",
        webhook_allow_private=True,
        webhook_retry_schedule=(0.2, 0.4, 0.8),
        webhook_timeout=2.0,
        poll_interval=0.02,
        read_wait=2.0,
    )


def open_system(settings: Settings) -> System:
    """`db init`, then the System a process would build on the store."""
    init_store(settings)
    return bootstrap(settings)


class Tokens:
    """Bearer headers per role: `tokens.staff`, `tokens.artist(pid)`."""

    def __init__(self, system: System) -> None:
        self.store = system.tokens
        self._cache: dict[str, dict[str, str]] = {}

    def headers(self, role: str, participant: str | uuid.UUID | None = None) -> dict[str, str]:
        key = f"{role}:{participant}"
        if key not in self._cache:
            pid = uuid.UUID(str(participant)) if participant else None
            issued = self.store.create(role, pid, name=f"test {role}")
            self._cache[key] = {"Authorization": f"Bearer {issued.token}"}
        return self._cache[key]

    @property
    def staff(self) -> dict[str, str]:
        return self.headers(Role.STAFF)

    @property
    def auditor(self) -> dict[str, str]:
        return self.headers(Role.AUDITOR)

    @property
    def partner(self) -> dict[str, str]:
        return self.headers(Role.PARTNER)

    def artist(self, participant: str | uuid.UUID) -> dict[str, str]:
        return self.headers(Role.ARTIST, participant)


def record_calls(monkeypatch: Any, owner: Any, name: str, pick: Callable[..., Any]) -> list[Any]:
    """Every call of `owner.name` from now on, recorded as `pick(*args)`
    picks it, and carried out as before."""
    seen: list[Any] = []
    original = getattr(owner, name)

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append(pick(*args, **kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return seen


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# A generation falls on a day of its program, and most are recorded now: the
# programs of the tests run around today.
TODAY = datetime.now(UTC).date()
DAYS = (TODAY - timedelta(days=30), TODAY + timedelta(days=30))
PROGRAM = {
    "slug": "seoul-2026",
    "name": "AI Tools Residency — Seoul",
    "city": "Seoul",
    "starts_on": DAYS[0].isoformat(),
    "ends_on": DAYS[1].isoformat(),
    "capacity": 21,
}


def unique_slug(prefix: str = "program") -> str:
    """A program slug no other test opens (for tests that share a store)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


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


EXHIBITION = {
    "title": "Synthetic Seoul",
    "venue": "DDP",
    "opens_on": "2026-04-01",
    "closes_on": "2026-04-30",
}


def schedule_exhibition(client: Any, tokens: Any, slug: str, **overrides: Any) -> str:
    """A scheduled exhibition of program `slug` (staff); its id."""
    body = {"program": slug} | EXHIBITION | overrides
    return post(client, "/v1/exhibitions", tokens.staff, body, 201).get_json()["id"]


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


def wait_for(
    what: str, check: Callable[[], object], timeout: float = 30.0, interval: float = 0.1
) -> object:
    """What `check` returns once it is truthy; an AssertionError naming `what`
    after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
