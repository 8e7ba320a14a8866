"""What a partner asks of its endpoints beyond the log's own deliveries: a
test event, one message sent again, a replay, a pause; and what the delivery
log says of each attempt (`trigger`, `replay`), against a real receiver. (A
410-disabled endpoint's log: test_webhooks_delivery_signed_and_retried.py.)"""

from __future__ import annotations

import time

from tests.helpers import open_program, seed, wait_for
from tests.integration.webhooks_support import (
    ENDPOINTS,
    Receiver,
    deliveries,
    dispatching,
    receiving,
    register,
)


def _post(client, tokens, path: str, body=None):
    return client.post(f"{ENDPOINTS}/{path}", json=body, headers=tokens.partner)


def test_a_test_event_goes_to_that_endpoint_only_signed_and_logged(
    client, tokens, system, settings
):
    with receiving(Receiver()) as first, receiving(Receiver()) as other:
        endpoint = register(client, tokens, first)
        register(client, tokens, other)
        with dispatching(system, settings):
            queued = _post(client, tokens, f"{endpoint['id']}/test")
            assert queued.status_code == 202, queued.get_json()
            first.wait_for(lambda: len(first.received) == 1)
            time.sleep(0.3)
    [received] = first.received
    assert received.body["type"] == "webhook.test" and received.verified_by == [0]
    assert received.webhook_id == queued.get_json()["webhook_id"]
    assert received.body["data"]["sequence"] == queued.get_json()["sequence"] == 1
    assert other.received == []
    [attempt] = deliveries(client, tokens, endpoint["id"])
    assert (attempt["trigger"], attempt["event_type"], attempt["ok"]) == (
        "test",
        "webhook.test",
        True,
    )


def test_resend_sends_one_message_again_with_its_id_and_body(client, tokens, system, settings):
    with receiving(Receiver()) as receiver:
        endpoint = register(client, tokens, receiver)
        open_program(client, tokens)
        with dispatching(system, settings):
            receiver.wait_for(lambda: len(receiver.received) == 2)
            # Received is not yet recorded: until its attempt is logged the
            # message is still pending, and a resend of it queues nothing.
            wait_for(
                "both attempts logged",
                lambda: len(deliveries(client, tokens, endpoint["id"])) == 2,
            )
            original = receiver.received[1]
            path = f"{endpoint['id']}/messages/{original.webhook_id}/resend"
            resent = _post(client, tokens, path)
            assert resent.status_code == 202 and resent.get_json()["queued"] is True
            receiver.wait_for(lambda: len(receiver.received) == 3)
    again = receiver.received[2]
    assert (again.webhook_id, again.raw) == (original.webhook_id, original.raw)
    log = deliveries(client, tokens, endpoint["id"])
    assert [(a["trigger"], a["replay"]) for a in log] == [
        ("first", False),
        ("first", False),
        ("replay", True),
    ]
    missing = _post(client, tokens, f"{endpoint['id']}/messages/msg_nothing/resend")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_a_replay_and_its_retries_are_marked_in_the_delivery_log(client, tokens, system, settings):
    failing = {"on": False}
    with receiving(Receiver(replies=lambda n: (503, {}) if failing["on"] else (204, {}))) as rx:
        endpoint = register(client, tokens, rx)
        seed(client, tokens)
        with dispatching(system, settings):
            total = system.log.head()
            rx.wait_for(lambda: len(rx.received) == total)
            failing["on"] = True
            last = rx.received[-1].body["data"]["position"]
            assert (
                _post(client, tokens, f"{endpoint['id']}/replay", {"after": last - 1}).status_code
                == 202
            )
            rx.wait_for(lambda: len(rx.received) == total + 2)
            failing["on"] = False
            rx.wait_for(lambda: len(rx.received) == total + 3)
    log = deliveries(client, tokens, endpoint["id"])
    assert {a["trigger"] for a in log[:total]} == {"first"}
    assert [(a["trigger"], a["replay"], a["attempt"]) for a in log[total:]] == [
        ("replay", True, 1),
        ("retry", True, 2),
        ("retry", True, 3),
    ]
    assert log[total]["next_attempt_at"] is not None


def test_a_paused_endpoint_gets_nothing_until_resumed(client, tokens, system, settings):
    with receiving(Receiver()) as receiver:
        endpoint = register(client, tokens, receiver)
        path = f"{ENDPOINTS}/{endpoint['id']}"
        paused = client.patch(path, json={"enabled": False}, headers=tokens.partner)
        assert paused.status_code == 200, paused.get_json()
        assert paused.get_json()["disabled_reason"] == "paused by its owner"
        open_program(client, tokens)
        with dispatching(system, settings):
            time.sleep(0.5)
            assert receiver.received == []
            refused = _post(client, tokens, f"{endpoint['id']}/test")
            assert refused.status_code == 409
            resumed = client.patch(path, json={"enabled": True}, headers=tokens.partner)
            assert resumed.get_json()["enabled"] is True
            receiver.wait_for(lambda: len(receiver.received) == 2)
    assert [r.body["data"]["sequence"] for r in receiver.received] == [1, 2]
