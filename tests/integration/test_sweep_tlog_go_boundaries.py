"""Go's reference tlog reads a real `labledger serve` at the tree sizes where
tiles change shape: empty, one leaf, each side of a full level-0 tile (256)
and of a full level-1 tile (65,536), and the log's head. At each size the
operator's key signs a checkpoint of the root the log reports, and Go
(tests/interop_go, `-checkpoint`) fetches every partial tile and entry
bundle that size needs (`.p/W` at levels 0, 1 and 2), checks each entry
against its tile and the tiles against the root, and proves the later trees
extend the earlier ones. The tree is grown straight into the tree store
(tests/tiles_support.grow): what is read is the tree, not how it was built."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator

import pytest
import requests

from tests.helpers import open_system
from tests.integration.conftest import Server, start_server, stop_server
from tests.integration.interop_support import settings_for
from tests.tiles_support import Tree, grow
from transparency import note

SIZES = [0, 1, 255, 256, 257, 65_535, 65_536, 65_537]
HEAD = 65_600


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Iterator[tuple[Server, note.Signer, int]]:
    tmp_path = tmp_path_factory.mktemp("go_boundaries")
    settings = settings_for(tmp_path)
    system = open_system(settings)
    try:
        grow(system, Tree(), HEAD)  # the tree alone: the server below builds none
    finally:
        system.close()
    signer = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
    port = int(settings.log_name.split(":")[1].split("/")[0])
    env = {"LEDGER_LOG_NAME": settings.log_name}
    server = start_server(
        settings.database_url,
        tmp_path,
        "--workers",
        "1",
        "--no-followers",
        "--no-dispatcher",
        env=env,
        port=port,
    )
    try:
        yield server, signer, HEAD
    finally:
        stop_server(server.process)


def test_go_reads_the_tiles_at_every_boundary_size(go_client, big, tmp_path):
    server, signer, head = big
    prefix = f"{server.base}/log"
    files = {}
    for size in [*SIZES, head]:
        if size == 0:
            root = hashlib.sha256(b"").digest()  # RFC 9162's empty tree
        else:
            proof = requests.get(
                f"{server.base}/v1/transparency/proofs/consistency",
                params={"first": size, "second": head},
            )
            assert proof.status_code == 200, proof.text
            root = bytes.fromhex(proof.json()["first_root"])
        files[size] = tmp_path / f"checkpoint-{size}.txt"
        files[size].write_text(signer.sign(note.Checkpoint(signer.name, size, root).text()))
    for earlier, size in zip([0, *SIZES], [*SIZES, head], strict=True):
        args = ["-checkpoint", str(files[size]), "-old", str(files[earlier])]
        if 0 < size <= 65_537:  # every entry of trees to just past the level-1 boundary
            args.append("-all")
        if size:
            args += ["-leaf", "0", "-leaf", str(size - 1), "-leaf", str(size // 2)]
        read = subprocess.run(
            [str(go_client), "-key", signer.verifier.vkey, *args, prefix],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert read.returncode == 0, f"size {size}: {read.stderr}"
        assert f" size {size} root " in read.stdout
        if 0 < size <= 65_537:
            assert f"all {size} entries hash to the verified tiles" in read.stdout
        assert f"consistent with the old checkpoint of size {earlier} " in read.stdout
    # the shapes the spec names: a level-1 tile of width 1 at size 256, a
    # level-2 tile of width 1 at 65,536, and nothing wider than the tree holds
    for path, status in [
        ("tile/1/000.p/1", 200),
        ("tile/2/000.p/1", 200),
        ("tile/1/000", 200),
        ("tile/2/000.p/2", 404),
        (f"tile/0/{head // 256:03d}.p/{head % 256 + 1}", 404),
    ]:
        assert requests.get(f"{prefix}/{path}").status_code == status, path
