"""A dispatcher's claim always outlives the attempt it covers, and a partner's
share of the pool is bounded (no I/O: the client and the queue are faked)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from webhooks import dispatcher as module
from webhooks.client import Outcome
from webhooks.dispatcher import LEASE_SAFETY, Dispatcher, lease_for, partner_share
from webhooks.queue import Claim


@pytest.mark.parametrize("timeout", [0.5, 1, 3, 15, 60])
def test_the_lease_outlives_the_attempts_deadline_with_a_margin(timeout: float) -> None:
    assert lease_for(timeout) >= timeout + LEASE_SAFETY + 2


@pytest.fixture
def posts(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The timeouts the dispatcher gives the client."""
    timeouts: list[float] = []

    def fake_post(url: str, body: bytes, headers: dict[str, str], **options: Any) -> Outcome:
        timeouts.append(options["timeout"])
        return Outcome(204, 1.0)

    monkeypatch.setattr(module.client, "post", fake_post)
    monkeypatch.setattr(module.MessageQueue, "record", lambda *args, **kwargs: None)
    return timeouts


def claim_expiring_in(seconds: float) -> Claim:
    return Claim(
        "e",
        1,
        1,
        "msg_1",
        "program.opened",
        "{}",
        1,
        "http://x.example/",
        ("whsec_AA==",),
        time.time() + seconds,
    )


def test_an_attempt_gets_the_whole_timeout_when_its_thread_starts_at_once(settings, posts) -> None:
    dispatcher = Dispatcher(None, None, settings)
    dispatcher.deliver(claim_expiring_in(lease_for(settings.webhook_timeout)))
    assert posts == [settings.webhook_timeout]


def test_an_attempt_that_starts_late_ends_before_its_lease(settings, posts) -> None:
    # e.g. the thread pool was slow to start it: the deadline shrinks, so the
    # claim still outlives the attempt and no other dispatcher can take it.
    dispatcher = Dispatcher(None, None, settings)
    dispatcher.deliver(claim_expiring_in(2.0))
    assert len(posts) == 1 and posts[0] <= 2.0 - LEASE_SAFETY


def test_an_attempt_is_not_started_when_its_lease_is_nearly_over(settings, posts) -> None:
    Dispatcher(None, None, settings).deliver(claim_expiring_in(LEASE_SAFETY / 2))
    assert posts == []


@pytest.mark.parametrize(
    "pool, partners, share",
    [
        (8, 0, 4),
        (8, 1, 4),
        (8, 2, 4),
        (8, 3, 3),
        (8, 8, 1),
        (8, 20, 1),
        (1, 1, 1),
        (2, 1, 1),
    ],
)
def test_a_partner_alone_holds_at_most_half_the_pool_and_many_share_it(
    pool: int, partners: int, share: int
) -> None:
    assert partner_share(pool, partners) == share
