"""Personal data on both stores: erasing it leaves every leaf, proof and certificate valid
and records nothing personal afterwards; concurrent writes of one person's values
keep each other's."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

from click.testing import CliRunner

from api.cli import main
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.domain import Work
from tests.helpers import post, schedule_exhibition, seed, sha
from tests.integration.personal_data_support import leaves
from tests.integration.test_readers_total import build_and_sign, env_of
from transparency import merkle
from transparency.store import TreeStore


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
    store_client, store_system, store_settings, tmp_path
):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    exhibition = schedule_exhibition(client, tokens, s.slug, title="T", venue="V")
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


def test_concurrent_declarations_by_one_artist_keep_each_others_values(store_client, store_system):
    """Several works of one artist saved at once: every credit and statement stays."""
    client, tokens, _ = store_client
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
