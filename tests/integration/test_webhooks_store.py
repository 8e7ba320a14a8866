"""The webhook tables on both stores (SQLite and PostgreSQL): endpoints,
messages derived from the log, claims, attempts, replay; and one end-to-end
delivery through the dispatcher on each store."""

from __future__ import annotations

import json
import time
from typing import Any

from api.app import create_app
from ledger.log import iter_log
from tests.helpers import Tokens, seed
from tests.integration.webhooks_support import Receiver, dispatching, receiving, register
from webhooks.client import Outcome
from webhooks.manual import ManualDeliveries
from webhooks.queue import MessageQueue
from webhooks.store import EndpointStore

SCHEDULE = (0.05, 0.05)


def envelope(position: int, type_: str) -> dict[str, Any]:
    return {
        "position": position,
        "event_id": f"event-{position}",
        "aggregate_id": "agg",
        "aggregate_version": position,
        "type": type_,
        "timestamp": "2026-03-02T09:00:00.000000Z",
        "actor": {"id": "staff-token", "role": "staff"},
        "data": {"program": "seoul-2026", "reason_commitment": "ab" * 32},
    }


def endpoint_row(db: Any, endpoint_id: str) -> dict[str, Any]:
    row = db.fetchone(
        "SELECT id, position, sequence, event_types, enabled, disabled_reason "
        "FROM {t}wh_endpoints WHERE id = ?",
        (endpoint_id,),
    )
    assert row is not None
    return row


def test_store_contract(store_system) -> None:
    db = store_system.db
    store, queue = EndpointStore(db), MessageQueue(db)
    everything, _ = store.create("partner-a", "http://93.184.215.14/a", [], "all", 0)
    works, _ = store.create("partner-a", "http://93.184.215.14/b", ["work.exhibited"], "", 0)
    assert store.get("partner-b", everything["id"]) is None  # another owner sees nothing
    assert store.list("partner-b", None, 10) == []
    assert [e["id"] for e in store.list("partner-a", None, 10)] == sorted(
        [everything["id"], works["id"]]
    )

    # log positions with a gap, as PostgreSQL produces
    log = [
        envelope(3, "program.opened"),
        envelope(5, "work.exhibited"),
        envelope(9, "program.closed"),
    ]
    stale = endpoint_row(db, everything["id"])
    assert queue.enqueue(stale, log, 9)
    assert queue.enqueue(stale, log, 9) is None  # a second dispatcher with the old position
    assert queue.enqueue(endpoint_row(db, works["id"]), log, 9)
    assert endpoint_row(db, everything["id"])["sequence"] == 3
    filtered = db.fetchall(
        "SELECT sequence, position, body FROM {t}wh_messages "
        "WHERE endpoint_id = ? ORDER BY sequence",
        (works["id"],),
    )
    assert [(m["sequence"], m["position"]) for m in filtered] == [(1, 5)]
    body = json.loads(filtered[0]["body"])
    assert body["data"]["sequence"] == 1 and body["data"]["reason_commitment"] == "ab" * 32
    assert queue.endpoints_behind(9) == []

    heads = {(h["endpoint_id"], h["sequence"]) for h in queue.due_heads(time.time(), 10)}
    assert heads == {(everything["id"], 1), (works["id"], 1)}
    claim = queue.claim(everything["id"], 1, "dispatcher-1", lease=30)
    assert claim is not None and claim.attempt == 1 and claim.position == 3
    assert queue.claim(everything["id"], 1, "dispatcher-2", lease=30) is None  # taken
    assert queue.claim(everything["id"], 2, "dispatcher-2", lease=30) is None  # not the head
    failed_at = time.time()
    queue.record(
        claim,
        Outcome(503, 12.5, "HTTP 503"),
        holder="dispatcher-1",
        schedule=SCHEDULE,
        disable_after=3600,
        attempted_at=failed_at,
    )
    # Not due before its retry delay (asked at the failure's instant: a loaded
    # machine may take longer than the 50 ms delay to get here).
    assert everything["id"] not in {h["endpoint_id"] for h in queue.due_heads(failed_at, 10)}
    time.sleep(0.08)
    retry = queue.claim(everything["id"], 1, "dispatcher-2", lease=30)
    assert retry is not None and retry.attempt == 2 and retry.webhook_id == claim.webhook_id
    queue.record(
        retry,
        Outcome(204, 3.0),
        holder="dispatcher-2",
        schedule=SCHEDULE,
        disable_after=3600,
        attempted_at=time.time(),
    )
    assert queue.claim(everything["id"], 2, "dispatcher-1", lease=30) is not None

    attempts = store.attempts(everything["id"], 0, 10)
    assert [(a["attempt"], a["status_code"], a["ok"], a["error"]) for a in attempts] == [
        (1, 503, False, "HTTP 503"),
        (2, 204, True, None),
    ]
    assert store.attempts(everything["id"], attempts[0]["id"], 10) == attempts[1:]
    assert [(a["trigger"], a["replay"]) for a in attempts] == [("first", False), ("retry", False)]

    manual = ManualDeliveries(db)
    assert manual.replay(everything["id"], 0) == 1  # the one delivered message
    assert manual.resend(everything["id"], attempts[0]["webhook_id"]) is False  # pending again
    assert manual.resend(everything["id"], "msg_none") is None
    test = manual.send_test(store.get("partner-a", everything["id"]))
    assert test["sequence"] == endpoint_row(db, everything["id"])["sequence"]
    paused = store.update("partner-a", everything["id"], {"enabled": False, "description": "p"})
    assert paused["enabled"] is False and paused["description"] == "p"
    assert store.update("partner-b", everything["id"], {"description": "x"}) is None
    assert store.update("partner-a", everything["id"], {"enabled": True})["enabled"] is True
    gone = queue.claim(works["id"], 1, "dispatcher-1", lease=30)
    assert gone is not None
    queue.record(
        gone,
        Outcome(410, 1.0, "HTTP 410"),
        holder="dispatcher-1",
        schedule=SCHEDULE,
        disable_after=3600,
        attempted_at=time.time(),
    )
    row = endpoint_row(db, works["id"])
    assert row["enabled"] == 0 and "410" in row["disabled_reason"]
    assert store.enable("partner-b", works["id"]) is None
    assert store.enable("partner-a", works["id"])["enabled"] is True

    assert store.rotate_secret("partner-b", works["id"]) is None
    rotated = store.rotate_secret("partner-a", works["id"])
    assert rotated is not None and rotated[1].startswith("whsec_")
    assert rotated[0]["id"] == works["id"] and rotated[0]["previous_secret_expires_at"]
    assert not store.delete("partner-b", works["id"])
    assert store.delete("partner-a", works["id"])
    assert (
        db.fetchall("SELECT 1 AS x FROM {t}wh_messages WHERE endpoint_id = ?", (works["id"],)) == []
    )


def test_dispatcher_delivers_on_each_store(store_system, store_settings) -> None:
    app = create_app(store_settings, system=store_system)
    client, tokens = app.test_client(), Tokens(store_system)
    with receiving(Receiver()) as receiver:
        register(client, tokens, receiver)
        seed(client, tokens)
        total = len(list(iter_log(store_system.log, 0)))
        with dispatching(store_system, store_settings):
            receiver.wait_for(lambda: len(receiver.received) >= total)
    assert receiver.sequences() == list(range(1, total + 1))
    assert not receiver.rejected


def test_due_heads_come_in_turns_across_partners(store_system) -> None:
    db = store_system.db
    store, queue = EndpointStore(db), MessageQueue(db)
    busy = [store.create("partner-a", f"http://93.184.215.14/{n}", [], "", 0)[0] for n in range(3)]
    quiet, _ = store.create("partner-b", "http://93.184.215.14/b", [], "", 0)
    for endpoint in busy + [quiet]:  # partner A's messages are all older than B's
        assert queue.enqueue(endpoint_row(db, endpoint["id"]), [envelope(1, "program.opened")], 1)
        time.sleep(0.01)
    heads = queue.due_heads(time.time(), 10, per_owner=2)
    assert [h["owner"] for h in heads] == ["partner-a", "partner-b", "partner-a"]
    assert [h["endpoint_id"] for h in heads] == [busy[0]["id"], quiet["id"], busy[1]["id"]]
    assert [h["owner"] for h in queue.due_heads(time.time(), 2)] == ["partner-a", "partner-b"]


def test_the_endpoint_limit_holds_under_concurrent_registrations(store_system) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from webhooks.store import MAX_ENDPOINTS_PER_PARTNER, EndpointLimitReached

    store = EndpointStore(store_system.db)
    room = 5
    for n in range(MAX_ENDPOINTS_PER_PARTNER - room):
        store.create("partner-a", f"http://93.184.215.14/{n}", [], "", 0)

    def register(n: int) -> bool:
        try:
            store.create("partner-a", f"http://93.184.215.14/more/{n}", [], "", 0)
        except EndpointLimitReached:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(register, range(3 * room)))
    assert sum(made) == room
    assert len(store.list("partner-a", None, 1000)) == MAX_ENDPOINTS_PER_PARTNER
    assert store.create("partner-b", "http://93.184.215.14/b", [], "", 0)  # its own limit
