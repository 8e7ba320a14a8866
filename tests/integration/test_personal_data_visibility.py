"""Personal data on both stores: nobody but staff (and the person) ever reads it, in a
leaf, a feed, a read, a refusal or a webhook; display names are public for admitted
participants only."""

from __future__ import annotations

import base64
import json

from tests.helpers import apply, post, seed
from tests.integration.personal_data_support import (
    DECLINE_REASON,
    DECLINED,
    assert_hidden,
    decline_an_applicant,
    leaves,
)
from tests.integration.test_readers_total import build_and_sign
from tests.integration.webhooks_support import ENDPOINTS, Receiver, dispatching, receiving, register


def test_a_declined_applicant_is_seen_by_staff_alone(store_client, store_system, store_settings):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    applicant = decline_an_applicant(client, tokens, s.slug)
    size = build_and_sign(store_system, store_settings)

    for leaf in leaves(client, size):
        assert_hidden(base64.b64decode(leaf["leaf"]).decode("utf-8"), f"leaf {leaf['index']}")
        assert_hidden(json.dumps(leaf), f"leaf {leaf['index']} as served")
    for who in ("auditor", "partner"):
        feed = client.get("/v1/events?limit=1000", headers=getattr(tokens, who))
        assert feed.status_code == 200 and len(feed.get_json()["items"]) == size
        assert_hidden(feed.get_data(as_text=True), f"the {who}'s feed")
    reads = [
        ("/v1/works", {}),
        (f"/v1/works/{s.work}", {}),
        (f"/v1/works/{s.work}", tokens.partner),
        (f"/v1/programs/{s.slug}", tokens.partner),
        (f"/v1/programs/{s.slug}", tokens.auditor),
        (f"/v1/programs/{s.slug}/roster", tokens.auditor),
        (f"/v1/participants/{applicant}", tokens.auditor),
        (f"/v1/works/{s.work}/certificate", {}),
        (f"/v1/programs/{s.slug}/audit-report", tokens.auditor),
    ]
    for path, headers in reads:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        assert_hidden(response.get_data(as_text=True), path)
    [entry] = [
        e
        for e in client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.auditor).get_json()[
            "applications"
        ]
        if e["id"] == applicant
    ]
    assert entry["status"] == "declined" and entry["display_name"] is None
    # Refusals name no value either.
    refusals = [
        client.post(f"/v1/applications/{applicant}/admit", headers=tokens.staff),
        client.post(f"/v1/applications/{applicant}/decline", json={}, headers=tokens.staff),
        client.get(f"/v1/applications/{applicant}", headers=tokens.auditor),
        client.get(f"/v1/applications/{applicant}", headers=s.artist_headers),
        client.post(
            f"/v1/programs/{s.slug}/applications",
            json=DECLINED | {"email": "not an address", "portfolio_url": "nope"},
            headers=tokens.staff,
        ),
    ]
    assert [r.status_code for r in refusals] == [409, 422, 403, 403, 422]
    for refusal in refusals:
        assert_hidden(refusal.get_data(as_text=True), "a refusal")

    # Staff see all of it, read from the personal-data store.
    staff_roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    [mine] = [e for e in staff_roster["applications"] if e["id"] == applicant]
    assert (mine["artist_name"], mine["email"], mine["portfolio_url"]) == (
        DECLINED["artist_name"],
        DECLINED["email"],
        DECLINED["portfolio_url"],
    )
    record = client.get(f"/v1/applications/{applicant}", headers=tokens.staff).get_json()
    assert record["statement"] == DECLINED["statement"] and record["erased"] is False
    staff_feed = client.get("/v1/events?type=application.declined", headers=tokens.staff)
    [declined] = staff_feed.get_json()["items"]
    assert declined["personal"] == {"reason": DECLINE_REASON}
    assert "reason" not in declined["data"] and len(declined["data"]["reason_commitment"]) == 64


def test_display_names_are_public_for_admitted_participants_only(store_client, store_system):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    path = f"/v1/participants/{s.participant}/display-name"
    own = post(client, path, s.artist_headers, {"display_name": "K. Seo-yeon"}, 200)
    assert "K. Seo-yeon" not in own.get_data(as_text=True)  # a stored response outlives erasure
    changed = client.get("/v1/events?type=participant.display_name_changed", headers=tokens.staff)
    [event] = changed.get_json()["items"]
    assert event["position"] == own.get_json()["position"]
    assert event["personal"] == {"display_name": "K. Seo-yeon"}
    assert list(event["data"]) == ["display_name_commitment"]

    work = client.get(f"/v1/works/{s.work}?min_position={own.get_json()['position']}").get_json()
    assert work["owner"]["display_name"] == "K. Seo-yeon"
    assert work["credited_name"] == "Kim Seo-yeon"  # the credit is the name at declaration
    found = client.get("/v1/works?owner=k.%20SEO-YEON").get_json()["items"]
    assert [w["id"] for w in found] == [s.work]
    assert client.get("/v1/works?owner=Kim%20Seo-yeon").get_json()["items"] == []
    program = client.get(f"/v1/programs/{s.slug}", headers=tokens.partner).get_json()
    participants = program["participants"]
    assert participants == [{"id": s.participant, "display_name": "K. Seo-yeon", "erased": False}]

    other = apply(client, tokens, s.slug, "Lee Ji-ho")
    post(client, f"/v1/applications/{other}/admit", tokens.staff, None, 200)
    forbidden = client.post(path, json={"display_name": "X"}, headers=tokens.artist(other))
    assert forbidden.status_code == 403
    by_staff = post(client, path, tokens.staff, {"display_name": "K. Seo-yeon"}, 200)
    pending = apply(client, tokens, s.slug, "Park Min-jun")
    not_admitted = client.post(
        f"/v1/participants/{pending}/display-name",
        json={"display_name": "P"},
        headers=tokens.staff,
    )
    assert not_admitted.status_code == 409
    for who in (tokens.auditor, tokens.partner):
        assert client.post(path, json={"display_name": "X"}, headers=who).status_code == 403

    # The same name twice: two commitments that no one can link without the salts.
    feed = client.get(
        f"/v1/events?type=participant.display_name_changed&min_position="
        f"{by_staff.get_json()['position']}",
        headers=tokens.partner,
    ).get_json()["items"]
    first, second = (e["data"]["display_name_commitment"] for e in feed)
    assert first != second
    assert "Seo-yeon" not in json.dumps(feed)


def test_partners_receive_public_names_resolved_when_sent_and_nothing_else(
    store_client, store_system, store_settings
):
    client, tokens, _ = store_client
    with receiving(Receiver()) as receiver:
        register(client, tokens, receiver)
        s = seed(client, tokens)
        decline_an_applicant(client, tokens, s.slug)
        head = store_system.log.head()
        with dispatching(store_system, store_settings):
            receiver.wait_for(lambda: len(receiver.received) >= head)
        assert not receiver.rejected
        for got in receiver.received:
            assert_hidden(got.raw, f"the webhook of {got.body['type']}")
            for leaked in ("kim@example.org", "moving image and memory", "Made in Seoul."):
                assert leaked not in got.raw
        by_type = {got.body["type"]: got.body["data"] for got in receiver.received}
        assert by_type["work.ownership_declared"]["credit_name"] == "Kim Seo-yeon"
        assert by_type["application.admitted"]["display_name"] == "Kim Seo-yeon"
        assert "display_name" not in by_type["application.submitted"]

        # Names are read at each attempt: after the erasure a resend carries none.
        messages = store_system.db.fetchall("SELECT body FROM {t}wh_messages")
        assert messages and not any("Kim Seo-yeon" in m["body"] for m in messages)
        body = {"reason": "asked to be forgotten"}
        post(client, f"/v1/participants/{s.participant}/erase", tokens.staff, body, 200)
        declared = next(r for r in receiver.received if r.body["type"] == "work.ownership_declared")
        sent = len(receiver.received)
        with dispatching(store_system, store_settings):
            receiver.wait_for(lambda: len(receiver.received) > sent)  # the erasure event
            endpoint = client.get(ENDPOINTS, headers=tokens.partner).get_json()["items"][0]
            resend = client.post(
                f"{ENDPOINTS}/{endpoint['id']}/replay",
                json={"after": declared.body["data"]["position"] - 1},
                headers=tokens.partner,
            )
            assert resend.status_code in (200, 202), resend.get_json()
            receiver.wait_for(
                lambda: any(
                    r.webhook_id == declared.webhook_id for r in receiver.received[sent + 1 :]
                )
            )
        again = next(
            r for r in receiver.received[sent + 1 :] if r.webhook_id == declared.webhook_id
        )
        assert again.body["data"]["credit_name"] is None
        assert "Kim Seo-yeon" not in again.raw
