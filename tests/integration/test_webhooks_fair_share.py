"""One partner's slow endpoints cannot hold another partner's deliveries back:
each partner gets a bounded share of the dispatcher's pool, in turns."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from tests.helpers import apply, open_program
from tests.integration.webhooks_support import Receiver, dispatching, receiving
from webhooks.dispatcher import POOL_SIZE

ENDPOINTS = "/v1/webhooks/endpoints"


def register(client: Any, headers: dict[str, str], receiver: Receiver) -> dict[str, Any]:
    response = client.post(ENDPOINTS, json={"url": receiver.url}, headers=headers)
    assert response.status_code == 201, response.get_json()
    receiver.secrets.append(response.get_json()["secret"])
    return response.get_json()


def test_a_partners_slow_endpoints_do_not_delay_another_partner(
    client, tokens, system, settings
) -> None:
    # Partner A: as many slow endpoints as the pool has threads, each answer
    # taking longer than the timeout. Before the fair share, they held every
    # thread until the deadline and B's delivery waited behind them.
    patient = replace(settings, webhook_timeout=6.0, webhook_retry_schedule=(0.5,) * 20)
    partner_b = {
        "Authorization": "Bearer "
        + system.tokens.create("partner", None, "another foundation").token
    }
    with receiving(Receiver(delay=10)) as slow, receiving(Receiver()) as fast:
        for _ in range(POOL_SIZE):
            register(client, tokens.partner, slow)
        slug = open_program(client, tokens)
        with dispatching(system, patient):
            slow.wait_for(lambda: len(slow.received) >= 2)
            time.sleep(0.3)  # A takes what it may of the pool
            register(client, partner_b, fast)
            written = time.monotonic()
            apply(client, tokens, slug)
            fast.wait_for(lambda: len(fast.received) >= 1, timeout=10)
            waited = fast.received[0].at - written
    assert waited < 2.0, f"partner B waited {waited:.1f} s behind partner A"
    assert fast.received[0].body["type"] == "application.submitted"
    assert not fast.rejected and not slow.rejected
