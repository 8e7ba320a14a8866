"""The read endpoints on both stores: read-your-writes and redaction."""

from __future__ import annotations

import pytest

from api.app import create_app
from tests.helpers import Tokens, post, seed


@pytest.fixture
def store_client(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    app.config["TESTING"] = True
    return app.test_client(), Tokens(store_system)


def test_every_write_is_visible_to_a_read_at_its_position(store_client):
    client, tokens = store_client
    s = seed(client, tokens)
    for n in range(3):
        written = post(
            client,
            f"/v1/programs/{s.slug}/applications",
            tokens.staff,
            {
                "artist_name": f"Artist {n}",
                "email": f"a{n}@example.org",
                "portfolio_url": "https://p.example.org",
                "statement": "s",
            },
            201,
        ).get_json()
        admitted = post(
            client, f"/v1/applications/{written['id']}/admit", tokens.staff, None, 200
        ).get_json()
        roster = client.get(
            f"/v1/programs/{s.slug}/roster?min_position={admitted['position']}",
            headers=tokens.auditor,
        ).get_json()
        entry = next(a for a in roster["applications"] if a["id"] == written["id"])
        assert entry["status"] == "admitted" and "email" not in entry
        assert roster["seats_used"] == n + 2


def test_registry_audit_and_feed_on_every_store(store_client):
    client, tokens = store_client
    s = seed(client, tokens)
    [item] = client.get(f"/v1/works?sha256={s.content_sha256}").get_json()["items"]
    assert item["owner"]["participant_id"] == s.participant
    report = client.get(f"/v1/programs/{s.slug}/audit-report", headers=tokens.staff).get_json()
    assert report["violations"] == [] and report["counts"]["by_type"]["program.opened"] == 1
    partner = client.get("/v1/events?type=application.submitted", headers=tokens.partner)
    [event] = partner.get_json()["items"]
    assert "email" not in event["data"] and "statement" not in event["data"]


def test_an_after_beyond_a_64_bit_position_gets_422_and_the_largest_one_an_empty_page(
    store_client,
):
    client, tokens = store_client
    seed(client, tokens)
    for path in ("/v1/works", "/v1/events"):
        too_big = client.get(f"{path}?after={2**63 - 1}", headers=tokens.staff)
        assert too_big.status_code == 422 and "after" in too_big.get_json()["errors"], path
        largest = client.get(f"{path}?after={2**63 - 2}", headers=tokens.staff)
        assert largest.status_code == 200 and largest.get_json()["items"] == [], path
