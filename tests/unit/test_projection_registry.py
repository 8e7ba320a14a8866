"""The ownership registry, fed events directly."""

from __future__ import annotations

import json

from projections.registry import Registry, search, work
from tests.unit.projection_history import ACTOR, Residency, view


def _residency_with_a_work() -> tuple[Residency, object, object]:
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim)
    declared = r.declare(kim, "aa" * 32, [r.generate(kim), r.generate(kim)])
    return r, kim, declared


def test_a_declared_work_shows_owner_title_hash_and_tool_disclosures():
    r, kim, declared = _residency_with_a_work()

    entry = work(view(Registry(), r.h.envs), 1, str(declared.id))

    assert entry["owner"] == {"participant_id": str(kim.id)}  # names come at read time
    assert entry["content_sha256"] == "aa" * 32 and entry["title"] == "Work aaaa"
    assert entry["generation_count"] == 2
    [tool] = entry["tools"]
    assert tool["name"] == "Motion" and tool["versions_used"] == ["2.1"]
    disclosure = {"version": "2.1", "capabilities": ["t2v"], "limitations": ["720p"]}
    assert tool["disclosure"] == disclosure
    assert "statement" not in json.dumps(entry) and "Kim" not in json.dumps(entry)


def test_a_disclosure_update_shows_on_existing_works():
    r, _, declared = _residency_with_a_work()
    r.program.update_tool_disclosure("video", "2.2", ["t2v", "i2v"], ["1080p max"], ACTOR)
    r.h.record(r.program)

    [tool] = work(view(Registry(), r.h.envs), 1, str(declared.id))["tools"]

    assert tool["versions_used"] == ["2.1"]
    assert tool["disclosure"]["version"] == "2.2"
    assert tool["disclosure"]["limitations"] == ["1080p max"]


def test_exhibitions_are_listed_with_their_credit():
    r, kim, declared = _residency_with_a_work()
    exhibition = r.exhibition()
    declared.exhibit(exhibition.id, ACTOR)
    r.h.record(declared)

    [shown] = work(view(Registry(), r.h.envs), 1, str(declared.id))["exhibitions"]

    assert shown["title"] == "Synthetic Seoul" and shown["venue"] == "DDP"
    assert shown["credited_artist"] == str(kim.id)


def test_search_by_hash_owner_and_program_in_declaration_order():
    r, kim, first = _residency_with_a_work()
    lee = r.applicant("Lee")
    r.grant(lee)
    second = r.declare(lee, "bb" * 32, [r.generate(lee)])
    cur = view(Registry(), r.h.envs)

    def ids(**criteria: object) -> list[str]:
        return [w["id"] for w in search(cur, 1, **criteria)[0]]

    assert ids() == [str(first.id), str(second.id)]
    assert ids(sha256="bb" * 32) == [str(second.id)]
    assert ids(owners=[str(kim.id)]) == [str(first.id)]
    assert ids(owners=[str(kim.id), str(lee.id)]) == [str(first.id), str(second.id)]
    assert ids(program="seoul-2026", owners=[]) == []
    page, cursor = search(cur, 1, limit=1)
    assert cursor == page[0]["position"]
    assert [w["id"] for w in search(cur, 1, after=cursor)[0]] == [str(second.id)]
    assert search(cur, 1, after=cursor)[1] is None
