"""Validation at the boundary, timestamps and dates: an instant outside the UTC-safe range
is a 422 that writes nothing, on both stores, and readers keep working."""

from __future__ import annotations

import pytest

from tests.api.boundary_support import assert_refused, reads_still_work
from tests.helpers import PROGRAM, post, seed, sha

# ---- timestamps -----------------------------------------------------------------------

UNSAFE_INSTANTS = [
    "9999-12-31T23:59:59-14:00",  # past year 9999 once in UTC: the poison event of issue 8
    "0001-01-01T00:00:00+14:00",  # before year 1 once in UTC
    "9999-12-31T12:00:00Z",  # in range, but not at every offset
    "1969-12-31T23:59:59Z",
    "2026-02-30T10:00:00Z",
    "2026-03-02T10:00:00",  # no offset
    "2026-03-02 10:00:00Z",
    "2026-03-02T10:00:00+24:00",
    "20260302T100000Z",
]


@pytest.mark.parametrize("value", UNSAFE_INSTANTS)
def test_instants_outside_the_utc_safe_range_are_422_and_write_nothing(store_client, value):
    client, tokens, system = store_client
    s = seed(client, tokens)
    before = system.log.head()
    grant = client.post(
        f"/v1/participants/{s.participant}/grants",
        json={"tool": "video", "expires_at": value},
        headers=tokens.staff,
    )
    assert_refused(grant, 422, "expires_at")
    generation = client.post(
        f"/v1/participants/{s.participant}/generations",
        json={
            "tool": "video",
            "tool_version": "2.1",
            "output_sha256": sha(value),
            "media_type": "video/mp4",
            "generated_at": value,
        },
        headers=s.artist_headers,
    )
    assert_refused(generation, 422, "generated_at")
    roster = client.get(
        f"/v1/programs/{s.slug}/roster", query_string={"as_of": value}, headers=tokens.staff
    )
    assert_refused(roster, 422, "as_of")
    assert system.log.head() == before
    reads_still_work(client, tokens, s.slug)


def test_the_latest_instant_at_the_widest_offset_is_kept_in_utc_and_read_back(store_client):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    revoke = {"reason": "granted again with an expiry"}
    post(client, f"/v1/participants/{s.participant}/grants/video/revoke", tokens.staff, revoke, 200)
    granted = post(
        client,
        f"/v1/participants/{s.participant}/grants",
        tokens.staff,
        {"tool": "video", "expires_at": "9999-12-31T09:59:59.5+14:00"},
        201,
    )
    assert granted.get_json()["expires_at"] == "9999-12-30T19:59:59.500000Z"
    reads_still_work(client, tokens, s.slug)
    roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    [entry] = [a for a in roster["applications"] if a["id"] == s.participant]
    assert "9999-12-30T19:59:59.500000Z" in {g["expires_at"] for g in entry["active_grants"]}


def test_rfc3339_spellings_are_accepted(client, tokens):
    s = seed(client, tokens)
    for value in ("2026-03-02T09:00:00z", "2026-03-02t09:00:00.123456789+09:00"):
        response = client.get(
            f"/v1/programs/{s.slug}/roster", query_string={"as_of": value}, headers=tokens.staff
        )
        assert response.status_code in (200, 404), (value, response.get_json())


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "1969-12-31",
        "20260302",
        "2026-W10-1",
        "2026-02-30",
        "２０２６-03-02",
    ],
)
def test_program_and_exhibition_dates_stay_in_a_sane_range(client, tokens, system, value):
    before = system.log.head()
    program = client.post("/v1/programs", json=PROGRAM | {"starts_on": value}, headers=tokens.staff)
    assert_refused(program, 422, "starts_on")
    assert system.log.head() == before
