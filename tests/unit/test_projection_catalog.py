"""The public catalog (programs, exhibitions), fed events directly."""

from __future__ import annotations

import json

from ledger.domain import Program
from projections import catalog, public
from projections.catalog import Catalog
from tests.unit.projection_history import ACTOR, STAFF, Residency, view


def _program(cur, slug: str = "seoul-2026") -> dict:
    doc = catalog.one(cur, 1, catalog.PROGRAM, slug)
    assert doc is not None
    return public.program(doc, {}, catalog.many(cur, 1, catalog.EXHIBITION, doc["exhibitions"]))


def test_a_program_keeps_every_disclosure_of_each_tool_dated_and_in_order():
    r = Residency()
    r.program.update_tool_disclosure("video", "2.2", ["t2v", "i2v"], ["1080p max"], ACTOR)
    r.program.update_tool_disclosure("video", "2.2", ["t2v", "i2v"], ["1080p, no faces"], ACTOR)
    r.h.record(r.program)

    [tool] = _program(view(Catalog(), r.h.envs))["tools"]

    assert [(d["version"], d["limitations"]) for d in tool["disclosures"]] == [
        ("2.1", ["720p"]),
        ("2.2", ["1080p max"]),
        ("2.2", ["1080p, no faces"]),
    ]
    assert [d["disclosed_at"] for d in tool["disclosures"]] == [
        env["timestamp"] for env in r.h.envs if env["type"].startswith("program.tool_")
    ]
    assert (tool["version"], tool["versions"]) == ("2.2", ["2.1", "2.2"])
    assert tool["limitations"] == ["1080p, no faces"]  # the current one, flat


def test_seats_follow_admissions_and_withdrawals_and_hold_no_personal_data():
    r = Residency(capacity=3)
    kim, lee = r.applicant("Kim"), r.applicant("Lee")
    r.applicant("Park", admit=False)
    r.program._seat_released(str(lee.id), **STAFF)
    r.h.record(r.program)
    cur = view(Catalog(), r.h.envs)

    program = _program(cur)

    assert [p["id"] for p in program["participants"]] == [str(kim.id)]
    assert (program["seats_used"], program["seats_left"], program["closed"]) == (1, 2, False)
    stored = json.dumps(cur.all("SELECT doc FROM proj_catalog"))
    assert [name for name in r.names.values() if name in stored] == []
    assert "example.org" not in stored


def test_exhibitions_list_the_works_hung_in_them_with_the_credited_participant():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim)
    declared = r.declare(kim, "aa" * 32, [r.generate(kim)])
    exhibition = r.exhibition()
    declared.exhibit(exhibition.id, ACTOR)
    r.h.record(declared)
    r.program.close(ACTOR)
    r.h.record(r.program)
    cur = view(Catalog(), r.h.envs)

    program = _program(cur)
    [shown] = program["exhibitions"]
    assert (shown["title"], shown["venue"], shown["works"]) == ("Synthetic Seoul", "DDP", 1)
    assert program["closed"] is True
    [doc], cursor = catalog.page(cur, 1, catalog.EXHIBITION, program="seoul-2026")
    body = public.exhibition(doc, {})
    assert cursor is None and body["id"] == str(exhibition.id)
    [work] = body["works"]
    assert (work["id"], work["credited_artist"]) == (str(declared.id), str(kim.id))
    assert catalog.page(cur, 1, catalog.EXHIBITION, program="busan-2027") == ([], None)


def test_programs_page_in_the_order_they_were_opened():
    r = Residency()
    for slug in ("busan-2027", "jeju-2028"):
        other = Program(slug, "Lab", "Busan", "2027-03-02", "2027-03-31", 2, **STAFF)
        r.h.record(other)
    cur = view(Catalog(), r.h.envs)

    first, cursor = catalog.page(cur, 1, catalog.PROGRAM, limit=2)
    rest, end = catalog.page(cur, 1, catalog.PROGRAM, after=cursor, limit=2)

    assert [d["slug"] for d in first + rest] == ["seoul-2026", "busan-2027", "jeju-2028"]
    assert end is None
