"""The witness under concurrent submissions, in process and as the real `witness serve`:
at most one moves it forward from a size, and it never moves back."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.integration.conftest import free_port
from tests.integration.witness_support import LOG, Log, config
from transparency import cosignature, note
from witness.core import SizeConflict, Witness
from witness.state import Known, Transaction, WitnessState


class SlowState(WitnessState):
    """Every transaction pauses after reading the stored size: a race window, wide open."""

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with super().transaction() as tx:
            read = tx.known

            def known_then_pause(origin: str) -> Known:
                found = read(origin)
                time.sleep(0.3)
                return found

            tx.known = known_then_pause  # type: ignore[method-assign]
            yield tx


def test_concurrent_submissions_cannot_roll_the_witness_back(tmp_path):
    loaded = config(tmp_path)
    cosigner = cosignature.load_or_create_cosigner(loaded.key_file, loaded.name)
    witness = Witness(cosigner, loaded.logs or {}, SlowState(loaded.database))
    log = Log()
    log.grow(17)
    witness.add_checkpoint(log.body(0, 10))

    def submit(size: int) -> str:
        try:
            return witness.add_checkpoint(log.body(10, size))
        except SizeConflict as conflict:
            return f"conflict {conflict.known_size}"

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(submit, [17, 15]))
    assert sorted(r.startswith("conflict") for r in results) == [False, True]
    winner = 17 if not results[0].startswith("conflict") else 15
    with witness.state.transaction() as tx:
        assert tx.known(LOG.name).size == winner


# ---- the real process --------------------------------------------------------------


def start_witness(tmp_path: Path, logs: str) -> tuple[str, subprocess.Popen, dict[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_WITNESS_NAME="witness.test/w1",
        LEDGER_WITNESS_KEY_FILE=str(tmp_path / "w.key"),
        LEDGER_WITNESS_DB=str(tmp_path / "w.sqlite3"),
        LEDGER_WITNESS_LOGS=logs,
    )
    out = open(tmp_path / "witness.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "-m", "witness", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp_path / "witness.log").read_text())
        try:
            requests.get(base, timeout=5)  # 404 once a worker answers
            return base, process, env
        except requests.RequestException:  # not bound yet, or workers still booting
            time.sleep(0.1)
    raise RuntimeError("the witness did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_witness_serve_cosigns_and_never_rolls_back_under_concurrent_submissions(tmp_path):
    base, process, env = start_witness(tmp_path, LOG.verifier.vkey)
    try:
        vkey = subprocess.run(
            [sys.executable, "-m", "witness", "vkey"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        key = cosignature.parse_witness_vkey(vkey)
        log = Log()
        log.grow(20)
        first = requests.post(f"{base}/add-checkpoint", data=log.body(0, 10), timeout=10)
        assert first.status_code == 200
        text = note.open_note(log.signed(10), LOG.verifier)
        assert cosignature.cosignatures_from_response(first.content, text, key)
        # Eleven submissions from size 10 at once, to sizes 10..20: at most one may move the
        # witness forward from 10; the others must see its new size.
        with concurrent.futures.ThreadPoolExecutor(11) as pool:
            results = list(
                pool.map(
                    lambda size: (
                        size,
                        requests.post(
                            f"{base}/add-checkpoint", data=log.body(10, size), timeout=30
                        ),
                    ),
                    range(10, 21),
                )
            )
        advanced = [size for size, r in results if r.status_code == 200 and size > 10]
        assert len(advanced) == 1
        assert all(r.status_code in (200, 409) for _, r in results)
        final = requests.post(f"{base}/add-checkpoint", data=log.body(0), timeout=10)
        assert final.status_code == 409 and final.text == f"{advanced[0]}\n"
    finally:
        stop(process)
