"""The aggregates' rules, without any store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from ledger import errors
from ledger.actors import Actor, Role
from ledger.domain import Application, Generation, Program, Work

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ACTOR = Actor("staff-token", Role.STAFF)
STAFF = ACTOR.recorded  # (actor_id, actor_role) as events record them


def program(capacity: int = 2) -> Program:
    p = Program("seoul", "Seoul Lab", "Seoul", "2026-03-01", "2026-03-31", capacity, *STAFF)
    p.register_tool("video", "Motion", "Lab", "2.1", ["t2v"], ["no faces"], ACTOR)
    return p


C = "cc" * 32  # stands for any commitment: the aggregates never see a personal value


def applied() -> Application:
    return Application(uuid4(), uuid4(), "seoul", C, C, C, C, *STAFF)


def admitted() -> Application:
    a = applied()
    a.admit(ACTOR)
    return a


def test_every_event_records_actor_and_utc_time():
    p = program()
    for e in p.collect_events():
        assert (e.actor_id, e.actor_role) == STAFF
        assert e.timestamp.tzinfo is not None and e.timestamp.utcoffset() == timedelta(0)


def test_admission_refused_when_program_is_full():
    p = program(capacity=1)
    p.allocate_seat("a", ACTOR)
    with pytest.raises(errors.ProgramFull):
        p.allocate_seat("b", ACTOR)
    assert p.seats_used == 1 and p.seats_left == 0


def test_released_seat_can_be_taken_again():
    p = program(capacity=1)
    p.allocate_seat("a", ACTOR)
    p.release_seat("a", ACTOR)
    p.allocate_seat("b", ACTOR)
    assert p.seats == ["b"]


def test_only_pending_applications_can_be_admitted_or_declined():
    a = admitted()
    with pytest.raises(errors.ApplicationNotPending):
        a.admit(ACTOR)
    with pytest.raises(errors.ApplicationNotPending):
        a.decline(C, ACTOR)


def test_grant_needs_an_admitted_participant():
    a = applied()
    with pytest.raises(errors.NotAdmitted):
        a.grant_tool("video", None, NOW, ACTOR)
    a.admit(ACTOR)
    a.withdraw(C, ACTOR)
    with pytest.raises(errors.NotAdmitted):
        a.grant_tool("video", None, NOW, ACTOR)


def test_unregistered_tool_is_refused():
    with pytest.raises(errors.UnknownTool):
        program().check_tool("music")


def test_generation_needs_a_grant_active_at_generated_at():
    a = admitted()
    with pytest.raises(errors.NoActiveGrant):
        a.check_can_generate("video", NOW)
    a.grant_tool("video", NOW + timedelta(days=1), NOW, ACTOR)
    a.check_can_generate("video", NOW + timedelta(hours=1))
    with pytest.raises(errors.NoActiveGrant):  # before the grant
        a.check_can_generate("video", NOW - timedelta(seconds=1))
    with pytest.raises(errors.NoActiveGrant):  # expired
        a.check_can_generate("video", NOW + timedelta(days=1))


def test_revoked_grant_covers_only_the_time_before_revocation():
    a = admitted()
    a.grant_tool("video", None, NOW, ACTOR)
    a.revoke_tool("video", C, NOW + timedelta(hours=2), ACTOR)
    a.check_can_generate("video", NOW + timedelta(hours=1))
    with pytest.raises(errors.NoActiveGrant):
        a.check_can_generate("video", NOW + timedelta(hours=3))


def test_revoking_without_an_active_grant_is_refused():
    with pytest.raises(errors.NoActiveGrant):
        admitted().revoke_tool("video", C, NOW, ACTOR)


def test_only_an_admitted_participant_changes_display_name():
    with pytest.raises(errors.NotAdmitted):
        applied().change_display_name(C, ACTOR)
    a = admitted()
    a.change_display_name(C, ACTOR)
    assert a.collect_events()[-1].display_name_commitment == C


def test_nothing_personal_is_recorded_after_erasure_and_erasure_happens_once():
    a = admitted()
    a.grant_tool("video", None, NOW, ACTOR)
    a.erase(C, ACTOR)
    assert a.erased
    for refused in (
        lambda: a.change_display_name(C, ACTOR),
        lambda: a.revoke_tool("video", C, NOW, ACTOR),
        lambda: a.withdraw(C, ACTOR),
        lambda: a.erase(C, ACTOR),
    ):
        with pytest.raises(errors.PersonalDataErased):
            refused()
    pending = applied()
    pending.erase(C, ACTOR)
    with pytest.raises(errors.PersonalDataErased):
        pending.decline(C, ACTOR)
    pending.admit(ACTOR)  # nothing personal in an admission


def test_an_erased_artist_declares_no_more_works():
    a = admitted()
    a.erase(C, ACTOR)
    with pytest.raises(errors.PersonalDataErased):
        Work.declare(uuid4(), a, "River", "ab" * 32, [], {}, ACTOR, find=lambda _: None)


def test_grant_expiring_in_the_past_is_refused():
    with pytest.raises(errors.InvalidCommand):
        admitted().grant_tool("video", NOW - timedelta(days=1), NOW, ACTOR)


def test_a_work_hangs_once_per_exhibition_and_credits_its_owner():
    artist = uuid4()
    w = work(artist)
    exhibition = uuid4()
    w.exhibit(exhibition, ACTOR)
    with pytest.raises(errors.AlreadyExhibited):
        w.exhibit(exhibition, ACTOR)
    exhibited = w.collect_events()[-1]
    assert exhibited.credited_artist == artist


def work(artist: UUID, declaration: int = 1) -> Work:
    work_id = Work.create_id("ab" * 32, declaration)
    return Work(
        work_id, artist, "seoul", "River", "ab" * 32, [], "11" * 32, "22" * 32, "t", "artist"
    )


def test_work_and_program_ids_are_derived_from_hash_and_slug():
    assert Work.create_id("ab" * 32) == Work.create_id("ab" * 32) == Work.create_id("ab" * 32, 1)
    assert len({Work.create_id("ab" * 32, n) for n in (1, 2, 3)}) == 3
    assert Program.create_id("seoul") != Program.create_id("busan")


def test_closed_program_refuses_changes():
    p = program()
    p.close(ACTOR)
    with pytest.raises(errors.ProgramClosed):
        p.allocate_seat("a", ACTOR)


def test_an_erased_person_is_declined_withdrawn_and_revoked_without_a_reason():
    pending = applied()
    with pytest.raises(errors.InvalidCommand):
        pending.decline(None, ACTOR)  # a person not erased gives a reason
    pending.erase(C, ACTOR)
    pending.decline(None, ACTOR)
    assert pending.status == "declined"
    assert pending.collect_events()[-1].reason_commitment is None
    participant = admitted()
    participant.grant_tool("video", None, NOW, ACTOR)
    participant.erase(C, ACTOR)
    participant.revoke_tool("video", None, NOW, ACTOR)
    participant.withdraw(None, ACTOR)
    assert participant.status == "withdrawn" and participant.active_grant("video", NOW) is None


def test_a_generation_needs_an_open_program_a_known_version_and_a_day_of_the_program():
    p, a = program(), admitted()
    a.grant_tool("video", None, NOW - timedelta(days=1), ACTOR)
    with pytest.raises(errors.UnknownToolVersion):
        Generation.record(a, p, "video", "9.9", "ab" * 32, "video/mp4", None, NOW, ACTOR)
    for outside in (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 2, 28, 23, 59, tzinfo=UTC)):
        with pytest.raises(errors.OutsideProgramDates, match="2026-03-01 to 2026-03-31"):
            p.check_during(outside, "generated_at")
    p.check_during(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC), "generated_at")  # a UTC day
    p.check_during(datetime(2026, 4, 1, 8, 0, tzinfo=timezone(timedelta(hours=9))), "x")
    Generation.record(a, p, "video", "2.1", "ab" * 32, "video/mp4", None, NOW, ACTOR)
    p.close(ACTOR)
    with pytest.raises(errors.ProgramClosed):
        Generation.record(a, p, "video", "2.1", "ab" * 32, "video/mp4", None, NOW, ACTOR)


def test_only_its_artist_retracts_a_declaration_and_only_once():
    artist = admitted()
    w = work(artist.id)
    lee = Actor("artist-lee", Role.ARTIST, uuid4())
    for stranger in (lee, ACTOR):
        with pytest.raises(errors.Forbidden):
            w.retract(artist, C, stranger)
    kim = Actor("artist-kim", Role.ARTIST, artist.id)
    w.retract(artist, C, kim)
    assert w.retracted and w.collect_events()[-1].artist == artist.id
    with pytest.raises(errors.DeclarationRetracted):
        w.retract(artist, C, kim)
    with pytest.raises(errors.DeclarationRetracted):
        w.exhibit(uuid4(), ACTOR)
    with pytest.raises(errors.DeclarationRetracted):
        w.dispute(artist, C, ACTOR)


def test_staff_dispute_a_standing_declaration_once():
    artist = admitted()
    w = work(artist.id)
    with pytest.raises(errors.Forbidden):
        w.dispute(artist, C, Actor("artist-kim", Role.ARTIST, artist.id))
    w.dispute(artist, C, ACTOR)
    assert w.disputed and not w.retracted
    with pytest.raises(errors.AlreadyDisputed):
        w.dispute(artist, C, ACTOR)
    w.exhibit(uuid4(), ACTOR)  # disputed, it still stands


def test_a_hash_another_participant_generated_first_is_not_theirs_to_claim():
    kim, lee = uuid4(), uuid4()
    with pytest.raises(errors.ContentGeneratedByAnother):
        Work.check_claimable("ab" * 32, kim, lee)
    Work.check_claimable("ab" * 32, kim, kim)
    Work.check_claimable("ab" * 32, None, lee)
    standing = work(kim)
    with pytest.raises(errors.ContentAlreadyOwned):
        Work.check_unowned("ab" * 32, standing)
    standing.retract(admitted(), C, Actor("artist-kim", Role.ARTIST, kim))
    Work.check_unowned("ab" * 32, standing)
