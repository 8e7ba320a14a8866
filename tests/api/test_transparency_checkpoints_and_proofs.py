"""The transparency endpoints: the signed checkpoint, the key, inclusion and consistency
proofs, leaves, and the tree's lag in readiness."""

from __future__ import annotations

import base64
import threading

import pytest

from tests.api.transparency_support import seed_and_build
from tests.helpers import post, seed
from transparency import merkle, note
from transparency.follower import TreeBuilder


@pytest.fixture
def built(settings, system, client, tokens):
    return seed_and_build(settings, system, client, tokens)


def _verifier(client) -> note.Verifier:
    response = client.get("/v1/transparency/public-key")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return note.parse_vkey(response.get_data(as_text=True))


def _checkpoint(client, verifier, **query) -> note.Checkpoint:
    response = client.get("/v1/transparency/checkpoint", query_string=query)
    assert response.status_code == 200, response.get_json()
    assert response.content_type == "text/plain; charset=utf-8"
    return note.parse_checkpoint(note.open_note(response.get_data(), verifier))


def test_checkpoint_is_signed_for_the_current_tree_and_cached(client, settings, built):
    _, head = built
    verifier = _verifier(client)
    assert verifier.name == settings.log_name
    first = client.get("/v1/transparency/checkpoint").get_data()
    assert client.get("/v1/transparency/checkpoint").get_data() == first
    checkpoint = _checkpoint(client, verifier)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (
        settings.log_name,
        head.size,
        head.root,
    )


def test_a_checkpoint_is_signed_once_per_tree_size(
    client, tokens, settings, system, built, monkeypatch
):
    signed: list[str] = []
    sign = note.Signer.sign
    monkeypatch.setattr(
        note.Signer, "sign", lambda self, text: signed.append(text) or sign(self, text)
    )
    for _ in range(3):
        assert client.get("/v1/transparency/checkpoint").status_code == 200
    assert len(signed) == 1
    seed(client, tokens, slug="busan-2026", declare=False)
    TreeBuilder(system.log, system.db, settings).catch_up()
    for _ in range(2):
        assert client.get("/v1/transparency/checkpoint").status_code == 200
    assert len(signed) == 2 and signed[0] != signed[1]


def test_a_later_checkpoint_is_provably_consistent_with_an_earlier_one(
    client, tokens, settings, system, built
):
    verifier = _verifier(client)
    earlier = _checkpoint(client, verifier)
    seed(client, tokens, slug="busan-2026")
    TreeBuilder(system.log, system.db, settings).catch_up()
    later = _checkpoint(client, verifier)
    assert later.size > earlier.size
    body = client.get(
        "/v1/transparency/proofs/consistency",
        query_string={"first": earlier.size, "second": later.size},
    ).get_json()
    assert (body["first"], body["second"]) == (earlier.size, later.size)
    merkle.verify_consistency(
        earlier.size,
        later.size,
        [bytes.fromhex(h) for h in body["proof"]],
        earlier.root,
        later.root,
    )


def test_checkpoint_waits_for_min_position_then_answers_503(client, tokens, settings, system):
    slug = seed(client, tokens, declare=False).slug
    written = post(
        client,
        f"/v1/programs/{slug}/tools",
        tokens.staff,
        {
            "tool": "image",
            "name": "Still",
            "provider": "P",
            "version": "1",
            "capabilities": [],
            "limitations": [],
        },
        201,
    ).get_json()["position"]
    late = client.get("/v1/transparency/checkpoint", query_string={"min_position": written})
    assert late.status_code == 503 and late.headers["Retry-After"]
    assert late.mimetype == "application/problem+json"

    stop = threading.Event()
    builder = threading.Thread(
        target=TreeBuilder(system.log, system.db, settings).run, args=(stop,)
    )
    builder.start()
    try:
        checkpoint = _checkpoint(client, _verifier(client), min_position=written)
    finally:
        stop.set()
        builder.join()
    assert checkpoint.size == written  # SQLite positions are gap-free


def test_inclusion_proofs_verify_for_every_leaf(client, built):
    _, head = built
    for index in range(head.size):
        leaf = client.get(f"/v1/transparency/leaves/{index}").get_json()
        data = base64.b64decode(leaf["leaf"])
        proof = client.get(
            "/v1/transparency/proofs/inclusion", query_string={"index": index}
        ).get_json()
        assert proof["leaf_hash"] == merkle.leaf_hash(data).hex() == leaf["leaf_hash"]
        assert proof["tree_size"] == head.size and proof["root_hash"] == head.root.hex()
        merkle.verify_inclusion(
            merkle.leaf_hash(data),
            index,
            head.size,
            [bytes.fromhex(h) for h in proof["audit_path"]],
            head.root,
        )


def test_proofs_at_past_tree_sizes_carry_the_roots_of_those_sizes(client, built):
    _, head = built
    leaves = [
        bytes.fromhex(client.get(f"/v1/transparency/leaves/{i}").get_json()["leaf_hash"])
        for i in range(head.size)
    ]
    for size in range(1, head.size + 1):
        root = merkle.root_of(leaves[:size])
        proof = client.get(
            "/v1/transparency/proofs/inclusion",
            query_string={"index": size // 2, "tree_size": size},
        ).get_json()
        assert (proof["tree_size"], proof["root_hash"]) == (size, root.hex())
        assert proof["leaf_hash"] == leaves[size // 2].hex()
        merkle.verify_inclusion(
            leaves[size // 2],
            size // 2,
            size,
            [bytes.fromhex(h) for h in proof["audit_path"]],
            root,
        )
        body = client.get(
            "/v1/transparency/proofs/consistency", query_string={"first": size}
        ).get_json()
        assert (body["first"], body["second"]) == (size, head.size)
        assert (body["first_root"], body["second_root"]) == (root.hex(), head.root.hex())
        merkle.verify_consistency(
            size, head.size, [bytes.fromhex(h) for h in body["proof"]], root, head.root
        )


def test_leaves_show_the_redacted_event_they_commit_to(client, built):
    _, head = built
    texts = [
        client.get(f"/v1/transparency/leaves/{i}").get_data(as_text=True) for i in range(head.size)
    ]
    submitted = next(t for t in texts if "application.submitted" in t)
    assert "kim@example.org" not in submitted and "moving image" not in submitted
    body = client.get("/v1/transparency/leaves/0").get_json()
    assert body["event"]["position"] == body["position"]
    assert body["event"]["type"] == "program.opened"


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/v1/transparency/proofs/inclusion", {"index": 99}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": 0, "tree_size": 999}, 404),
        ("/v1/transparency/proofs/inclusion", {"index": -1}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": "x"}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": 10**30}, 422),
        ("/v1/transparency/proofs/inclusion", {}, 422),
        ("/v1/transparency/proofs/inclusion", {"index": 0, "tree_size": 0}, 422),
        ("/v1/transparency/proofs/consistency", {"first": 0, "second": 2}, 422),
        ("/v1/transparency/proofs/consistency", {"first": 3, "second": 2}, 422),
        ("/v1/transparency/proofs/consistency", {"first": 1, "second": 999}, 404),
        ("/v1/transparency/checkpoint", {"min_position": -1}, 422),
        ("/v1/transparency/leaves/999", {}, 404),
        ("/v1/transparency/leaves/99999999999999999999999", {}, 404),
    ],
)
def test_out_of_range_arguments_are_problems(client, built, path, query, status):
    response = client.get(path, query_string=query)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == status


def test_readiness_reports_the_tree_lag(client, built, tokens):
    body = client.get("/readyz").get_json()
    assert body["checks"]["transparency"]["lag"] == 0
    seed(client, tokens, slug="busan-2026", declare=False)
    lagging = client.get("/readyz").get_json()["checks"]["transparency"]
    assert lagging["lag"] > 0 and lagging["ok"] is True


def test_readiness_reports_the_size_signed_beside_the_trees(client, built, tokens, system):
    """A head appended but not yet signed showed as nothing at all: an
    operator saw lag 0 while the checkpoint stayed behind the tree."""
    tree = client.get("/readyz").get_json()["checks"]["transparency"]
    assert tree["signed_size"] == 0 < tree["tree_size"]  # built, not signed yet
    builder = TreeBuilder(system.log, system.db, system.settings)
    builder.sign(builder.catch_up())
    tree = client.get("/readyz").get_json()["checks"]["transparency"]
    assert tree["signed_size"] == tree["tree_size"] > 0
