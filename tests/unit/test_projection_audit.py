"""The audit report re-checks every invariant from the events alone."""

from __future__ import annotations

from datetime import timedelta

from projections.audit import Audit, as_csv, report
from tests.unit.projection_history import ACTOR, STAFF, T0, Residency, committed, view


def _report(r: Residency) -> dict:
    return report(view(Audit(), r.h.envs), 1, "seoul-2026", r.h.position())


def _violations(r: Residency) -> list[tuple[str, list[int]]]:
    found = _report(r)["violations"]
    return [(v["invariant"], [e["position"] for e in v["events"]]) for v in found]


def test_a_clean_history_has_no_violations_and_counts_by_type_and_tool():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim)
    declared = r.declare(kim, "aa" * 32, [r.generate(kim)])
    declared.exhibit(r.exhibition().id, ACTOR)
    r.h.record(declared)

    body = _report(r)

    assert body["violations"] == [] and body["ok"] is True
    assert body["position"] == r.h.position() and body["events"] == r.h.position()
    assert body["counts"]["by_type"]["work.exhibited"] == 1
    assert body["counts"]["by_tool"] == {"video": {"grants": 1, "revocations": 0, "generations": 1}}
    assert "report,violations,0,," in as_csv(body).splitlines()


def test_admission_beyond_capacity_is_reported_with_its_events():
    r = Residency(capacity=1)
    r.applicant("Kim")
    r.applicant("Lee")  # the aggregate rule was bypassed: a second seat

    [(invariant, positions)] = _violations(r)

    assert invariant == "I1"
    assert positions[0] == 1 and r.h.envs[positions[-1] - 1]["type"] == "program.seat_allocated"


def test_a_generation_without_an_active_grant_is_reported():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim, expires=T0 + timedelta(hours=1))
    grant_position = r.h.position()
    r.generate(kim, at=T0 + timedelta(hours=2))  # after expiry

    assert _violations(r) == [("I2", [grant_position, r.h.position()])]


def test_a_grant_to_a_declined_applicant_is_reported():
    r = Residency()
    lee = r.applicant("Lee", admit=False)
    lee._declined(committed("reason", "full"), **STAFF)
    r.h.record(lee)
    r.grant(lee)

    assert [v[0] for v in _violations(r)] == ["I2"]


def test_ownership_rules_are_rechecked():
    r = Residency()
    kim, lee = r.applicant("Kim"), r.applicant("Lee")
    r.grant(kim)
    r.grant(lee)
    kims = r.generate(kim)
    r.declare(kim, "aa" * 32, [kims])
    first = r.h.position()
    r.declare(lee, "aa" * 32, [r.generate(lee)])  # the same content again
    second = r.h.position()
    r.declare(lee, "bb" * 32, [kims])  # someone else's generation
    r.declare(kim, "cc" * 32, [kims], role="staff")  # not declared by the artist

    found = _violations(r)

    assert ("I3", [first, second]) in found
    assert [v for v in found if v[0] == "I3"] == [
        ("I3", [first, second]),
        ("I3", [kims_position(r, kims), second + 1]),
        ("I3", [second + 2]),
    ]


def kims_position(r: Residency, generation: object) -> int:
    return next(e["position"] for e in r.h.envs if e["aggregate_id"] == str(generation.id))


def test_an_exhibition_crediting_someone_else_is_reported():
    r = Residency()
    kim, lee = r.applicant("Kim"), r.applicant("Lee")
    r.grant(kim)
    declared = r.declare(kim, "aa" * 32, [r.generate(kim)])
    declared_at = r.h.position()
    declared._exhibited(r.exhibition().id, lee.id, **STAFF)
    r.h.record(declared)

    assert _violations(r) == [("I4", [declared_at, r.h.position()])]


def test_an_event_without_an_actor_is_reported():
    r = Residency()
    r.applicant("Kim", admit=False)
    r.h.envs[-1]["actor"] = {"id": "", "role": "staff"}

    assert _violations(r) == [("I5", [r.h.position()])]


def test_a_personal_value_in_clear_is_reported():
    r = Residency()
    r.applicant("Kim", admit=False)
    r.h.envs[-1]["data"]["email"] = "kim@example.org"  # as a format-1 event would hold it

    assert _violations(r) == [("I6", [r.h.position()])]


def test_personal_data_after_an_erasure_and_a_second_erasure_are_reported():
    r = Residency()
    kim = r.applicant("Kim")
    kim._personal_data_erased(committed("reason", "asked"), **STAFF)
    r.h.record(kim)
    erased_at = r.h.position()
    kim._display_name_changed(committed("display_name", "K"), **STAFF)
    kim._personal_data_erased(committed("reason", "again"), **STAFF)
    r.h.record(kim)
    r.declare(kim, "aa" * 32, [])  # the aggregate rules were bypassed

    assert _violations(r) == [
        ("I6", [erased_at, erased_at + 1]),
        ("I6", [erased_at, erased_at + 2]),
        ("I6", [erased_at, erased_at + 3]),
    ]


def test_a_display_name_change_of_an_applicant_is_reported():
    r = Residency()
    lee = r.applicant("Lee", admit=False)
    lee._display_name_changed(committed("display_name", "L"), **STAFF)
    r.h.record(lee)

    assert _violations(r) == [("I6", [r.h.position()])]


def test_an_unknown_program_has_no_report():
    r = Residency()
    assert report(view(Audit(), r.h.envs), 1, "elsewhere", 2) is None
