"""The ownership registry, fed events directly."""

from __future__ import annotations

import json

from projections.registry import Registry
from projections.registry_reads import search, work
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
    assert tool["disclosure"] == disclosure | {"disclosed_at": r.h.envs[1]["timestamp"]}
    assert tool["disclosures"] == [tool["disclosure"]]
    assert "statement" not in json.dumps(entry) and "Kim" not in json.dumps(entry)


def _disclose(r: Residency, version: str, capabilities: list[str], limitations: list[str]) -> str:
    r.program.update_tool_disclosure("video", version, capabilities, limitations, ACTOR)
    r.h.record(r.program)
    return r.h.envs[-1]["timestamp"]


def test_a_later_disclosure_never_changes_what_an_earlier_work_shows():
    r, _, declared = _residency_with_a_work()
    _disclose(r, "2.2", ["t2v", "i2v"], ["1080p max"])

    [tool] = work(view(Registry(), r.h.envs), 1, str(declared.id))["tools"]

    assert tool["versions_used"] == ["2.1"] and tool["current_version"] == "2.2"
    assert [(d["version"], d["limitations"]) for d in tool["disclosures"]] == [("2.1", ["720p"])]
    assert tool["disclosure"]["capabilities"] == ["t2v"]


def test_each_version_used_shows_the_disclosure_in_force_when_its_generation_was_made():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim)
    early = r.generate(kim)  # 2.1 as first disclosed
    at_22 = _disclose(r, "2.2", ["t2v", "i2v"], ["1080p max"])
    at_21 = _disclose(r, "2.1", ["t2v"], ["720p", "corrected: no faces"])  # 2.1 disclosed again
    later = r.generate(kim, version="2.1")
    newest = r.generate(kim, version="2.2")
    first = r.declare(kim, "aa" * 32, [early])
    second = r.declare(kim, "bb" * 32, [later, newest])
    cur = view(Registry(), r.h.envs)

    [old] = work(cur, 1, str(first.id))["tools"]
    assert [d["limitations"] for d in old["disclosures"]] == [["720p"]]
    [both] = work(cur, 1, str(second.id))["tools"]
    assert both["versions_used"] == ["2.1", "2.2"]
    assert [(d["version"], d["disclosed_at"]) for d in both["disclosures"]] == [
        ("2.1", at_21),
        ("2.2", at_22),
    ]
    assert both["disclosures"][0]["limitations"] == ["720p", "corrected: no faces"]


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
