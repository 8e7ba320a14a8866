"""A reader that cannot apply an event says so, on both stores: it commits
the events before it, records where it is stuck and why, backs off instead
of crashing in a loop, and /readyz, /metrics and reads that need it name the
component and the position, until it gets past."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import ledger.faults
import ledger.log
from api.app import create_app
from api.reads import read_models
from ledger.faults import Fault, Faults
from ledger.log import iter_log
from tests.helpers import Tokens, seed, wait_for
from transparency.follower import TreeBuilder


@pytest.fixture
def api(store_settings, store_system, monkeypatch):
    monkeypatch.setattr(ledger.faults, "FIRST_RETRY", 0.05)  # quick retries for the test
    app = create_app(store_settings, system=store_system)
    return app, app.test_client(), Tokens(store_system)


def _break_declarations(app: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """The registry view fails on ownership declarations (as on a bug, a full
    disk, a view table dropped by mistake) while the returned flag is set."""
    with app.app_context():
        registry = read_models().followers["registry"].projection
    apply = registry.apply
    broken = {"on": True}

    def failing(cur: Any, gen: int, env: dict[str, Any]) -> None:
        if broken["on"] and env["type"] == "work.ownership_declared":
            raise RuntimeError("the registry cannot take this declaration")
        apply(cur, gen, env)

    monkeypatch.setattr(registry, "apply", failing)
    return broken


def _declared_at(store_system: Any) -> int:
    return next(
        e["position"] for e in iter_log(store_system.log) if e["type"] == "work.ownership_declared"
    )


def test_a_view_that_cannot_apply_an_event_reports_where_it_is_stuck(
    store_system, api, monkeypatch
):
    app, client, tokens = api
    broken = _break_declarations(app, monkeypatch)
    s = seed(client, tokens)
    declared = _declared_at(store_system)

    first = client.get(f"/v1/works?min_position={declared}")
    assert first.status_code == 503
    started = time.monotonic()
    second = client.get(f"/v1/works?min_position={declared}")
    assert time.monotonic() - started < 1.0  # known stuck: no waiting for read_wait
    assert second.status_code == 503 and second.mimetype == "application/problem+json"
    problem = second.get_json()
    assert problem["title"] == "Read model stuck" and problem["stuck_position"] == declared
    assert f"cannot get past log position {declared}" in problem["detail"]
    assert second.headers["Retry-After"]
    # Everything before the poison was applied; the other views are not held.
    with app.app_context():
        assert read_models().position("registry") == declared - 1
    roster = client.get(
        f"/v1/programs/{s.slug}/roster?min_position={declared}", headers=tokens.staff
    )
    assert roster.status_code == 200

    ready = client.get("/readyz")
    assert ready.status_code == 503
    registry = ready.get_json()["checks"]["projections"]["registry"]
    assert registry["stuck"]["position"] == declared
    assert registry["stuck"]["error"] == "RuntimeError" and registry["stuck"]["failures"] >= 1
    assert "stuck" not in ready.get_json()["checks"]["projections"]["roster"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert (
        f'labledger_reader_stuck_position{{component="projection:registry"}} '
        f"{float(declared)}" in metrics
    )

    broken["on"] = False  # the cause is fixed: the view gets past on its next attempt
    deadline = time.monotonic() + 10
    while client.get(f"/v1/works?min_position={declared}").status_code != 200:
        assert time.monotonic() < deadline, "the view never got past the fixed event"
        time.sleep(0.1)
    assert client.get("/readyz").status_code == 200
    assert Faults(store_system.db).get("projection:registry") is None
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'labledger_reader_stuck_position{component="projection:registry"} 0.0' in metrics


def test_retries_of_a_stuck_view_back_off(store_system, api, monkeypatch):
    app, client, tokens = api
    monkeypatch.setattr(ledger.faults, "FIRST_RETRY", 0.2)
    _break_declarations(app, monkeypatch)
    seed(client, tokens)
    with app.app_context():
        follower = read_models().followers["registry"]
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # a follower's loop, as fast as it can go
        follower.catch_up()
    fault = Faults(store_system.db).get("projection:registry")
    # 0.2 + 0.4 s of back-off fit in the second, then 0.8: three attempts, not thousands.
    assert fault is not None and 2 <= fault.failures <= 4


def test_the_tree_builder_reports_where_it_is_stuck(store_settings, store_system, api, monkeypatch):
    app, client, tokens = api
    s = seed(client, tokens)
    builder = TreeBuilder(store_system.log, store_system.db, store_settings)
    append = builder.store.append

    def refuse(*args: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(builder.store, "append", refuse)
    assert builder.advance() == 0
    ready = client.get("/readyz")
    assert ready.status_code == 503
    tree = ready.get_json()["checks"]["transparency"]
    assert tree["stuck"]["position"] == 1 and tree["stuck"]["error"] == "OSError"
    late = client.get(f"/v1/transparency/checkpoint?min_position={store_system.log.head()}")
    assert late.status_code == 503 and late.get_json()["stuck_position"] == 1
    # Once its retry is due (a slow machine, or simply later), the read still names
    # where the tree is stuck after waiting, instead of a bare "behind".
    monkeypatch.setattr(Fault, "due", lambda self: True)
    later = client.get(f"/v1/transparency/checkpoint?min_position={store_system.log.head()}")
    assert later.status_code == 503 and later.get_json()["stuck_position"] == 1

    monkeypatch.setattr(builder.store, "append", append)
    time.sleep(0.2)
    assert builder.advance() > 0
    assert client.get("/readyz").status_code == 200
    assert client.get(f"/v1/works/{s.work}/certificate").status_code == 200


def test_a_reader_is_in_the_metrics_from_its_start_at_0_or_where_it_is_stuck(
    store_system, api, monkeypatch
):
    """A dashboard or alert on `labledger_reader_stuck_position` needs the
    series before anything goes wrong, and after a restart a stuck reader
    shows where it is stuck before its next attempt."""
    app, client, _ = api
    monkeypatch.setattr(ledger.faults, "FIRST_RETRY", 60.0)  # no retry while the test looks
    ledger.faults.STUCK_POSITION.clear()
    ledger.log.UNREADABLE_EVENTS.clear()
    Faults(store_system.db).report("projection:audit", 7, RuntimeError("a stored fault"))
    ledger.faults.STUCK_POSITION.clear()  # as in a process started after the report
    with app.app_context():
        followers = read_models().followers
    stop = threading.Event()
    loops = [threading.Thread(target=followers[n].run, args=(stop,)) for n in ("roster", "audit")]
    for loop in loops:
        loop.start()
    try:
        wait_for(
            "the stuck view in the metrics",
            lambda: 'component="projection:audit"} 7.0' in client.get("/metrics").get_data(True),
            timeout=10,
            interval=0.05,
        )
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'labledger_reader_stuck_position{component="projection:roster"} 0.0' in metrics
    assert 'labledger_unreadable_events_total{reader="projection:roster"} 0.0' in metrics
