"""The roster, fed events directly: statuses, grants, counts, seats, as_of."""

from __future__ import annotations

from datetime import timedelta

from projections.roster import Roster, instant_at, position_at, roster
from tests.unit.projection_history import STAFF, T0, Residency, committed, view

NOW = "2026-03-10T00:00:00.000000Z"


def test_roster_lists_every_application_with_status_and_counts():
    r = Residency(capacity=3)
    kim = r.applicant("Kim")
    r.grant(kim)
    r.declare(kim, "aa" * 32, [r.generate(kim), r.generate(kim)])
    lee = r.applicant("Lee", admit=False)
    lee._declined(committed("reason", "full"), **STAFF)
    park = r.applicant("Park", admit=False)
    r.h.record(lee, park)

    body = roster(view(Roster(), r.h.envs), 1, "seoul-2026", now=NOW)

    assert body is not None
    assert [(r.names[a["id"]], a["status"]) for a in body["applications"]] == [
        ("Kim", "admitted"),
        ("Lee", "declined"),
        ("Park", "applied"),
    ]
    assert body["counts"] == {"applied": 1, "admitted": 1, "declined": 1, "withdrawn": 0}
    assert (body["seats_used"], body["seats_left"]) == (1, 2)
    kim_entry = body["applications"][0]
    assert (kim_entry["generations"], kim_entry["works"]) == (2, 1)
    # No personal data in the view: names are read from the personal-data store.
    assert not {"artist_name", "email", "portfolio_url", "display_name"} & set(kim_entry)
    assert body["last_event_position"] == r.h.position()


def test_withdrawal_releases_the_seat_and_ends_grants():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim)
    kim._withdrew(committed("reason", "moved"), **STAFF)
    r.program._seat_released(str(kim.id), **STAFF)
    r.h.record(kim, r.program)

    [entry] = roster(view(Roster(), r.h.envs), 1, "seoul-2026", now=NOW)["applications"]

    assert entry["status"] == "withdrawn" and entry["active_grants"] == []


def test_grants_are_active_only_between_grant_expiry_and_revocation():
    r = Residency()
    kim = r.applicant("Kim")
    r.grant(kim, expires=T0 + timedelta(days=5))
    cur = view(Roster(), r.h.envs)

    def tools(now: str) -> list[str]:
        return [
            g["tool"]
            for g in roster(cur, 1, "seoul-2026", now=now)["applications"][0]["active_grants"]
        ]

    assert tools("2026-03-01T00:00:00.000000Z") == []  # before the grant
    assert tools("2026-03-03T00:00:00.000000Z") == ["video"]
    assert tools("2026-03-08T00:00:00.000000Z") == []  # expired

    kim._tool_access_revoked(
        "video", committed("reason", "misuse"), T0 + timedelta(days=1), **STAFF
    )
    r.h.record(kim)
    cur = view(Roster(), r.h.envs)
    assert tools("2026-03-02T12:00:00.000000Z") == ["video"]
    assert tools("2026-03-04T00:00:00.000000Z") == []


def test_as_of_a_position_shows_the_roster_as_it_was_then():
    r = Residency()
    before_kim = r.h.position()
    kim = r.applicant("Kim", admit=False)
    applied_at = r.h.position()
    r.program._seat_allocated(str(kim.id), **STAFF)
    kim._admitted(**STAFF)
    r.h.record(r.program, kim)
    cur = view(Roster(), r.h.envs)

    assert roster(cur, 1, "seoul-2026", upto=before_kim, now=NOW)["applications"] == []
    then = roster(cur, 1, "seoul-2026", upto=applied_at, now=NOW)
    assert then["counts"]["applied"] == 1 and then["seats_used"] == 0
    assert roster(cur, 1, "seoul-2026", now=NOW)["counts"]["admitted"] == 1
    assert roster(cur, 1, "seoul-2026", upto=0, now=NOW) is None  # not opened yet


def test_as_of_an_instant_maps_to_the_programs_last_position_before_it():
    r = Residency()
    r.applicant("Kim")
    cur = view(Roster(), r.h.envs)
    stamps = [e["timestamp"] for e in r.h.envs]

    assert position_at(cur, 1, "seoul-2026", stamps[2]) == 3
    assert position_at(cur, 1, "seoul-2026", "2000-01-01T00:00:00.000000Z") is None
    assert position_at(cur, 1, "other", stamps[-1]) is None


def test_as_of_a_position_judges_grants_at_the_programs_last_event_up_to_it():
    r = Residency()
    r.applicant("Kim")
    cur = view(Roster(), r.h.envs)
    stamps = [e["timestamp"] for e in r.h.envs]

    assert instant_at(cur, 1, "seoul-2026", 3) == stamps[2]
    assert instant_at(cur, 1, "seoul-2026", 10**6) == stamps[-1]
    assert instant_at(cur, 1, "seoul-2026", 0) is None
    assert instant_at(cur, 1, "other", 10**6) is None


def test_generations_are_kept_apart():
    r = Residency()
    r.applicant("Kim")
    cur = view(Roster(), r.h.envs, gen=1)
    assert roster(cur, 2, "seoul-2026", now=NOW) is None
