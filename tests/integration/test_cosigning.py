"""The log asks its witnesses to cosign (C2SP tlog-witness), over real HTTP to
our own witness: cosignatures are verified, stored and served; a stale size is
resubmitted from the witness's; a forked log is refused; a witness that is
down or lying costs only its own worker."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from api.app import create_app
from ledger.settings import Settings
from tests.helpers import Tokens, open_system, seed
from tests.integration.witness_support import Served, count, witness_key, witnessed, worker
from tests.tiles_support import Tree, grow
from transparency import cosignature, note
from transparency.certificate import certificate_bytes, verify_certificate
from transparency.cosigning import Cosigning
from transparency.follower import TreeBuilder
from transparency.store import LeafRecord
from witness.app import create_app as create_witness
from witness.config import WitnessConfig
from witness.state import WitnessState


@pytest.fixture
def log_signer(settings: Settings) -> note.Signer:
    return note.load_or_create_signer(settings.signing_key_file, settings.log_name)


@pytest.fixture
def witness(tmp_path: Path, log_signer: note.Signer) -> Iterator[tuple[Served, WitnessConfig]]:
    config = WitnessConfig(
        "witness.test/w1",
        tmp_path / "witness.key",
        tmp_path / "witness.sqlite3",
        {log_signer.name: (log_signer.verifier,)},
    )
    served = Served(create_witness(config))
    yield served, config
    served.close()


@pytest.fixture
def system_with_witness(settings, witness):
    served, config = witness
    opened = open_system(witnessed(settings, served.url, witness_key(config)))
    yield opened
    opened.close()


def test_the_log_is_cosigned_as_it_grows_and_serves_the_cosigned_checkpoint(
    system_with_witness, witness
):
    system, (_, config) = system_with_witness, witness
    key = witness_key(config)
    client = create_app(system.settings, system=system).test_client()
    cosigning, tree = worker(system), Tree()
    verifier = note.parse_vkey(system.transparency.vkey)
    for size in (3, 300, 301):
        grow(system, tree, size)
        system.transparency.checkpoint()
        assert cosigning.step() == "cosigned"
        assert cosigning.step() == "current"  # asked once per checkpoint
        for path in ("/log/checkpoint", "/v1/transparency/checkpoint"):
            signed = client.get(path).get_data()
            opened = cosignature.open_cosigned(signed, verifier, [key])
            opened.require(1)
            assert opened.checkpoint.size == size
    detail = client.get("/readyz").get_json()["checks"]["transparency"]["witnessing"]
    assert detail == {
        "witnesses": 1,
        "quorum": 1,
        "latest_checkpoint": 301,
        "witnessed_checkpoint": 301,
        "quorum_met": True,
    }


def test_log_checkpoint_is_the_latest_a_quorum_cosigned(system_with_witness):
    system = system_with_witness
    client = create_app(system.settings, system=system).test_client()
    tree = Tree()
    grow(system, tree, 5)
    system.transparency.checkpoint()
    assert worker(system).step() == "cosigned"
    grow(system, tree, 9)
    system.transparency.checkpoint()  # not cosigned yet
    log_view, api_view = (
        note.parse_checkpoint(note.split_note(client.get(path).get_data(as_text=True))[0])
        for path in ("/log/checkpoint", "/v1/transparency/checkpoint")
    )
    assert (log_view.size, api_view.size) == (5, 9)
    ready = client.get("/readyz")
    assert ready.status_code == 200  # a quorum not met is reported, not a reason to stop
    assert ready.get_json()["checks"]["transparency"]["witnessing"]["quorum_met"] is False


def test_a_stale_size_is_resubmitted_from_the_witness_size(system_with_witness):
    system, tree = system_with_witness, Tree()
    grow(system, tree, 10)
    system.transparency.checkpoint()
    assert worker(system).step() == "cosigned"
    system.db.execute("DELETE FROM {t}tlog_cosignatures")  # the log forgot the witness's size
    grow(system, tree, 20)
    system.transparency.checkpoint()
    fresh = worker(system)
    name = fresh.witness.name
    before = count(name, "resubmit")
    assert fresh.step() == "cosigned"
    assert count(name, "resubmit") == before + 1  # old 0 -> 409 size 10 -> old 10
    assert system.transparency.cosignatures.cosigned_size(fresh.witness.vkey) == 20


def test_a_forked_log_sharing_key_and_origin_is_refused_422(
    system_with_witness, witness, settings, tmp_path
):
    system, (served, config) = system_with_witness, witness
    grow(system, Tree(), 6)
    system.transparency.checkpoint()
    assert worker(system).step() == "cosigned"
    other_url = f"sqlite:///{tmp_path / 'fork.sqlite3'}"
    fork = open_system(
        witnessed(replace(settings, database_url=other_url), served.url, witness_key(config))
    )
    try:
        grow_fork(fork, 9)
        fork.transparency.checkpoint()
        name = fork.witness_policy.witnesses[0].name
        refused = count(name, "refused")
        assert worker(fork).step() == "refused"
        assert count(name, "refused") == refused + 1
        assert fork.db.fetchall("SELECT * FROM {t}tlog_cosignatures") == []
    finally:
        fork.close()
    refusals = WitnessState(config.database).refusals()
    assert refusals and "consistency proof from size 6 does not verify" in refusals[-1][1]


def grow_fork(system, size: int) -> None:
    """Other leaves than `tests.tiles_support.grow` writes: another history."""
    store = system.transparency.store
    records = [
        LeafRecord(i + 1, "fork", i + 1, "test.leaf", f"fork {i}".encode()) for i in range(size)
    ]
    store.append(store.head(), records)


def test_a_down_witness_times_out_and_never_blocks_the_tree(settings, tmp_path):
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        key = cosignature.Cosigner("witness.test/silent", bytes(32)).key
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        system = open_system(witnessed(settings, url, key, witness_timeout=0.3))
        try:
            seed(create_app(system.settings, system=system).test_client(), Tokens(system))
            builder = TreeBuilder(system.log, system.db, system.settings)
            started = time.monotonic()
            stop = threading.Event()
            cosigning = system.workers(followers=True, dispatcher=False)[-1]
            assert isinstance(cosigning, Cosigning)
            thread = threading.Thread(target=cosigning.run, args=(stop,))
            thread.start()
            head = builder.catch_up()
            builder.sign(head)
            assert head.size > 5 and time.monotonic() - started < 1.0
            deadline = time.monotonic() + 5
            while count(key.name, "unavailable") < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()
            thread.join(5)
            assert not thread.is_alive()
            assert count(key.name, "unavailable") >= 1
            assert system.transparency.cosignatures.cosigned_size(key.vkey) is None
        finally:
            system.close()
    finally:
        silent.close()


def test_a_witness_answer_that_is_not_its_valid_cosignature_is_not_stored(settings):
    impostor = cosignature.Cosigner("witness.test/w1", bytes([9] * 32))
    key = cosignature.Cosigner("witness.test/w1", bytes([8] * 32)).key

    def lying(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        text = body.split("\n\n", 1)[1].split("\n\n")[0] + "\n"
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [impostor.cosign(text, 1_800_000_000).encode()]

    served = Served(lying)
    system = open_system(witnessed(settings, served.url, key))
    try:
        grow(system, Tree(), 4)
        system.transparency.checkpoint()
        assert worker(system).step() == "invalid"
        assert system.transparency.cosignatures.cosigned_size(key.vkey) is None
    finally:
        system.close()
        served.close()


def test_a_certificate_carries_the_latest_cosigned_checkpoint_covering_its_leaf(
    system_with_witness, witness
):
    system, (_, config) = system_with_witness, witness
    client = create_app(system.settings, system=system).test_client()
    seeded = seed(client, Tokens(system))
    builder = TreeBuilder(system.log, system.db, system.settings)
    builder.sign(builder.catch_up())
    assert worker(system).step() == "cosigned"
    seed(client, Tokens(system), slug="busan-2026")  # the tree grows; not yet cosigned
    builder.sign(builder.catch_up())
    response = client.get(f"/v1/works/{seeded.work}/certificate")
    assert response.status_code == 200
    result = verify_certificate(
        response.get_data(), system.transparency.vkey, [witness_key(config).vkey], 1
    )
    assert result.cosigned_by == (witness_key(config).vkey,)
    latest = system.transparency.store.latest_checkpoint()
    assert result.tree_size < int(latest["size"])  # the cosigned one, not the newest
    assert response.get_data() == certificate_bytes(system.transparency.certificate(seeded.work))


def test_the_witnessed_checkpoint_is_found_on_either_store(store_system):
    store = store_system.transparency.cosignatures
    tree = store_system.transparency.store
    for size in (1, 2, 3, 4):
        store_system.db.execute(
            "INSERT INTO {t}tlog_checkpoints (size, root, note) VALUES (?, ?, ?)",
            (size, "00" * 32, f"note {size}\n"),
        )
    store.save(1, "w1", ["\u2014 w1 a\n"])
    store.save(1, "w2", ["\u2014 w2 a\n"])
    store.save(3, "w1", ["\u2014 w1 b\n"])
    store.save(3, "w1", ["\u2014 w1 again\n"])  # the first cosignature recorded stays
    store.save(3, "w3", ["\u2014 w3 b\n"])  # not a configured witness below
    assert tree.latest_checkpoint()["size"] == 4
    assert store.latest(["w1", "w2"], 0)["size"] == 4
    assert store.latest(["w1", "w2"], 1)["size"] == 3
    assert store.latest(["w1", "w2"], 2)["size"] == 1
    assert store.latest(["w1", "w2"], 2, covering=2) is None
    assert store.latest(["w2"], 1, covering=2) is None
    assert store.lines(3, ["w2", "w1", "w3"]) == "\u2014 w1 b\n\u2014 w3 b\n"
    assert store.cosigned_size("w1") == 3 and store.cosigned_size("w9") is None
