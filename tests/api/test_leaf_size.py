"""Every event is one transparency-log leaf, and a C2SP entry bundle holds a leaf
of at most 65,535 bytes. The biggest legitimate request of each kind fits; an
event that would not is refused 422 before anything is written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from api.programs import DISCLOSURE_ITEM_LENGTH, DISCLOSURE_ITEMS
from ledger import commands as c
from ledger import errors
from ledger.actors import Actor, Role
from ledger.leaf import MAX_LEAF_BYTES
from tests.helpers import post, sha
from transparency.follower import TreeBuilder

# Four UTF-8 bytes for one character: the most a character of text can cost.
WIDE = "\U0001d11e"  # MUSICAL SYMBOL G CLEF
STAFF = Actor("staff-1", Role.STAFF)


def wide(n: int) -> str:
    return WIDE * n


def biggest_tool(tool: str) -> dict:
    return {
        "tool": tool,
        "name": wide(200),
        "provider": wide(200),
        "version": "v" * 64,
        "capabilities": [wide(DISCLOSURE_ITEM_LENGTH)] * DISCLOSURE_ITEMS,
        "limitations": [wide(DISCLOSURE_ITEM_LENGTH)] * DISCLOSURE_ITEMS,
    }


def test_the_biggest_request_of_each_kind_is_accepted_and_its_leaf_fits(
    client, tokens, system, settings
):
    staff = tokens.staff
    slug = "s" * 64
    program = {
        "slug": slug,
        "name": wide(200),
        "city": wide(100),
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-31",
        "capacity": 10_000,
    }
    post(client, "/v1/programs", staff, program, 201)
    tool = "t" * 64
    post(client, f"/v1/programs/{slug}/tools", staff, biggest_tool(tool), 201)
    disclosure = {k: v for k, v in biggest_tool(tool).items() if k not in ("tool", "name")}
    disclosure.pop("provider")
    disclosure["version"] = "w" * 64
    post(client, f"/v1/programs/{slug}/tools/{tool}/disclosure", staff, disclosure, 200)

    def application() -> str:
        body = {
            "artist_name": wide(200),
            "email": ("e" * 64) + "@" + ("d" * 63 + ".") * 2 + "org",
            "portfolio_url": "https://portfolio.example.org/" + "p" * 1970,
            "statement": wide(10_000),
        }
        return post(client, f"/v1/programs/{slug}/applications", staff, body, 201).get_json()["id"]

    declined, withdrawn, pid = application(), application(), application()
    reason = {"reason": wide(2_000)}
    post(client, f"/v1/applications/{declined}/decline", staff, reason, 200)
    for admitted in (withdrawn, pid):
        post(client, f"/v1/applications/{admitted}/admit", staff, None, 200)
    post(client, f"/v1/applications/{withdrawn}/withdraw", staff, reason, 200)
    grant = {"tool": tool, "expires_at": "9999-12-30T23:59:59.999999Z"}
    system.store.ledger.clock = lambda: datetime(2026, 3, 10, tzinfo=UTC)
    post(client, f"/v1/participants/{pid}/grants", staff, grant, 201)
    system.store.ledger.clock = lambda: datetime(2026, 3, 11, tzinfo=UTC)
    artist = tokens.artist(pid)
    generations = [
        post(
            client,
            f"/v1/participants/{pid}/generations",
            artist,
            {
                "tool": tool,
                "tool_version": "w" * 64,
                "output_sha256": sha(f"out {i}"),
                "media_type": "application/" + "x" * 100,
                "prompt_sha256": sha(f"prompt {i}"),
                "generated_at": "2026-03-10T12:00:00.123456Z",
            },
            201,
        ).get_json()["id"]
        for i in range(500)
    ]
    work = {
        "title": wide(300),
        "content_sha256": sha("the work"),
        "generation_ids": generations,
        "statement": wide(10_000),
    }
    work_id = post(client, "/v1/works", artist, work, 201).get_json()["id"]
    exhibition = {
        "program": slug,
        "title": wide(300),
        "venue": wide(300),
        "opens_on": "2026-03-20",
        "closes_on": "2026-03-30",
        "partner": wide(200),
    }
    exhibition_id = post(client, "/v1/exhibitions", staff, exhibition, 201).get_json()["id"]
    post(client, f"/v1/exhibitions/{exhibition_id}/works", staff, {"work_id": work_id}, 201)
    post(client, f"/v1/participants/{pid}/grants/{tool}/revoke", staff, reason, 200)
    post(client, f"/v1/programs/{slug}/close", staff, None, 200)

    head = TreeBuilder(system.log, system.db, settings).catch_up()
    rows = system.db.fetchall("SELECT type, leaf FROM {t}tlog_leaves ORDER BY idx")
    assert len(rows) == head.size
    biggest: dict[str, int] = {}
    for row in rows:
        size = len(row["leaf"].encode("utf-8"))
        biggest[row["type"]] = max(biggest.get(row["type"], 0), size)
    assert max(biggest.values()) <= MAX_LEAF_BYTES, biggest
    assert biggest["program.tool_registered"] > 40_000  # the test measures what it meant to
    assert {"work.ownership_declared", "application.declined", "work.exhibited"} <= set(biggest)


def test_the_schema_refuses_a_disclosure_beyond_its_limits(client, tokens, system):
    post(client, "/v1/programs", tokens.staff, _program(), 201)
    before = system.log.head()
    too_many = biggest_tool("video") | {
        "capabilities": ["x"] * (DISCLOSURE_ITEMS + 1),
    }
    response = post(client, "/v1/programs/busan/tools", tokens.staff, too_many, 422)
    assert "capabilities" in response.get_json()["errors"]
    too_long = biggest_tool("video") | {"limitations": ["x" * (DISCLOSURE_ITEM_LENGTH + 1)]}
    response = post(client, "/v1/programs/busan/tools", tokens.staff, too_long, 422)
    assert "limitations" in str(response.get_json()["errors"])
    assert system.log.head() == before


def _program() -> dict:
    return {
        "slug": "busan",
        "name": "Busan",
        "city": "Busan",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-31",
        "capacity": 5,
    }


def test_the_bus_refuses_an_event_whose_leaf_would_not_fit_and_writes_nothing(system):
    bus = system.bus
    bus.handle(
        c.OpenProgram("busan", "Busan", "Busan", date(2026, 3, 2), date(2026, 3, 31), 5), STAFF
    )
    before = system.log.head()
    hangul = "한" * 500  # 1,500 bytes an item: 50 items in each list is 150 KB
    command = c.RegisterTool("busan", "video", "V", "P", "1", [hangul] * 50, [hangul] * 50)
    with pytest.raises(errors.EventTooLarge) as refused:
        bus.handle(command, STAFF)
    assert refused.value.context["leaf_bytes"] > MAX_LEAF_BYTES
    assert "at most 65,535" in str(refused.value)
    assert system.log.head() == before
    assert system.store.ledger.get_program("busan").tools == {}


def test_an_event_just_over_the_limit_is_refused_and_just_under_is_saved(system):
    bus = system.bus
    bus.handle(
        c.OpenProgram("busan", "Busan", "Busan", date(2026, 3, 2), date(2026, 3, 31), 5), STAFF
    )
    # Find the longest single capability that still fits, measured by the bus itself.
    lo, hi = 1, 70_000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            system.bus.handle(
                c.RegisterTool("busan", f"t{uuid.uuid4().hex[:8]}", "V", "P", "1", ["x" * mid], []),
                STAFF,
            )
            lo = mid
        except errors.EventTooLarge:
            hi = mid - 1
    head = TreeBuilder(system.log, system.db, system.settings).catch_up()
    longest = max(
        len(row["leaf"].encode()) for row in system.db.fetchall("SELECT leaf FROM {t}tlog_leaves")
    )
    assert head.size > 2
    # The measure assumes a 16-digit position: a real leaf is at most that much shorter.
    assert MAX_LEAF_BYTES - 16 <= longest <= MAX_LEAF_BYTES
