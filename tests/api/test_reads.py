"""Read endpoints: roster, registry, audit report, feed — roles, redaction,
read-your-writes (SQLite; the store contract runs in tests/integration)."""

from __future__ import annotations

import json

from tests.helpers import apply, post, seed, sha

# Keys and values of personal data (the seeded applicant's and their work's).
PERSONAL = (
    '"email"',
    '"statement"',
    "@example.org",
    "portfolio.example.org",
    "moving image and memory",
    "Made in Seoul.",
    "_salt",
)


def _no_personal_data(body: object) -> None:
    text = json.dumps(body)
    for marker in PERSONAL:
        assert marker not in text, marker


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
    _no_personal_data(auditor)
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


def test_registry_is_public_searchable_and_free_of_personal_data(client, tokens):
    s = seed(client, tokens)
    by_hash = client.get(f"/v1/works?sha256={s.content_sha256}")
    assert by_hash.status_code == 200
    [item] = by_hash.get_json()["items"]
    assert item["id"] == s.work
    assert item["owner"] == {
        "participant_id": s.participant,
        "display_name": "Kim Seo-yeon",
        "erased": False,
    }
    assert item["credited_name"] == "Kim Seo-yeon"
    [tool] = item["tools"]
    assert tool["tool"] == "video" and tool["versions_used"] == ["2.1"]
    assert tool["disclosure"]["limitations"] == ["no real people", "720p only"]
    for headers in ({}, tokens.staff, tokens.auditor, tokens.partner, s.artist_headers):
        _no_personal_data(client.get("/v1/works", headers=headers).get_json())
        _no_personal_data(client.get(f"/v1/works/{s.work}", headers=headers).get_json())
    for query in (f"owner={s.participant}", "owner=kim%20seo-yeon", f"program={s.slug}"):
        assert [w["id"] for w in client.get(f"/v1/works?{query}").get_json()["items"]] == [s.work]
    assert client.get(f"/v1/works?sha256={sha('nothing')}").get_json()["items"] == []
    assert client.get("/v1/works?sha256=XYZ").status_code == 422
    assert client.get(f"/v1/works/{sha('x')[:8]}-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/v1/works?limit=0").status_code == 422


def test_registry_pages_with_a_cursor(client, tokens):
    s = seed(client, tokens)
    for n in range(2):
        post(
            client,
            "/v1/works",
            s.artist_headers,
            {
                "title": f"W{n}",
                "content_sha256": sha(f"w{n}"),
                "generation_ids": [s.generation],
                "statement": "x",
            },
            201,
        )
    first = client.get("/v1/works?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next"] is not None
    rest = client.get(f"/v1/works?limit=2&after={first['next']}").get_json()
    assert [w["title"] for w in rest["items"]] == ["W1"] and rest["next"] is None


def test_exhibitions_show_in_the_registry(client, tokens):
    s = seed(client, tokens)
    exhibition = post(
        client,
        "/v1/exhibitions",
        tokens.staff,
        {
            "program": s.slug,
            "title": "Synthetic Seoul",
            "venue": "DDP",
            "opens_on": "2026-04-01",
            "closes_on": "2026-05-01",
        },
        201,
    ).get_json()
    hung = post(
        client, f"/v1/exhibitions/{exhibition['id']}/works", tokens.staff, {"work_id": s.work}, 201
    ).get_json()
    entry = client.get(f"/v1/works/{s.work}?min_position={hung['position']}").get_json()
    [shown] = entry["exhibitions"]
    assert shown["title"] == "Synthetic Seoul" and shown["credited_artist"] == s.participant


def test_audit_report_for_auditors_and_staff_in_json_and_csv(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/audit-report"
    for headers in (tokens.auditor, tokens.staff):
        report = client.get(path, headers=headers)
        assert report.status_code == 200
        body = report.get_json()
        assert body["violations"] == [] and body["ok"] is True
        assert body["counts"]["by_type"]["generation.recorded"] == 1
        video = body["counts"]["by_tool"]["video"]
        assert video == {"grants": 1, "revocations": 0, "generations": 1}
        assert [i["id"] for i in body["invariants"]] == ["I1", "I2", "I3", "I4", "I5", "I6"]
        assert "checkpoint" in body  # the transparency log's, when it has one
        _no_personal_data(body)
    csv = client.get(path, headers=tokens.auditor | {"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "section,key,value,detail,events"
    assert "count_by_type,work.ownership_declared,1,," in lines
    assert "report,violations,0,," in lines
    assert client.get(path, headers=tokens.partner).status_code == 403
    assert client.get(path, headers=s.artist_headers).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get("/v1/programs/nope/audit-report", headers=tokens.staff).status_code == 404


def test_event_feed_redacts_personal_data_for_everyone_but_staff(client, tokens):
    s = seed(client, tokens)
    staff = client.get("/v1/events?type=application.submitted", headers=tokens.staff).get_json()
    [event] = staff["items"]
    assert "email" not in event["data"] and len(event["data"]["email_commitment"]) == 64
    # Staff see the values the event's commitments commit to, from the personal-data store.
    assert event["personal"] == {
        "artist_name": "Kim Seo-yeon",
        "email": "kim@example.org",
        "portfolio_url": "https://portfolio.example.org/kim",
        "statement": "I work with moving image and memory.",
    }
    for headers in (tokens.auditor, tokens.partner):
        body = client.get("/v1/events?limit=1000", headers=headers).get_json()
        assert len(body["items"]) > 5
        _no_personal_data(body)
    assert client.get("/v1/events", headers=s.artist_headers).status_code == 403
    assert client.get("/v1/events").status_code == 401


def test_event_feed_pages_in_order_and_filters_by_type(client, tokens):
    seed(client, tokens)
    apply(client, tokens, "seoul-2026", "Lee Ji-ho")
    everything = client.get("/v1/events?limit=1000", headers=tokens.auditor).get_json()
    positions = [e["position"] for e in everything["items"]]
    assert positions == sorted(positions) and everything["next"] is None
    first = client.get("/v1/events?limit=3", headers=tokens.auditor).get_json()
    second = client.get(f"/v1/events?limit=3&after={first['next']}", headers=tokens.auditor)
    assert [e["position"] for e in first["items"] + second.get_json()["items"]] == positions[:6]
    submitted = client.get(
        "/v1/events?type=application.submitted,work.ownership_declared", headers=tokens.partner
    ).get_json()
    assert [e["type"] for e in submitted["items"]] == [
        "application.submitted",
        "work.ownership_declared",
        "application.submitted",
    ]
    bad = client.get("/v1/events?type=no.such", headers=tokens.auditor)
    assert bad.status_code == 422 and "type" in bad.get_json()["errors"]
    assert client.get("/v1/events?limit=5000", headers=tokens.auditor).status_code == 422
    assert client.get("/v1/events?after=-3", headers=tokens.auditor).status_code == 422


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

    monkeypatch.setattr("api.reads.READY_LAG", 0)
    apply(client, tokens, s.slug, "Lee Ji-ho")  # the roster is now behind by this write
    behind = client.get("/readyz")
    assert behind.status_code == 503
    projections = behind.get_json()["checks"]["projections"]
    assert projections["ok"] is False
    assert projections["roster"]["lag"] == system.log.head() - head > 0
