"""Nothing a witness's address answers without a valid cosignature can stop the
log asking it: a witness restarted with another key (and an empty state),
a 409 naming a size beyond the log's, a malformed 409. Once the real witness
is back, the next round is cosigned; over real HTTP to our own witness."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.helpers import open_system
from tests.integration.witness_support import Served, witness_key, witnessed, worker
from tests.tiles_support import Tree, grow
from transparency import cosignature, note
from witness.app import create_app as create_witness
from witness.config import WitnessConfig


class Switch:
    """One witness address whose server the test replaces, as a restart would."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def sized(body: bytes):
    def answer(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("409 Conflict", [("Content-Type", cosignature.SIZE_CONTENT_TYPE)])
        return [body]

    return answer


class Scene:
    """The log, its witness behind a switchable address, and the worker asking it."""

    def __init__(self, settings, tmp_path: Path) -> None:
        signer = note.load_or_create_signer(settings.signing_key_file, settings.log_name)
        self.logs = {signer.name: (signer.verifier,)}
        self.config = self.witness_config(tmp_path, "witness")
        self.genuine = create_witness(self.config)
        self.switch = Switch(self.genuine)
        self.served = Served(self.switch)
        key = witness_key(self.config)
        self.system = open_system(witnessed(settings, self.served.url, key))
        self.worker, self.tree, self.vkey = worker(self.system), Tree(), key.vkey

    def witness_config(self, tmp_path: Path, stem: str) -> WitnessConfig:
        return WitnessConfig(
            "witness.test/w1", tmp_path / f"{stem}.key", tmp_path / f"{stem}.sqlite3", self.logs
        )

    def grow(self, size: int) -> None:
        grow(self.system, self.tree, size)
        self.system.transparency.checkpoint()

    def cosigned_size(self) -> int | None:
        return self.system.transparency.cosignatures.cosigned_size(self.vkey)

    def close(self) -> None:
        self.system.close()
        self.served.close()


def test_a_witness_restarted_with_another_key_never_stops_the_asking(settings, tmp_path):
    scene = Scene(settings, tmp_path)
    try:
        scene.grow(5)
        assert scene.worker.step() == "cosigned"
        # Restarted with a new key and an empty state: 409 size 0, then it
        # cosigns with the wrong key, and says it holds the latest size.
        scene.switch.app = create_witness(scene.witness_config(tmp_path, "impostor"))
        scene.grow(9)
        assert [scene.worker.step() for _ in range(3)] == ["invalid"] * 3
        assert scene.cosigned_size() == 5
        scene.switch.app = scene.genuine  # restarted with its own key
        assert scene.worker.step() == "cosigned"
        assert scene.cosigned_size() == 9
        assert scene.worker.step() == "current"
    finally:
        scene.close()


def test_the_worker_asks_again_with_back_off_until_the_real_witness_cosigns(settings, tmp_path):
    scene = Scene(settings, tmp_path)
    stop = threading.Event()
    thread = threading.Thread(target=scene.worker.run, args=(stop,))
    try:
        scene.grow(5)
        scene.switch.app = create_witness(scene.witness_config(tmp_path, "impostor"))
        thread.start()
        time.sleep(0.5)  # rounds on the impostor: 0.1 s, 0.2 s, ... apart
        assert scene.cosigned_size() is None
        scene.switch.app = scene.genuine
        deadline = time.monotonic() + 5
        while scene.cosigned_size() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert scene.cosigned_size() == 5
    finally:
        stop.set()
        thread.join(5)
        scene.close()


@pytest.mark.parametrize("size", [b"1000000\n", b"many\n"], ids=["beyond the log", "malformed"])
def test_a_409_size_beyond_the_log_or_malformed_is_a_refusal_not_remembered(
    settings, tmp_path, size
):
    """A size past the log's was remembered (every later round refused
    unsent), and a malformed one crashed the worker (restarted every 2 s)."""
    scene = Scene(settings, tmp_path)
    try:
        scene.grow(4)
        scene.switch.app = sized(size)
        assert scene.worker.step() == "refused"
        scene.switch.app = scene.genuine
        assert scene.worker.step() == "cosigned"
        assert scene.cosigned_size() == 4
    finally:
        scene.close()
