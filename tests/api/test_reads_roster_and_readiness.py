"""The roster read: roles, redaction, read-your-writes, `as_of`; and readiness, which
reports each projection's lag (SQLite; the store contract runs in tests/integration)."""

from __future__ import annotations

from tests.api.reads_support import no_personal_data
from tests.helpers import apply, post, seed, sha


def test_roster_gives_staff_emails_and_auditors_none(client, tokens):
    s = seed(client, tokens)
    staff = client.get(f"/v1/programs/{s.slug}/roster?min_position=1", headers=tokens.staff)
    assert staff.status_code == 200, staff.get_json()
    body = staff.get_json()
    assert body["seats_used"] == 1 and body["seats_left"] == 20
    assert body["counts"] == {"applied": 0, "admitted": 1, "declined": 0, "withdrawn": 0}
    [entry] = body["applications"]
    assert entry["email"] == "kim@example.org"
    assert (entry["generations"], entry["works"]) == (1, 1)
    assert [g["tool"] for g in entry["active_grants"]] == ["video"]

    auditor = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.auditor).get_json()
    assert "email" not in auditor["applications"][0]
    no_personal_data(auditor)
    # Auditors see an admitted participant's display name, nothing else personal.
    assert auditor["applications"][0]["display_name"] == "Kim Seo-yeon"
    assert "artist_name" not in auditor["applications"][0]


def test_roster_refuses_partner_artist_and_anonymous(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    assert client.get(path, headers=tokens.partner).status_code == 403
    assert client.get(path, headers=s.artist_headers).status_code == 403
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.mimetype == "application/problem+json"


def test_a_write_then_a_read_at_its_position_sees_the_write(client, tokens):
    s = seed(client, tokens)
    written = post(
        client,
        f"/v1/programs/{s.slug}/applications",
        tokens.staff,
        {
            "artist_name": "Lee Ji-ho",
            "email": "lee@example.org",
            "portfolio_url": "https://p.example.org/lee",
            "statement": "Sound.",
        },
        201,
    ).get_json()
    roster = client.get(
        f"/v1/programs/{s.slug}/roster?min_position={written['position']}", headers=tokens.staff
    ).get_json()
    assert written["id"] in [a["id"] for a in roster["applications"]]
    assert roster["position"] >= written["position"]

    work = post(
        client,
        "/v1/works",
        s.artist_headers,
        {
            "title": "Second",
            "content_sha256": sha("second"),
            "generation_ids": [s.generation],
            "statement": "x",
        },
        201,
    ).get_json()
    entry = client.get(f"/v1/works/{work['id']}?min_position={work['position']}")
    assert entry.status_code == 200 and entry.get_json()["title"] == "Second"
    report = client.get(
        f"/v1/programs/{s.slug}/audit-report?min_position={work['position']}",
        headers=tokens.auditor,
    ).get_json()
    assert report["position"] >= work["position"]
    assert report["counts"]["by_type"]["work.ownership_declared"] == 2


def test_roster_as_of_a_position_and_an_instant(client, tokens):
    s = seed(client, tokens)
    before = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    withdrawn = post(
        client, f"/v1/applications/{s.participant}/withdraw", tokens.staff, {"reason": "moved"}, 200
    ).get_json()
    now = client.get(
        f"/v1/programs/{s.slug}/roster?min_position={withdrawn['position']}", headers=tokens.staff
    ).get_json()
    assert now["counts"]["withdrawn"] == 1 and now["seats_used"] == 0
    assert now["applications"][0]["active_grants"] == []

    past = client.get(
        f"/v1/programs/{s.slug}/roster?as_of={withdrawn['position'] - 2}", headers=tokens.staff
    ).get_json()
    assert past["counts"]["admitted"] == 1 and past["seats_used"] == 1
    assert past["applications"] == before["applications"]
    assert past["as_of"]["position"] == withdrawn["position"] - 2

    instant = before["applications"][0]["active_grants"][0]["granted_at"]
    at_grant = client.get(
        f"/v1/programs/{s.slug}/roster", query_string={"as_of": instant}, headers=tokens.staff
    ).get_json()
    assert at_grant["counts"]["admitted"] == 1
    assert at_grant["applications"][0]["generations"] == 0  # recorded after the grant
    assert at_grant["as_of"]["instant"] == instant


def test_roster_as_of_rejects_bad_values_and_unknown_times(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    bad = client.get(path, query_string={"as_of": "yesterday"}, headers=tokens.staff)
    assert bad.status_code == 422 and "as_of" in bad.get_json()["errors"]
    naive = client.get(path, query_string={"as_of": "2026-03-01T10:00:00"}, headers=tokens.staff)
    assert naive.status_code == 422
    beyond = client.get(path, query_string={"as_of": "99999"}, headers=tokens.staff)
    assert beyond.status_code == 422
    early = client.get(path, query_string={"as_of": "2001-01-01T00:00:00Z"}, headers=tokens.staff)
    assert early.status_code == 404
    assert client.get("/v1/programs/nope/roster", headers=tokens.staff).status_code == 404
    assert client.get(f"{path}?min_position=-1", headers=tokens.staff).status_code == 422


def test_readiness_reports_each_projection_lag(client, tokens):
    seed(client, tokens)
    body = client.get("/readyz").get_json()
    views = body["checks"]["projections"]
    assert {"roster", "registry", "audit"} <= set(views)
    assert views["roster"]["lag"] >= 0


def test_roster_as_of_values_python_cannot_parse_get_422_not_500(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    for value in ("²", "9" * 5000, "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"):
        response = client.get(path, query_string={"as_of": value}, headers=tokens.staff)
        assert response.status_code == 422, value
        assert "as_of" in response.get_json()["errors"]


def test_readiness_counts_lag_from_the_log_head_and_fails_beyond_the_bound(
    client, tokens, system, monkeypatch
):
    s = seed(client, tokens)
    assert client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).status_code == 200
    head = system.log.head()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["projections"]["roster"] == {
        "generation": 1,
        "position": head,
        "lag": 0,
    }

    monkeypatch.setattr("api.freshness.READY_LAG", 0)
    apply(client, tokens, s.slug, "Lee Ji-ho")  # the roster is now behind by this write
    behind = client.get("/readyz")
    assert behind.status_code == 503
    projections = behind.get_json()["checks"]["projections"]
    assert projections["ok"] is False
    assert projections["roster"]["lag"] == system.log.head() - head > 0
