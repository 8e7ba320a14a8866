"""Real processes and a spec-written tiles client for the interop tests:
`labledger witness serve`, `labledger serve` whose origin is its tiles
prefix, `labledger monitor`, and a client that reads a log through its
tiles with nothing but the C2SP texts and RFC 6962."""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.settings import Settings
from tests.helpers import open_system, wait_for
from tests.integration.conftest import BIN, Server, free_port, labledger, start_server
from tests.tiles_support import encode, expected_tiles, mth
from transparency import merkle, note
from transparency.store import LeafRecord, TreeStore

WITNESS_NAME = "witness.test/w1"


@dataclass
class Witness:
    url: str
    vkey: str
    database: Path
    process: subprocess.Popen


def apply_many(server: Server, count: int) -> dict:
    """`count` applications to the demo program through HTTP (each one event,
    one leaf); the last answer's body."""
    staff = server.token("staff")
    body: dict = {}
    for n in range(count):
        response = requests.post(
            f"{server.base}/v1/programs/seoul-2026/applications",
            json={
                "artist_name": f"Applicant {n}",
                "email": f"a{n}@example.org",
                "portfolio_url": "https://portfolio.example.org/a",
                "statement": "s",
            },
            headers=staff,
        )
        assert response.status_code == 201, response.text
        body = response.json()
    return body


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


def settings_for(tmp_path: Path) -> Settings:
    """A store, a key and an origin that is the tiles prefix without its scheme."""
    port = free_port()
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
        signing_key_file=tmp_path / "log-signing.key",
        log_name=f"127.0.0.1:{port}/log",
    )


def serve(
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


def monitor(prefix: str, vkey: str, state: Path, *witnesses: str) -> subprocess.CompletedProcess:
    args = ["monitor", prefix, "--key", vkey, "--state", str(state)]
    for w in witnesses:
        args += ["--witness", w]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return labledger(env, *args, check=False)


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


@contextmanager
def gzip_front(upstream: str, pad: bytes = b"") -> Iterator[str]:
    """A front (as nginx with `gzip on` for every type, or a CDN) that
    answers each GET from `upstream` with its body gzipped and
    `Content-Encoding: gzip`, without asking what the client accepts, as
    tlog-tiles allows; `pad` is appended to each tile's body first (a
    front serving more than the tile holds). Yields its base URL."""

    class Front(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            answer = requests.get(upstream + self.path, timeout=10)
            body = answer.content
            if answer.status_code == 200:
                extra = pad if "/tile/" in self.path else b""
                body = gzip.compress(body + extra)
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
            if answer.status_code == 200:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    front = ThreadingHTTPServer(("127.0.0.1", 0), Front)
    thread = threading.Thread(target=front.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{front.server_address[1]}"
    finally:
        front.shutdown()
        front.server_close()
        thread.join()
