"""A follower (each view's, the transparency tree's) that applied some
events pauses a quarter of its poll interval before its next step, so a
stream of writes is applied in batches rather than one event at a time; one
that then finds nothing waits the rest of its poll interval (an idle
follower polls as often as before); one that filled its batch steps again
at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.follower import Follower
from projections.service import all_projections
from transparency.follower import TreeBuilder

APPLIED = [1, 0, 2, 3, 500, 0, 1, 4]


def _expected(poll: float) -> list[float]:
    pause = poll / 4
    # after 1, 0, 2, 3 (a stream), 500 (at once), 0 (after a full batch), 1, 4
    return [pause, poll - pause, pause, pause, poll, pause, pause]


class _Stop:
    """A stop event that records each wait, and stops after the script."""

    def __init__(self, steps: int) -> None:
        self.waits: list[float] = []
        self.steps = steps

    def is_set(self) -> bool:
        return self.steps <= 0

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        return False


def _scripted(stop: _Stop) -> Iterator[int]:
    for applied in APPLIED:
        stop.steps -= 1
        yield applied


def _run(loop, monkeypatch) -> list[float]:  # noqa: ANN001
    stop = _Stop(len(APPLIED))
    script = _scripted(stop)
    monkeypatch.setattr(loop, "advance", lambda: next(script))
    monkeypatch.setattr(loop.lease, "hold", lambda: True)
    loop.run(stop)
    return stop.waits


@pytest.mark.parametrize("name", [p.name for p in all_projections()])
def test_a_view_follower_gathers_a_stream_of_events(system, monkeypatch, name):
    projection = next(p for p in all_projections() if p.name == name)
    follower = Follower(system.log, system.db, projection, poll_interval=0.2, batch=500)
    assert _run(follower, monkeypatch) == _expected(0.2)


def test_the_tree_builder_gathers_a_stream_of_events(system, settings, monkeypatch):
    builder = TreeBuilder(system.log, system.db, settings, batch=500)
    monkeypatch.setattr(builder, "_sign_if_due", lambda added: None)
    assert _run(builder, monkeypatch) == _expected(settings.poll_interval)
