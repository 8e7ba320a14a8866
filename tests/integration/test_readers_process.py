"""Under a real `labledger serve`: what the background worker's readers report
(stuck views, unreadable events) reaches the API's /readyz and /metrics."""

from __future__ import annotations

import json
import time
import uuid

import requests
from eventsourcing.persistence import StoredEvent

from ledger.settings import Settings
from ledger.store import open_store
from tests.helpers import PROGRAM
from tests.integration.conftest import start_server, stop_server


def test_stuck_and_unreadable_reports_of_the_worker_process_reach_readyz_and_metrics(
    sqlite_url, tmp_path
):
    server = start_server(sqlite_url, tmp_path, "--workers", "2", "--no-dispatcher")
    store = open_store(Settings(database_url=sqlite_url))
    try:
        store.db.execute("DROP TABLE proj_roster_versions")  # an operator's mistake
        staff = server.token("staff")
        opened = requests.post(
            f"{server.base}/v1/programs", json=PROGRAM, headers=staff, timeout=10
        ).json()["position"]
        state = json.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-03"}})
        store.ledger.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=uuid.uuid4(),
                    originator_version=1,
                    topic="ledger.vanished:Gone.Event",
                    state=state.encode(),
                )
            ]
        )

        deadline = time.monotonic() + 30
        while True:
            ready = requests.get(f"{server.base}/readyz", timeout=10)
            metrics = requests.get(f"{server.base}/metrics", timeout=10).text
            if ready.status_code == 503 and (
                'labledger_unreadable_events_total{reader="projection:audit"} 1.0' in metrics
            ):
                break
            assert time.monotonic() < deadline, (ready.text, metrics[-2000:])
            time.sleep(0.2)
        roster = ready.json()["checks"]["projections"]["roster"]
        assert roster["stuck"]["position"] == opened
        assert ready.json()["checks"]["projections"]["ok"] is False
        assert (
            f'labledger_reader_stuck_position{{component="projection:roster"}} {float(opened)}'
            in metrics
        )
        assert 'labledger_reader_failures_total{component="projection:roster"}' in metrics
    finally:
        store.close()
        stop_server(server.process)
