"""A tree builder that takes over (a restart, a lease regained) signs the head
the builder before it appended but did not sign, on both stores: nothing else
would, until the next write or a request for the checkpoint."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from api.app import create_app
from tests.helpers import Tokens, open_program, open_system
from transparency.follower import TreeBuilder


def run_until(builder: TreeBuilder, done: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Run the builder's real loop (lease, take-over, interval) until `done`."""
    stop = threading.Event()
    thread = threading.Thread(target=builder.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
        return done()
    finally:
        stop.set()
        thread.join(5)


def signed_size(system) -> int:
    latest = system.transparency.store.latest_checkpoint()
    return int(latest["size"]) if latest else 0


def caught_up(system) -> bool:
    return system.transparency.store.head().position >= system.log.head()


def signed_head(system) -> bool:
    return caught_up(system) and signed_size(system) == system.transparency.store.head().size


def test_a_restarted_builder_signs_the_head_left_unsigned_at_shutdown(store_settings):
    settings = replace(store_settings, checkpoint_interval=20.0)
    system = open_system(settings)
    try:
        client = create_app(settings, system=system).test_client()
        tokens = Tokens(system)
        open_program(client, tokens, slug="seoul-2026")
        before = TreeBuilder(system.log, system.db, settings)
        assert run_until(before, lambda: signed_head(system))
        signed = signed_size(system)
        for slug in ("busan-2026", "daegu-2026", "jeju-2026"):
            open_program(client, tokens, slug=slug)
        assert run_until(before, lambda: caught_up(system))
        head = system.transparency.store.head()
        assert signed_size(system) == signed < head.size  # stopped within the interval

        restarted = TreeBuilder(system.log, system.db, settings)  # a new process
        assert run_until(restarted, lambda: signed_size(system) == head.size)
    finally:
        system.close()


def test_a_builder_that_regains_the_lease_signs_what_another_appended(system, settings):
    client = create_app(settings, system=system).test_client()
    tokens = Tokens(system)
    open_program(client, tokens, slug="seoul-2026")
    builder = TreeBuilder(system.log, system.db, settings)
    assert run_until(builder, lambda: signed_head(system))
    open_program(client, tokens, slug="busan-2026")
    # Another host's builder held the lease, appended, and died before signing.
    head = TreeBuilder(system.log, system.db, settings).catch_up()
    assert signed_size(system) < head.size

    assert run_until(builder, lambda: signed_size(system) == head.size)
