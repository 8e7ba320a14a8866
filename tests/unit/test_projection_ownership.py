"""Ownership in the read models: the audit catches a front-running declaration
planted in history, a hash declared again after a retraction is no second
owner, retractions and disputes are listed (not violations) and shown in the
registry; the roster counts standing works."""

from __future__ import annotations

from datetime import timedelta

from projections.audit import Audit, as_csv, report
from projections.registry import Registry
from projections.registry_reads import search, work
from projections.roster import Roster, application
from tests.unit.projection_history import STAFF, T0, Residency, committed, view

NOW = "2026-03-10T00:00:00.000000Z"
KIMS_OUTPUT = "aa" * 32


def _report(r: Residency) -> dict:
    return report(view(Audit(), r.h.envs), 1, "seoul-2026", r.h.position())


def _violations(r: Residency) -> list[tuple[str, list[int]]]:
    return [
        (v["invariant"], [e["position"] for e in v["events"]]) for v in _report(r)["violations"]
    ]


def residency() -> tuple[Residency, object, object]:
    r = Residency()
    kim, lee = r.applicant("Kim"), r.applicant("Lee")
    r.grant(kim)
    r.grant(lee)
    return r, kim, lee


def test_a_declaration_of_another_participants_output_is_flagged():
    r, kim, lee = residency()
    r.generate(kim, output=KIMS_OUTPUT)
    kims_generation = r.h.position()
    # Planted: the write side refuses this declaration; the audit must not trust it did.
    r.declare(lee, KIMS_OUTPUT, [r.generate(lee)])
    body = _report(r)

    assert body["ok"] is False
    [violation] = body["violations"]
    assert violation["invariant"] == "I3"
    assert "first recorded as a generation output by participant" in violation["detail"]
    assert [e["position"] for e in violation["events"]] == [kims_generation, r.h.position()]
    assert f"violation,I3,{r.h.position()}," in as_csv(body)


def test_the_first_recorder_may_declare_a_hash_someone_recorded_after_them():
    r, kim, lee = residency()
    kims = r.generate(kim, output=KIMS_OUTPUT)
    r.generate(lee, output=KIMS_OUTPUT)  # a copy recorded later claims nothing
    r.declare(kim, KIMS_OUTPUT, [kims])

    assert _report(r)["violations"] == []


def test_a_retracted_hash_declared_again_is_no_second_owner_and_both_are_listed():
    r, kim, lee = residency()
    first = r.declare(kim, "bb" * 32, [r.generate(kim)])
    r.retract(first)
    retracted_at = r.h.position()
    r.declare(lee, "bb" * 32, [r.generate(lee)], declaration=2)
    second = r.declare(kim, "bb" * 32, [r.generate(kim)], declaration=3)  # lee's still stands
    r.dispute(second)
    body = _report(r)

    assert [(v["invariant"], v["detail"]) for v in body["violations"]] == [
        ("I3", f"content {'bb' * 32} already has an owner")
    ]
    assert [(i["work_id"], i["position"]) for i in body["retractions"]] == [
        (str(first.id), retracted_at)
    ]
    assert [i["work_id"] for i in body["disputes"]] == [str(second.id)]
    assert body["disputes"][0]["type"] == "work.ownership_disputed"
    rows = as_csv(body).splitlines()
    assert f"retraction,{first.id},{retracted_at},,{retracted_at}:work.ownership_retracted" in rows


def test_corrections_by_the_wrong_role_or_of_a_retracted_work_are_flagged():
    r, kim, _ = residency()
    declared = r.declare(kim, "bb" * 32, [r.generate(kim)])
    r.retract(declared, role="staff")  # only the artist retracts
    retracted = r.h.position()
    r.dispute(declared)  # after the retraction
    disputed = r.h.position()
    exhibition = r.exhibition()
    declared._exhibited(exhibition.id, declared.artist, **STAFF)  # the write side refuses it
    r.h.record(declared)
    details = [(v["invariant"], v["detail"], v["position"]) for v in _report(r)["violations"]]

    assert details == [
        ("I3", "declaration retracted by a 'staff', not by artist", retracted),
        ("I3", f"work {declared.id} disputed after its retraction", disputed),
        ("I4", f"work {declared.id} exhibited after its declaration was retracted", r.h.position()),
    ]


def test_a_reason_not_kept_after_an_erasure_is_no_violation_but_one_committed_is():
    r, kim, _ = residency()
    kim._personal_data_erased(committed("reason", "asked"), **STAFF)
    r.h.record(kim)
    kim._tool_access_revoked("video", None, T0 + timedelta(days=1), **STAFF)
    kim._withdrew(None, **STAFF)
    r.h.record(kim)
    assert _violations(r) == []
    kim._declined(committed("reason", "kept after all"), **STAFF)
    r.h.record(kim)
    assert [v[0] for v in _violations(r)] == ["I6"]


def test_generations_outside_the_program_days_or_after_it_closed_are_flagged():
    r, kim, _ = residency()
    r.generate(kim, at=T0 - timedelta(days=2))  # granted at T0: no grant either
    r.program._closed(**STAFF)
    r.h.record(r.program)
    r.generate(kim)
    details = [v["detail"] for v in _report(r)["violations"]]

    assert any("outside the program's days 2026-03-02 to 2026-03-31" in d for d in details)
    assert any("generation recorded after 'seoul-2026' closed" in d for d in details)


def test_the_registry_shows_each_declaration_standing_disputed_or_retracted():
    r, kim, lee = residency()
    first = r.declare(kim, "bb" * 32, [r.generate(kim)])
    r.dispute(first)
    r.retract(first)
    again = r.declare(lee, "bb" * 32, [r.generate(lee)], declaration=2)
    cur = view(Registry(), r.h.envs)

    shown = work(cur, 1, str(first.id))
    assert shown["status"] == "retracted"
    assert shown["retracted_at"] and shown["disputed_at"]
    items, _ = search(cur, 1, sha256="bb" * 32)
    assert [(i["id"], i["status"]) for i in items] == [
        (str(first.id), "retracted"),
        (str(again.id), "declared"),
    ]
    assert items[1]["owner"]["participant_id"] == str(lee.id)


def test_the_roster_counts_standing_works():
    r, kim, _ = residency()
    declared = r.declare(kim, "bb" * 32, [r.generate(kim)])
    r.declare(kim, "cc" * 32, [r.generate(kim)])
    r.retract(declared)
    entry = application(view(Roster(), r.h.envs), 1, str(kim.id), NOW)

    assert (entry["works"], entry["generations"]) == (1, 2)
    assert [(g["tool"], g["active"]) for g in entry["grants"]] == [("video", True)]
