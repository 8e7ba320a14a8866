"""DESIGN.md's invariants, re-checked from the events alone.

The audit must not trust the write side: every rule the aggregates enforce is
checked again here, event by event, against state rebuilt from earlier
events. A violation names the invariant, says what is wrong and lists the
events involved (position, id, type).
"""

from __future__ import annotations

from typing import Any

from ledger.events import is_unreadable
from projections.docs import Docs

INVARIANTS = {
    "I1": "Admission never exceeds the program's capacity",
    "I2": "Only an admitted, not-withdrawn participant is granted a tool, only a tool registered "
    "for the program; a generation needs an active, unexpired, unrevoked grant for that tool "
    "(and a registered version) at generated_at",
    "I3": "Ownership is declared by the artist, for generations that artist recorded; a content "
    "hash has at most one owner; the owner is always an admitted participant",
    "I4": "A work is exhibited only after its ownership is declared, crediting exactly the "
    "declared owner",
    "I5": "Every event carries who did it (actor id and role) and when (UTC)",
}
ROLES = frozenset({"staff", "artist", "auditor", "partner"})


def ref(env: dict[str, Any]) -> dict[str, Any]:
    return {"position": env["position"], "event_id": env["event_id"], "type": env["type"]}


class Check:
    """Checks one event; `program` and `violations` are its outcome."""

    def __init__(self, docs: Docs, env: dict[str, Any]) -> None:
        self.docs = docs
        self.env = env
        self.ref = ref(env)
        self.program: str | None = None
        self.violations: list[tuple[str, str, list[dict[str, Any]]]] = []

    def violate(self, invariant: str, detail: str, *earlier: dict[str, Any] | None) -> None:
        events = [e for e in earlier if e is not None] + [self.ref]
        self.violations.append((invariant, detail, events))

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
        family = env["type"].split(".")[0]
        handler = getattr(self, f"_{family}", None)
        if handler is not None:
            handler(env["type"], env["data"], env["aggregate_id"])

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

    # ---- Program ----------------------------------------------------------------

    def _program(self, kind: str, data: dict[str, Any], aid: str) -> None:
        if kind == "program.opened":
            self.program = data["slug"]
            self.docs.put(
                "program",
                aid,
                {
                    "slug": data["slug"],
                    "capacity": data["capacity"],
                    "seats_used": 0,
                    "tools": {},
                    "ref": self.ref,
                },
            )
            return
        program = self.docs.get("program", aid)
        if program is None:
            return
        self.program = program["slug"]
        # Seats are documents of their own, so the program's stays small.
        seat_key = f"{aid}:{data.get('application_id')}"
        if kind == "program.seat_allocated":
            seat = self.docs.get("seat", seat_key)
            if seat is not None and seat["held"]:
                self.violate(
                    "I1",
                    f"a second seat went to application {data['application_id']}",
                    seat["ref"],
                )
            else:
                program["seats_used"] += 1
            self.docs.put("seat", seat_key, {"held": True, "ref": self.ref})
            if program["seats_used"] > program["capacity"]:
                self.violate(
                    "I1",
                    f"{program['seats_used']} seats taken, capacity is {program['capacity']}",
                    program["ref"],
                )
        elif kind == "program.seat_released":
            seat = self.docs.get("seat", seat_key)
            if seat is not None and seat["held"]:
                program["seats_used"] -= 1
                self.docs.put("seat", seat_key, {"held": False, "ref": self.ref})
        elif kind == "program.tool_registered":
            program["tools"][data["tool"]] = {"versions": [data["version"]], "ref": self.ref}
        elif kind == "program.tool_disclosure_updated":
            tool = program["tools"].get(data["tool"])
            if tool is None:
                self.violate("I2", f"disclosure updated for unregistered tool {data['tool']!r}")
            elif data["version"] not in tool["versions"]:
                tool["versions"].append(data["version"])
        self.docs.put("program", aid, program)

    # ---- Application / participant -----------------------------------------------

    def _application(self, kind: str, data: dict[str, Any], aid: str) -> None:
        if kind == "application.submitted":
            self.program = data["program"]
            self.docs.put(
                "application",
                aid,
                {
                    "program": data["program"],
                    "program_id": data["program_id"],
                    "status": "applied",
                    "was_admitted": False,
                    "grants": [],
                    "ref": self.ref,
                },
            )
            return
        app = self.docs.get("application", aid)
        if app is None:
            return
        self.program = app["program"]
        if kind == "application.admitted":
            seat = self.docs.get("seat", f"{app['program_id']}:{aid}")
            if seat is None or not seat["held"]:
                self.violate("I1", f"application {aid} admitted without a seat", app["ref"])
            app["status"], app["was_admitted"] = "admitted", True
        elif kind == "application.declined":
            app["status"] = "declined"
        elif kind == "application.withdrawn":
            app["status"] = "withdrawn"
        self.docs.put("application", aid, app)

    def _participant(self, kind: str, data: dict[str, Any], aid: str) -> None:
        app = self.docs.get("application", aid)
        if app is None:
            self.violate("I2", f"tool access changed for unknown participant {aid}")
            return
        self.program = app["program"]
        tool = data["tool"]
        if kind == "participant.tool_access_granted":
            if app["status"] != "admitted":
                self.violate(
                    "I2", f"{tool!r} granted to a participant who is {app['status']}", app["ref"]
                )
            program = self.docs.get("program", app["program_id"]) or {"tools": {}}
            if tool not in program["tools"]:
                self.violate("I2", f"{tool!r} granted but not registered for {app['program']!r}")
            app["grants"].append(
                {
                    "tool": tool,
                    "granted_at": data["granted_at"],
                    "expires_at": data["expires_at"],
                    "revoked_at": None,
                    "ref": self.ref,
                }
            )
        else:
            for grant in app["grants"]:
                if grant["tool"] == tool and grant["revoked_at"] is None:
                    grant["revoked_at"] = data["revoked_at"]
        self.docs.put("application", aid, app)

    # ---- Generation, Work, Exhibition ---------------------------------------------

    def _generation(self, kind: str, data: dict[str, Any], aid: str) -> None:
        self.program = data["program"]
        participant, tool, at = data["participant"], data["tool"], data["generated_at"]
        self.docs.put(
            "generation", aid, {"participant": participant, "tool": tool, "ref": self.ref}
        )
        app = self.docs.get("application", participant)
        if app is None:
            self.violate("I2", f"generation by unknown participant {participant}")
            return
        if app["status"] != "admitted":
            self.violate("I2", f"generation by a participant who is {app['status']}", app["ref"])
        grants = [g for g in app["grants"] if g["tool"] == tool]
        if not any(_active(g, at) for g in grants):
            self.violate(
                "I2",
                f"no active, unexpired, unrevoked {tool!r} grant at {at}",
                *(g["ref"] for g in grants),
            )
        program = self.docs.get("program", app["program_id"]) or {"tools": {}}
        registered = program["tools"].get(tool)
        if registered is None or data["tool_version"] not in registered["versions"]:
            self.violate("I2", f"{tool!r} version {data['tool_version']!r} is not registered")

    def _work(self, kind: str, data: dict[str, Any], aid: str) -> None:
        if kind == "work.ownership_declared":
            self.program = data["program"]
            self._declared(data, aid)
            return
        work = self.docs.get("work", aid)
        if work is None:
            self.violate("I4", f"work {aid} exhibited but its ownership was never declared")
            return
        self.program = work["program"]
        if data["credited_artist"] != work["artist"]:
            self.violate(
                "I4",
                f"exhibition credits {data['credited_artist']}, the declared owner "
                f"is {work['artist']}",
                work["ref"],
            )
        if self.docs.get("exhibition", data["exhibition"]) is None:
            self.violate("I4", f"work hung in unknown exhibition {data['exhibition']}", work["ref"])

    def _declared(self, data: dict[str, Any], aid: str) -> None:
        artist = data["artist"]
        role = (self.env.get("actor") or {}).get("role")
        if role != "artist":
            self.violate("I3", f"ownership declared by a {role!r}, not by the artist")
        app = self.docs.get("application", artist)
        if app is None or not app["was_admitted"]:
            self.violate(
                "I3", f"owner {artist} is not an admitted participant", app["ref"] if app else None
            )
        for gid in data["generations"]:
            generation = self.docs.get("generation", gid)
            if generation is None:
                self.violate("I3", f"generation {gid} does not exist")
            elif generation["participant"] != artist:
                self.violate(
                    "I3", f"generation {gid} was recorded by another participant", generation["ref"]
                )
        owned = self.docs.get("hash", data["content_sha256"])
        if owned is not None:
            self.violate(
                "I3", f"content {data['content_sha256']} already has an owner", owned["ref"]
            )
        else:
            self.docs.put("hash", data["content_sha256"], {"work": aid, "ref": self.ref})
        self.docs.put("work", aid, {"artist": artist, "program": data["program"], "ref": self.ref})

    def _exhibition(self, kind: str, data: dict[str, Any], aid: str) -> None:
        self.program = data["program"]
        self.docs.put("exhibition", aid, {"program": data["program"], "ref": self.ref})


def _active(grant: dict[str, Any], at: str) -> bool:
    return (
        grant["granted_at"] <= at
        and (grant["expires_at"] is None or at < grant["expires_at"])
        and (grant["revoked_at"] is None or at < grant["revoked_at"])
    )
