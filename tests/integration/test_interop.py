"""Issue 14's "done when", with real processes: `labledger serve` publishes its
log as tlog-tiles that a client written here from the specs reads and
verifies; `labledger witness serve` on another port cosigns it, so the
server's checkpoints and certificates carry that cosignature and
`labledger verify certificate --witness` checks it offline; the witness
refuses a fork of the log; `labledger monitor` follows the server and
catches a rewritten history."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.settings import Settings, WitnessSetting
from tests.helpers import open_system
from tests.integration.conftest import (
    BIN,
    Server,
    free_port,
    labledger,
    start_server,
    stop_server,
)
from tests.tiles_support import encode, expected_tiles, mth
from transparency import cosignature, merkle, note
from transparency.cosigning import Cosigning
from transparency.store import LeafRecord, TreeStore
from witness.state import WitnessState

WITNESS_NAME = "witness.test/w1"


def wait_for(what: str, check: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Witness:
    url: str
    vkey: str
    database: Path
    process: subprocess.Popen


def start_witness(tmp_path: Path, log_vkey: str) -> Witness:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_WITNESS_NAME=WITNESS_NAME,
        LEDGER_WITNESS_KEY_FILE=str(tmp_path / "witness.key"),
        LEDGER_WITNESS_DB=str(tmp_path / "witness.sqlite3"),
        LEDGER_WITNESS_LOGS=log_vkey,
    )
    vkey = labledger(env, "witness", "vkey").stdout.strip()
    port = free_port()
    log = open(tmp_path / "witness.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [str(BIN / "labledger"), "witness", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError((tmp_path / "witness.log").read_text())
        try:
            return requests.post(f"{url}/add-checkpoint", data=b"", timeout=2).status_code == 400
        except requests.RequestException:
            return False

    wait_for("the witness to answer", answers)
    return Witness(url, vkey, tmp_path / "witness.sqlite3", process)


def stop_witness(witness: Witness) -> None:
    try:
        os.killpg(witness.process.pid, signal.SIGTERM)
        witness.process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(witness.process.pid, signal.SIGKILL)
        witness.process.wait()


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory) -> Iterator[tuple[Server, Witness, note.Signer, Settings]]:
    """A witness, then `serve --demo` asking it to cosign (quorum 1)."""
    tmp_path = tmp_path_factory.mktemp("interop")
    settings = _settings_for(tmp_path)
    # The witness trusts the log's key before either starts: create the key first.
    signer = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
    witness = start_witness(tmp_path, signer.verifier.vkey)
    server = None
    try:
        server, signer, settings = _serve(tmp_path, settings, witness)
        yield server, witness, signer, settings
    finally:
        if server is not None:
            stop_server(server.process)
        stop_witness(witness)


def _settings_for(tmp_path: Path) -> Settings:
    """A store, a key and an origin that is the tiles prefix without its scheme."""
    port = free_port()
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        signing_key_file=tmp_path / "log-signing.key",
        log_name=f"127.0.0.1:{port}/log",
    )


def _serve(
    tmp_path: Path, settings: Settings, witness: Witness | None
) -> tuple[Server, note.Signer, Settings]:
    signer = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
    env = {"LEDGER_LOG_NAME": settings.log_name, "LEDGER_CHECKPOINT_INTERVAL": "0.2"}
    if witness is not None:
        env["LEDGER_WITNESSES"] = f"quorum=1; {witness.url}/ {witness.vkey}"
    port = int(settings.log_name.split(":")[1].split("/")[0])
    server = start_server(
        settings.database_url, tmp_path, "--workers", "2", "--demo", env=env, port=port
    )
    return server, signer, settings


# ---- a tlog-tiles client, from the specs alone ---------------------------------------


def verified_checkpoint(text: str, vkey: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a signed note, checked per C2SP signed-note and
    tlog-checkpoint with the Ed25519 vkey `name+hexid+base64(0x01 || key)`."""
    name, key_id, encoded = vkey.split("+", 2)  # base64 may hold "+"
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01 and len(raw) == 33
    expected_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert expected_id.hex() == key_id
    body, _, signatures = text.partition("\n\n")
    body += "\n"
    origin, size, root = body.splitlines()[:3]
    verified = False
    for line in signatures.splitlines():
        dash, signer, blob = line.split(" ")
        assert dash == "\u2014"
        blob = base64.b64decode(blob)
        if signer == name and blob[:4] == expected_id:
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(blob[4:], body.encode())
            verified = True
    assert verified and origin == name
    return origin, int(size), base64.b64decode(root)


def read_log(prefix: str, vkey: str) -> tuple[str, int, list[bytes]]:
    """Fetch the checkpoint and every tile and bundle it needs; check each entry
    hashes to its level-0 tile, each full tile to its hash one level up, and
    the leaves to the checkpoint's root. (origin, size, entries)."""
    origin, size, root = verified_checkpoint(requests.get(f"{prefix}/checkpoint").text, vkey)
    tiles: dict[tuple[int, int], list[bytes]] = {}
    entries: list[bytes] = []
    for level, n, width in expected_tiles(size):
        path = f"tile/{level}/{encode(n)}" + ("" if width == 256 else f".p/{width}")
        response = requests.get(f"{prefix}/{path}")
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert len(response.content) == 32 * width
        tiles[(level, n)] = [response.content[i : i + 32] for i in range(0, 32 * width, 32)]
        if level == 0:
            bundle = requests.get(f"{prefix}/{path.replace('tile/0/', 'tile/entries/')}").content
            offset = 0
            while offset < len(bundle):
                length = int.from_bytes(bundle[offset : offset + 2], "big")
                entries.append(bundle[offset + 2 : offset + 2 + length])
                offset += 2 + length
    hashes = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    assert len(entries) == size
    for (level, n), tile in tiles.items():
        if level == 0:
            assert tile == hashes[n * 256 : n * 256 + len(tile)]
        else:
            below = [mth(tiles[(level - 1, n * 256 + i)]) for i in range(len(tile))]
            assert tile == below
    assert mth(hashes) == root
    return origin, size, entries


def test_a_spec_client_reads_and_verifies_the_log_through_its_tiles(witnessed):
    server, _, signer, settings = witnessed
    staff = server.token("staff")
    for n in range(100):  # past 256 leaves: a level-1 tile too
        body = {
            "artist_name": f"Applicant {n}",
            "email": f"a{n}@example.org",
            "portfolio_url": "https://portfolio.example.org/a",
            "statement": "s",
        }
        response = requests.post(
            f"{server.base}/v1/programs/seoul-2026/applications", json=body, headers=staff
        )
        assert response.status_code == 201, response.text
    last = response.json()["position"]
    requests.get(f"{server.base}/v1/transparency/checkpoint?min_position={last}")
    vkey = requests.get(f"{server.base}/v1/transparency/public-key").text.strip()
    assert vkey == signer.verifier.vkey
    prefix = f"{server.base}/log"
    origin, size, entries = wait_for(
        "a witnessed checkpoint past 256 leaves",
        lambda: (found := read_log(prefix, vkey))[1] > 256 and found,
    )
    assert origin == prefix.removeprefix("http://")  # the origin is the prefix, schemeless
    assert origin == settings.log_name
    event = json.loads(entries[0])
    assert event["type"] == "program.opened" and event["aggregate_version"] == 1


def test_checkpoints_and_certificates_carry_the_witness_cosignature(witnessed, tmp_path):
    server, witness, signer, _ = witnessed
    key = cosignature.parse_witness_vkey(witness.vkey)
    for path in ("/log/checkpoint", "/v1/transparency/checkpoint"):
        signed = wait_for(
            f"{path} cosigned",
            lambda p=path: WITNESS_NAME in (text := requests.get(server.base + p).text) and text,
        )
        opened = cosignature.open_cosigned(signed, signer.verifier, [key])
        opened.require(1)
    work = requests.get(f"{server.base}/v1/works").json()["items"][0]["id"]
    cert = wait_for(
        "a cosigned certificate",
        lambda: (
            WITNESS_NAME.encode()
            in (body := requests.get(f"{server.base}/v1/works/{work}/certificate").content)
            and body
        ),
    )
    (tmp_path / "work.cert.json").write_bytes(cert)
    (tmp_path / "log.vkey").write_text(signer.verifier.vkey + "\n")
    (tmp_path / "w1.vkey").write_text(witness.vkey + "\n")
    base = ["verify", "certificate", str(tmp_path / "work.cert.json")]
    base += ["--key", str(tmp_path / "log.vkey")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    ok = labledger(env, *base, "--witness", str(tmp_path / "w1.vkey"))
    assert ok.stdout.startswith("VALID: work " + work)
    assert f"cosigned by 1 witness(es): {WITNESS_NAME}" in ok.stdout
    other = cosignature.Cosigner("witness.test/other", bytes(32)).key.vkey
    refused = labledger(env, *base, "--witness", other, check=False)
    assert refused.returncode == 1
    assert "INVALID: the checkpoint carries 0 valid witness cosignature(s), 1 required" in (
        refused.stderr
    )


def test_the_witness_refuses_a_fork_sharing_the_log_key_and_origin(witnessed, tmp_path):
    server, witness, _, settings = witnessed
    wait_for(
        "a cosigned checkpoint",
        lambda: WITNESS_NAME in requests.get(f"{server.base}/log/checkpoint").text,
    )
    fork = open_system(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'fork.sqlite3'}",
            signing_key_file=settings.signing_key_file,  # the same key, the same origin
            log_name=settings.log_name,
            witnesses=(WitnessSetting(witness.url, witness.vkey),),
        )
    )
    try:
        store = fork.transparency.store
        size = int(requests.get(f"{server.base}/log/checkpoint").text.split("\n")[1])
        records = [
            LeafRecord(i + 1, "fork", i + 1, "fork.leaf", f"another history {i}".encode())
            for i in range(size + 50)
        ]
        store.append(store.head(), records)
        fork.transparency.checkpoint()
        (policy,) = fork.witness_policy.witnesses
        assert Cosigning(fork.db, policy, 0.1, 5.0).step() == "refused"
        assert fork.transparency.cosignatures.cosigned_size(witness.vkey) is None
    finally:
        fork.close()
    reason, request = WitnessState(witness.database).refusals()[-1][1:]
    assert "does not verify" in reason and request.startswith("old ")
    # The honest log is still followed: a new event is cosigned.
    staff = server.token("staff")
    requests.post(f"{server.base}/v1/programs/seoul-2026/close", headers=staff)
    before = size
    wait_for(
        "the honest log cosigned past the fork's attempt",
        lambda: int(requests.get(f"{server.base}/log/checkpoint").text.split("\n")[1]) > before,
    )


def monitor(prefix: str, vkey: str, state: Path, *witnesses: str) -> subprocess.CompletedProcess:
    args = ["monitor", prefix, "--key", vkey, "--state", str(state)]
    for w in witnesses:
        args += ["--witness", w]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return labledger(env, *args, check=False)


def test_the_monitor_follows_the_witnessed_log(witnessed, tmp_path):
    server, witness, signer, _ = witnessed
    prefix, state = f"{server.base}/log", tmp_path / "monitor.json"
    first = monitor(prefix, signer.verifier.vkey, state, witness.vkey)
    assert first.returncode == 0, first.stderr
    assert "first run: the whole log" in first.stdout and "cosigned by 1 witness" in first.stdout
    size = json.loads(state.read_text())["size"]
    staff = server.token("staff")
    program = {
        "slug": "busan-2026",
        "name": "Busan",
        "city": "Busan",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-31",
        "capacity": 3,
    }
    assert requests.post(f"{server.base}/v1/programs", json=program, headers=staff).ok
    wait_for(
        "the new event witnessed",
        lambda: int(requests.get(f"{prefix}/checkpoint").text.split("\n")[1]) > size,
    )
    later = monitor(prefix, signer.verifier.vkey, state, witness.vkey)
    assert later.returncode == 0, later.stderr
    assert f"consistent with size {size}" in later.stdout


def test_the_monitor_catches_a_rewritten_history(tmp_path):
    settings = _settings_for(tmp_path)
    server, signer, settings = _serve(tmp_path, settings, None)
    try:
        prefix, state = f"{server.base}/log", tmp_path / "monitor.json"
        vkey = signer.verifier.vkey
        assert monitor(prefix, vkey, state).returncode == 0
        # The operator rewrites leaf 0 and rebuilds the tree, signed with the same key.
        rewrite_first_leaf(settings)
        staff = server.token("staff")
        requests.post(f"{server.base}/v1/programs/seoul-2026/close", headers=staff)
        old = json.loads(state.read_text())["size"]
        wait_for(
            "a checkpoint of the rewritten tree",
            lambda: int(requests.get(f"{prefix}/checkpoint").text.split("\n")[1]) > old,
        )
        caught = monitor(prefix, vkey, state)
        assert caught.returncode == 1, caught.stdout + caught.stderr
        assert caught.stderr.startswith("INCONSISTENT: ")
        assert f"does not extend the tree of size {old}" in caught.stderr
        assert (tmp_path / "monitor.json.rejected").exists()
        assert json.loads(state.read_text())["size"] == old  # the last good state is kept
        # A tampered stored leaf (no re-signing): its bundle no longer hashes to its tile.
        store = open_system(settings)
        try:
            store.db.execute("UPDATE {t}tlog_leaves SET leaf = ? WHERE idx = 1", ('{"x":1}',))
        finally:
            store.close()
        fresh = monitor(prefix, vkey, tmp_path / "fresh.json")
        assert fresh.returncode == 1
        assert "does not hash to its leaf hash" in fresh.stderr
    finally:
        stop_server(server.process)


def rewrite_first_leaf(settings: Settings) -> None:
    """What a dishonest operator would do: change leaf 0, rebuild every node and
    tile from the changed leaves. The head keeps its log position, so the
    running tree builder has nothing to append meanwhile."""
    system = open_system(settings)
    try:
        store = TreeStore(system.db)
        head = store.head()
        rows = list(store.iter_leaves(head.size))
        with system.db.transaction(write=True) as cur:
            for table in ("tlog_leaves", "tlog_nodes", "tlog_tiles", "tlog_checkpoints"):
                cur.execute(f"DELETE FROM {{t}}{table}")
            cur.execute(
                "UPDATE {t}tlog_head SET size = 0, root = ? WHERE id = 1",
                (merkle.EMPTY_ROOT.hex(),),
            )
        records = [
            LeafRecord(
                int(row["position"]),
                row["aggregate_id"],
                int(row["aggregate_version"]),
                row["type"],
                row["leaf"].replace("Seoul", "Busan", 1).encode("utf-8")
                if row["idx"] == 0
                else row["leaf"].encode("utf-8"),
            )
            for row in rows
        ]
        assert records[0].leaf != rows[0]["leaf"].encode("utf-8")
        assert store.append(store.head(), records).position == head.position
    finally:
        system.close()
