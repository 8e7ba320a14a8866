"""Ownership through HTTP on both stores: a declaration of another
participant's recorded output is refused with nothing written; a retracted
declaration frees its hash for a new declaration (a work of its own) while its
certificate still verifies, marked retracted; a dispute shows in the registry
and the audit report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from ledger.domain import Work
from tests.helpers import Tokens, apply, post, schedule_exhibition, seed, sha
from tests.integration.test_readers_total import build_and_sign
from transparency.certificate import verify_certificate

REFUSED_TITLE = "Content hash is another participant's generation output"


@pytest.fixture
def api(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    app.config["TESTING"] = True
    return app.test_client(), Tokens(store_system)


def second_artist(client: Any, tokens: Any, slug: str, name: str = "Lee Ji-ho") -> tuple[str, Any]:
    """Another admitted artist with a grant and a generation of their own."""
    pid = apply(client, tokens, slug, name)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    post(client, f"/v1/participants/{pid}/grants", tokens.staff, {"tool": "video"}, 201)
    headers = tokens.artist(pid)
    body = {"tool": "video", "tool_version": "2.1", "output_sha256": sha(name), "media_type": "a/b"}
    generation = post(client, f"/v1/participants/{pid}/generations", headers, body, 201)
    return generation.get_json()["id"], headers


def declaration(content: str, generation: str, title: str = "Mine") -> dict[str, Any]:
    return {
        "title": title,
        "content_sha256": content,
        "generation_ids": [generation],
        "statement": "I made it.",
    }


def test_a_declaration_of_another_participants_output_is_refused(api, store_system):
    client, tokens = api
    kim = seed(
        client, tokens, declare=False
    )  # Kim recorded a generation whose output is sha("out")
    lees_generation, lee = second_artist(client, tokens, kim.slug)
    head = store_system.log.head()

    for content, key in ((sha("out"), None), (sha("out").upper(), "front-run-1")):
        headers = lee | ({"Idempotency-Key": key} if key else {})
        refused = client.post(
            "/v1/works", json=declaration(content, lees_generation), headers=headers
        )
        assert refused.status_code == 409, refused.get_json()
        assert refused.mimetype == "application/problem+json"
        assert refused.get_json()["title"] == REFUSED_TITLE
        assert (
            "first recorded as a generation output by another participant"
            in (refused.get_json()["detail"])
        )
    assert store_system.log.head() == head  # nothing written, the key stays free
    assert client.get(f"/v1/works?sha256={sha('out')}").get_json()["items"] == []

    # The artist who made it declares it; the audit finds nothing wrong.
    declared = post(
        client, "/v1/works", kim.artist_headers, declaration(sha("out"), kim.generation)
    )
    assert declared.status_code == 201, declared.get_json()
    report = client.get(f"/v1/programs/{kim.slug}/audit-report", headers=tokens.auditor)
    assert report.get_json()["ok"] is True


def test_a_retracted_hash_is_declared_again_as_a_work_of_its_own(
    api, store_system, store_settings, tmp_path
):
    client, tokens = api
    kim = seed(client, tokens)
    lees_generation, lee = second_artist(client, tokens, kim.slug)
    retract = f"/v1/works/{kim.work}/retract"
    for headers, status in ((lee, 403), (tokens.staff, 403), (tokens.auditor, 403)):
        assert client.post(retract, json={"reason": "r"}, headers=headers).status_code == status
    assert client.post(retract, json={}, headers=kim.artist_headers).status_code == 422
    taken = client.post(
        "/v1/works", json=declaration(kim.content_sha256, lees_generation), headers=lee
    )
    assert taken.status_code == 409 and taken.get_json()["work_id"] == kim.work

    retracted = post(client, retract, kim.artist_headers, {"reason": "Not finished; wrong file."})
    assert retracted.status_code == 200
    assert retracted.get_json() | {"position": 0} == {
        "id": kim.work,
        "status": "retracted",
        "position": 0,
    }
    again = client.post(retract, json={"reason": "again"}, headers=kim.artist_headers)
    assert again.status_code == 409 and again.get_json()["title"] == "Declaration retracted"

    # The hash is free again: Lee may declare it (no one recorded it as an output).
    redeclared = post(client, "/v1/works", lee, declaration(kim.content_sha256, lees_generation))
    assert redeclared.status_code == 201, redeclared.get_json()
    new = redeclared.get_json()["id"]
    assert new != kim.work
    found = client.get(f"/v1/works?sha256={kim.content_sha256}").get_json()["items"]
    assert [(w["id"], w["status"]) for w in found] == [(kim.work, "retracted"), (new, "declared")]
    assert (
        found[0]["retracted_at"].endswith("Z") and found[1]["owner"]["display_name"] == "Lee Ji-ho"
    )
    assert "wrong file" not in json.dumps(found)  # the reason is personal: staff's feed only
    feed = client.get("/v1/events?type=work.ownership_retracted", headers=tokens.staff).get_json()
    assert feed["items"][0]["personal"] == {"reason": "Not finished; wrong file."}

    # A retracted work no longer hangs anywhere new.
    exhibition = schedule_exhibition(
        client,
        tokens,
        kim.slug,
        title="T",
        venue="V",
        opens_on="2026-12-01",
        closes_on="2026-12-31",
    )
    hung = client.post(
        f"/v1/exhibitions/{exhibition}/works", json={"work_id": kim.work}, headers=tokens.staff
    )
    assert hung.status_code == 409 and hung.get_json()["title"] == "Declaration retracted"

    # The retracted declaration's certificate verifies, marked retracted; the new one is apart.
    build_and_sign(store_system, store_settings)
    old = client.get(f"/v1/works/{kim.work}/certificate")
    fresh = client.get(f"/v1/works/{new}/certificate")
    assert verify_certificate(old.data).status == "retracted"
    assert verify_certificate(fresh.data).status == "declared"
    assert "corrections" not in fresh.get_json()
    assert fresh.get_json()["leaf"] != old.get_json()["leaf"]
    path = Path(tmp_path / "old.cert.json")
    path.write_text(json.dumps(old.get_json(), indent=2))  # re-encoded: verified by its facts
    result = CliRunner().invoke(main, ["verify", "certificate", str(path)])
    assert result.exit_code == 0, result.output
    assert "RETRACTED by its artist" in result.output
    assert client.get(f"/v1/programs/{kim.slug}/audit-report", headers=tokens.auditor).get_json()[
        "ok"
    ]


def test_a_disputed_declaration_shows_in_the_registry_and_the_audit(api, store_system):
    client, tokens = api
    kim = seed(client, tokens)
    dispute = f"/v1/works/{kim.work}/dispute"
    for headers in (kim.artist_headers, tokens.auditor, tokens.partner):
        assert client.post(dispute, json={"reason": "r"}, headers=headers).status_code == 403
    disputed = post(client, dispute, tokens.staff, {"reason": "A prior claim was filed."}, 200)
    assert disputed.get_json()["status"] == "disputed"
    assert client.post(dispute, json={"reason": "r"}, headers=tokens.staff).status_code == 409

    work = client.get(f"/v1/works/{kim.work}").get_json()
    assert work["status"] == "disputed" and work["disputed_at"] and work["retracted_at"] is None
    report = client.get(f"/v1/programs/{kim.slug}/audit-report", headers=tokens.auditor).get_json()
    assert report["ok"] is True  # a dispute is a correction, not a violation
    assert [d["work_id"] for d in report["disputes"]] == [kim.work]
    assert report["counts"]["by_type"]["work.ownership_disputed"] == 1
    assert "A prior claim" not in json.dumps(report) + json.dumps(work)
    # Disputed, it still stands: its artist may retract it.
    post(client, f"/v1/works/{kim.work}/retract", kim.artist_headers, {"reason": "r"}, 200)
    assert client.get(f"/v1/works/{kim.work}").get_json()["status"] == "retracted"


def test_the_audit_report_flags_a_front_running_declaration_planted_in_the_store(api, store_system):
    client, tokens = api
    kim = seed(client, tokens, declare=False)  # Kim's generation recorded sha("out")
    lees_generation, lee = second_artist(client, tokens, kim.slug)
    ledger = store_system.store.ledger
    applicant = ledger.get_application(_participant(store_system, lee))
    # Saved straight into the store, past the command bus (a bug, a tampered writer).
    work_id = Work.create_id(sha("out"))
    sealed = ledger.get_person(applicant).seal(work_id, 1, statement="s", credit_name="Lee")
    planted = Work(
        work_id,
        applicant.id,
        kim.slug,
        "Front-run",
        sha("out"),
        [UUID(lees_generation)],
        sealed.commitment("statement"),
        sealed.commitment("credit_name"),
        "a-token",
        "artist",
    )
    position = ledger.save(planted, side_writes=[sealed])[-1].notification.id

    path = f"/v1/programs/{kim.slug}/audit-report?min_position={position}"
    report = client.get(path, headers=tokens.auditor).get_json()
    assert report["ok"] is False
    [violation] = report["violations"]
    assert violation["invariant"] == "I3" and violation["position"] == position
    assert violation["detail"] == (
        f"content {sha('out')} was first recorded as a generation output by participant "
        f"{kim.participant}, and declared by {applicant.id}"
    )
    kims_generation = [e for e in violation["events"] if e["type"] == "generation.recorded"]
    assert [e["position"] for e in violation["events"]][-1] == position and kims_generation
    csv_text = client.get(path, headers=tokens.auditor | {"Accept": "text/csv"}).get_data(
        as_text=True
    )
    assert f"violation,I3,{position}," in csv_text


def _participant(system: Any, headers: dict[str, str]) -> UUID:
    actor = system.tokens.authenticate(headers["Authorization"].split()[1])
    assert actor is not None and actor.participant_id is not None
    return actor.participant_id
