"""Personal data on both stores: nobody but staff (and the person) ever reads it,
and erasing it leaves every leaf, proof and certificate valid."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.domain import Work
from tests.helpers import Tokens, apply, post, seed, sha
from tests.integration.test_readers_total import build_and_sign, env_of
from tests.integration.test_webhooks_delivery import (
    ENDPOINTS,
    Receiver,
    dispatching,
    receiving,
    register,
)
from transparency import merkle
from transparency.store import TreeStore

DECLINED = {
    "artist_name": "Baek Sung-min",
    "email": "baek.private@mail.example.net",
    "portfolio_url": "https://baek-portfolio.example.net/works",
    "statement": "My grandmother's village, filmed over ten winters.",
}
DECLINE_REASON = "Portfolio shows no moving-image practice yet"
SECRETS = (*DECLINED.values(), DECLINE_REASON)


@pytest.fixture
def api(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    app.config["TESTING"] = True
    return app.test_client(), Tokens(store_system)


def leaves(client: Any, size: int) -> list[dict[str, Any]]:
    """Every leaf as an anonymous client reads it."""
    out = []
    for index in range(size):
        response = client.get(f"/v1/transparency/leaves/{index}")
        assert response.status_code == 200
        out.append(response.get_json())
    return out


def assert_hidden(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}"


def decline_an_applicant(client: Any, tokens: Any, slug: str) -> str:
    path = f"/v1/programs/{slug}/applications"
    applicant = post(client, path, tokens.staff, DECLINED, 201).get_json()["id"]
    body = {"reason": DECLINE_REASON}
    post(client, f"/v1/applications/{applicant}/decline", tokens.staff, body, 200)
    return applicant


def test_a_declined_applicant_is_seen_by_staff_alone(api, store_system, store_settings):
    client, tokens = api
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


def _save_certificate(client: Any, work: str, path: Path) -> bytes:
    response = client.get(f"/v1/works/{work}/certificate")
    assert response.status_code == 200, response.get_data(as_text=True)
    path.write_bytes(response.get_data())
    return response.get_data()


def _verify_certificate(settings: Any, path: Path, vkey: str) -> Any:
    result = CliRunner().invoke(main, ["verify", "certificate", str(path), "--key", vkey])
    assert result.exit_code == 0, result.output
    return result.output


def test_erasure_keeps_every_proof_and_the_saved_certificate(
    api, store_system, store_settings, tmp_path
):
    client, tokens = api
    s = seed(client, tokens)
    exhibition = post(
        client,
        "/v1/exhibitions",
        tokens.staff,
        {
            "program": s.slug,
            "title": "T",
            "venue": "V",
            "opens_on": "2026-04-01",
            "closes_on": "2026-04-30",
        },
        201,
    ).get_json()["id"]
    post(client, f"/v1/exhibitions/{exhibition}/works", tokens.staff, {"work_id": s.work}, 201)
    size = build_and_sign(store_system, store_settings)
    before = leaves(client, size)
    vkey = client.get("/v1/transparency/public-key").get_data(as_text=True).strip()
    saved = tmp_path / "saved.cert.json"
    cert = json.loads(_save_certificate(client, s.work, saved))
    assert cert["credit"]["name"] == "Kim Seo-yeon"
    checkpoint_before = client.get("/v1/transparency/checkpoint").get_data(as_text=True)

    erased = post(
        client, f"/v1/participants/{s.participant}/erase", tokens.staff, {"reason": "GDPR art. 17"}
    )
    assert erased.status_code == 200 and erased.get_json()["erased"] is True
    assert store_system.people.get(s.participant) is None  # the row is gone

    # Erasing twice, an unknown person, or by anyone but staff: refused.
    again = client.post(
        f"/v1/participants/{s.participant}/erase", json={"reason": "x"}, headers=tokens.staff
    )
    assert again.status_code == 409
    unknown = client.post(
        "/v1/participants/00000000-0000-4000-8000-000000000000/erase",
        json={"reason": "x"},
        headers=tokens.staff,
    )
    assert unknown.status_code == 404
    for headers in (s.artist_headers, tokens.auditor, tokens.partner):
        refused = client.post(
            f"/v1/participants/{s.participant}/erase", json={"reason": "x"}, headers=headers
        )
        assert refused.status_code == 403

    # Every view shows the person erased; the works stay theirs.
    staff_roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    [entry] = staff_roster["applications"]
    assert entry["erased"] is True and entry["status"] == "admitted"
    assert entry["artist_name"] is None and entry["email"] is None
    participant = client.get(f"/v1/participants/{s.participant}", headers=tokens.staff)
    assert participant.get_json()["erased"] is True
    assert participant.get_json()["statement"] is None
    assert [w["id"] for w in participant.get_json()["works"]] == [s.work]
    work = client.get(f"/v1/works/{s.work}").get_json()
    assert work["owner"] == {
        "participant_id": s.participant,
        "display_name": None,
        "erased": True,
    }
    assert work["credited_name"] is None and work["exhibitions"][0]["credited_name"] is None
    program = client.get(f"/v1/programs/{s.slug}", headers=tokens.partner).get_json()
    assert program["participants"] == [{"id": s.participant, "display_name": None, "erased": True}]
    feed = client.get("/v1/events?type=application.submitted", headers=tokens.staff).get_json()
    assert feed["items"][0]["personal"] == dict.fromkeys(
        ("artist_name", "email", "portfolio_url", "statement")
    )
    assert "Kim Seo-yeon" not in client.get("/v1/events?limit=1000", headers=tokens.staff).get_data(
        as_text=True
    )

    # Nothing personal can be recorded for them any more.
    later = [
        client.post(
            f"/v1/participants/{s.participant}/display-name",
            json={"display_name": "K."},
            headers=s.artist_headers,
        ),
        client.post(
            "/v1/works",
            json={
                "title": "After",
                "content_sha256": sha("after"),
                "generation_ids": [s.generation],
                "statement": "s",
            },
            headers=s.artist_headers,
        ),
    ]
    assert [r.status_code for r in later] == [409] * 2
    assert all(r.get_json()["title"] == "Personal data erased" for r in later)

    # Every leaf, proof and checkpoint is unchanged; the store verifies.
    new_size = build_and_sign(store_system, store_settings)
    assert new_size == size + 1
    assert leaves(client, size) == before
    old_root = base64.b64decode(checkpoint_before.splitlines()[2])
    proof = client.get(f"/v1/transparency/proofs/consistency?first={size}").get_json()
    merkle.verify_consistency(
        size,
        new_size,
        [bytes.fromhex(h) for h in proof["proof"]],
        old_root,
        bytes.fromhex(proof["second_root"]),
    )
    assert TreeStore(store_system.db).head().size == new_size
    result = CliRunner().invoke(main, ["verify", "store"], env=env_of(store_settings))
    assert result.exit_code == 0, result.output

    # The certificate saved before still proves the credit; the one served now
    # has no opening, and verifies all the same.
    assert "credited to 'Kim Seo-yeon'" in _verify_certificate(store_settings, saved, vkey)
    served_now = tmp_path / "after.cert.json"
    after = json.loads(_save_certificate(client, s.work, served_now))
    assert after["credit"] is None and after["leaf"] == cert["leaf"]
    assert "no credit opening" in _verify_certificate(store_settings, served_now, vkey)

    # Erased, they can still lose a grant and withdraw: the reason is not kept.
    revoked = client.post(
        f"/v1/participants/{s.participant}/grants/video/revoke",
        json={"reason": "a reason about them"},
        headers=tokens.staff,
    )
    withdrawn = client.post(
        f"/v1/applications/{s.participant}/withdraw",
        json={"reason": "a reason about them"},
        headers=tokens.staff,
    )
    assert (revoked.status_code, withdrawn.status_code) == (200, 200), withdrawn.get_json()
    types = "participant.tool_access_revoked,application.withdrawn"
    events = client.get(f"/v1/events?type={types}", headers=tokens.staff).get_json()["items"]
    assert [e["data"]["reason_commitment"] for e in events] == [None, None]
    assert [e["personal"] for e in events] == [{"reason": None}] * 2
    assert store_system.people.get(s.participant) is None
    assert "a reason about them" not in json.dumps(events)


def test_display_names_are_public_for_admitted_participants_only(api, store_system):
    client, tokens = api
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


def test_concurrent_declarations_by_one_artist_keep_each_others_values(api, store_system):
    """Several works of one artist saved at once: every credit and statement stays."""
    client, tokens = api
    s = seed(client, tokens, declare=False)
    artist = Actor("artist", Role.ARTIST, UUID(s.participant))
    hashes = [sha(f"work {n}") for n in range(8)]
    barrier = threading.Barrier(len(hashes))

    def declare(content: str) -> None:
        barrier.wait()
        command = c.DeclareOwnership("W", content, (UUID(s.generation),), f"about {content}")
        store_system.bus.handle(command, artist)

    threads = [threading.Thread(target=declare, args=(h,)) for h in hashes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    person = store_system.people.get(s.participant)
    assert person is not None
    for content in hashes:
        work = Work.create_id(content)
        assert person.value(work, 1, "credit_name") == "Kim Seo-yeon"
        assert person.value(work, 1, "statement") == f"about {content}"


def test_partners_receive_public_names_resolved_when_sent_and_nothing_else(
    api, store_system, store_settings
):
    client, tokens = api
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
