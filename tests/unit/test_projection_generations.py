"""Each participant's generations, paged, each showing the disclosure of the
tool version it was made with (not the one in force now)."""

from __future__ import annotations

from projections.generations import Generations, count, page
from tests.unit.projection_history import ACTOR, Residency, view


def test_a_generation_shows_the_disclosure_of_the_version_it_used():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim)
    old = r.generate(kim)
    r.program.update_tool_disclosure("video", "2.2", ["t2v", "longer"], ["1080p"], ACTOR)
    r.h.record(r.program)
    new = r.generate(kim, version="2.2")
    unknown = r.generate(kim, version="9.9")  # the write side refuses it; the view shows it
    cur = view(Generations(), r.h.envs)

    items, cursor = page(cur, 1, str(kim.id))

    assert cursor is None and [g["id"] for g in items] == [
        str(old.id),
        str(new.id),
        str(unknown.id),
    ]
    first, second, third = (g["disclosure"] for g in items)
    assert (first["version"], first["capabilities"], first["limitations"]) == (
        "2.1",
        ["t2v"],
        ["720p"],
    )
    assert (second["version"], second["limitations"]) == ("2.2", ["1080p"])
    assert first["name"] == second["name"] == "Motion"  # an update keeps the registration's name
    assert third is None
    assert items[0]["output_sha256"] == "cd" * 32 and items[0]["tool_version"] == "2.1"


def test_generations_page_by_log_position_per_participant():
    r = Residency()
    kim, lee = r.applicant("Kim"), r.applicant("Lee")
    r.grant(kim)
    r.grant(lee)
    kims = [r.generate(kim) for _ in range(5)]
    r.generate(lee)
    cur = view(Generations(), r.h.envs)

    first, cursor = page(cur, 1, str(kim.id), limit=2)
    second, cursor2 = page(cur, 1, str(kim.id), after=cursor, limit=2)
    last, end = page(cur, 1, str(kim.id), after=cursor2, limit=2)

    assert [g["id"] for g in first + second + last] == [str(g.id) for g in kims]
    assert end is None and count(cur, 1, str(kim.id)) == 5 and count(cur, 1, str(lee.id)) == 1
