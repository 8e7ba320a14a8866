"""Read-your-writes: a read with `min_position` waits, bounded, for its view;
and whether the views are ready at all (`/readyz`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from api.bootstrap import System
from api.errors import ProblemError, http_title
from api.services import system
from ledger.faults import Fault
from projections.service import READY_LAG


def behind(what: str, position: int, target: int) -> ProblemError:
    """The one answer for "not there yet": 503 with Retry-After."""
    return ProblemError(
        503,
        f"the {what} has not reached log position {target} yet (it is at {position}); "
        "retry shortly",
        title="Read model behind",
        headers={"Retry-After": "1"},
        position=position,
        min_position=target,
    )


def refuse_beyond_head(target: int, field: str = "min_position") -> None:
    """A position the log has not reached is no position yet: 422 naming the
    head, at once, instead of a 503 that no retry would ever end (a write's
    position is committed before its response is sent, so a client's own is
    never here), or a replay that says it is queued and never sends."""
    head = system().log.head()
    if target > head:
        raise ProblemError(
            422,
            f"{field} {target} lies beyond the log head {head}",
            title=http_title(422),
            errors={field: [f"must be at most {head}, the log's head"]},
            head=head,
        )


def wait_until(current: Callable[[], int], target: int, what: str) -> int:
    """Poll `current()` until it reaches `target`, at most `read_wait` seconds."""
    refuse_beyond_head(target)
    settings = system().settings
    deadline = time.monotonic() + settings.read_wait
    position = current()
    while position < target:
        if time.monotonic() >= deadline:
            raise behind(what, position, target)
        system().db.renew()  # a shared read would see the same position again
        time.sleep(min(settings.poll_interval, 0.05))
        position = current()
    return position


def refuse_stuck(what: str, fault: Fault | None, target: int) -> None:
    """A reader stuck at or below `target` will not get there by waiting:
    answer at once, naming the position it cannot get past."""
    if fault is not None and fault.position <= target:
        raise ProblemError(
            503,
            f"the {what} cannot get past log position {fault.position} ({fault.error}; "
            f"{fault.failures} attempts so far), so it cannot reach position {target}",
            title="Read model stuck",
            headers={"Retry-After": "30"},
            stuck_position=fault.position,
            error=fault.error,
            min_position=target,
        )


def readiness(current: System) -> tuple[dict[str, Any], bool]:
    """Each view's generation, position and lag, and whether all are ready."""
    lag = current.read_models.lag()
    ok = all(view["lag"] <= READY_LAG and "stuck" not in view for view in lag.values())
    return lag, ok
