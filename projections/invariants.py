"""The program's invariants (I1-I6), re-checked from the events alone.

The audit must not trust the write side: every rule the aggregates enforce is
checked again here, event by event, against state rebuilt from earlier
events (its own copy of each rule, on purpose). A violation names the
invariant, says what is wrong and lists the events involved (position, id,
type). Each event type has its check in `projections.invariant_checks`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ledger.actors import Role
from ledger.events import is_unreadable
from projections.docs import Docs

INVARIANTS = {
    "I1": "Admission never exceeds the program's capacity",
    "I2": "Only an admitted, not-withdrawn participant is granted a tool, only a tool registered "
    "for the program, while it is open; a generation needs an active, unexpired, unrevoked "
    "grant for that tool (and a registered version) at generated_at, a day of the open program",
    "I3": "Ownership is declared by the artist, for generations that artist recorded; a content "
    "hash has at most one standing owner, and a hash another participant first recorded as a "
    "generation output is theirs alone to declare; the owner is always an admitted "
    "participant; only the artist retracts a declaration and only staff dispute one",
    "I4": "A work is exhibited only while its ownership is declared and not retracted, "
    "crediting exactly the declared owner",
    "I5": "Every event carries who did it (actor id and role) and when (UTC)",
    "I6": "No personal data is in the log: a person is an id, each personal value a salted "
    "commitment; nothing personal is committed for a person after their erasure (which "
    "happens once), and only an admitted participant changes their display name",
}
# Personal values that must never appear in clear in an event's data (I6).
PERSONAL_FIELDS = frozenset(
    {"artist_name", "email", "portfolio_url", "statement", "reason", "display_name", "credit_name"}
)
ROLES = frozenset(role.value for role in Role)
Doc = dict[str, Any]
CheckEvent = Callable[["Check", Doc, str], None]


def ref(env: dict[str, Any]) -> dict[str, Any]:
    return {"position": env["position"], "event_id": env["event_id"], "type": env["type"]}


class Check:
    """Checks one event; `program` and `violations` are its outcome."""

    def __init__(self, docs: Docs, env: dict[str, Any], checks: Mapping[str, CheckEvent]) -> None:
        self.docs = docs
        self.env = env
        self.checks = checks
        self.ref = ref(env)
        self.program: str | None = None
        self.violations: list[tuple[str, str, list[dict[str, Any]]]] = []

    def violate(self, invariant: str, detail: str, *earlier: dict[str, Any] | None) -> None:
        events = [e for e in earlier if e is not None] + [self.ref]
        self.violations.append((invariant, detail, events))

    def check_not_erased(self, app: Doc | None, data: Doc, person: str) -> None:
        """An event that commits to a personal value of a person erased
        before it (I6); after the erasure a reason is not kept at all, and
        its commitment is null."""
        committed = any(v is not None for k, v in data.items() if k.endswith("_commitment"))
        if app is not None and app.get("erased") and committed:
            self.violate(
                "I6", f"personal data committed for {person} after its erasure", app["erased"]
            )

    def run(self) -> None:
        env = self.env
        if is_unreadable(env):
            self._unreadable(env)
            return
        actor = env.get("actor") or {}
        if not actor.get("id") or actor.get("role") not in ROLES:
            self.violate(
                "I5",
                f"event has no valid actor (id {actor.get('id')!r}, role {actor.get('role')!r})",
            )
        if not str(env.get("timestamp", "")).endswith("Z"):
            self.violate("I5", f"timestamp {env.get('timestamp')!r} is not UTC")
        clear = sorted(PERSONAL_FIELDS & set(env["data"]))
        if clear:
            self.violate("I6", f"personal value(s) in clear: {', '.join(clear)}")
        check = self.checks.get(env["type"])
        if check is not None:
            check(self, env["data"], env["aggregate_id"])

    def _unreadable(self, env: dict[str, Any]) -> None:
        # Its program is that of the aggregate it belongs to, when known.
        aid = env["aggregate_id"]
        for kind in ("program", "application", "work", "exhibition"):
            doc = self.docs.get(kind, aid)
            if doc is not None:
                self.program = doc.get("slug") or doc.get("program")
                break
        # Unreadable, it cannot show who did it and when (I5), and nothing it
        # says could be checked: listed, so the report never silently skips it.
        self.violate(
            "I5",
            f"the event at log position {env['position']} cannot be read "
            f"({env['unreadable']['error']}): who did it, when and what are unknown",
        )
