"""Registry, audit report and event feed reads: roles, redaction, paging, CSV
(SQLite; the store contract runs in tests/integration)."""

from __future__ import annotations

from tests.api.reads_support import no_personal_data
from tests.helpers import apply, post, schedule_exhibition, seed, sha


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
        no_personal_data(client.get("/v1/works", headers=headers).get_json())
        no_personal_data(client.get(f"/v1/works/{s.work}", headers=headers).get_json())
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
    exhibition = schedule_exhibition(client, tokens, s.slug, closes_on="2026-05-01")
    hung = post(
        client, f"/v1/exhibitions/{exhibition}/works", tokens.staff, {"work_id": s.work}, 201
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
        no_personal_data(body)
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
        no_personal_data(body)
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
