"""The audit's check of each event type (`CHECKS`), against the documents
earlier events left (`Check.docs`). Program and application events first
attribute the event to the program, then change the entity's document; the
checks of generations, works and exhibitions are `projections.ownership_checks`.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.actors import Role
from projections.invariants import Check, CheckEvent, Doc
from projections.ownership_checks import (
    disputed,
    exhibition_scheduled,
    generation_recorded,
    on_work,
    ownership_declared,
    retracted,
    work_exhibited,
)

Change = Callable[[Check, Doc, Doc, str], None]


# ---- Program ------------------------------------------------------------------------


def program_opened(c: Check, data: Doc, aid: str) -> None:
    c.program = data["slug"]
    doc = {"slug": data["slug"], "capacity": data["capacity"], "seats_used": 0, "tools": {}}
    doc |= {"starts_on": data["starts_on"], "ends_on": data["ends_on"]}
    c.docs.put("program", aid, doc | {"ref": c.ref})


def on_entity(
    kind: str, program_field: str, change: Change, *, unknown: str | None = None
) -> CheckEvent:
    """A later event of a program or an application: attributed to the
    program, the entity's document changed; `unknown` is the I2 violation
    when there is no such entity (else the event is passed over)."""

    def check(c: Check, data: Doc, aid: str) -> None:
        doc = c.docs.get(kind, aid)
        if doc is None:
            if unknown is not None:
                c.violate("I2", f"{unknown} {aid}")
            return
        c.program = doc[program_field]
        change(c, doc, data, aid)
        c.docs.put(kind, aid, doc)

    return check


def on_program(change: Change) -> CheckEvent:
    return on_entity("program", "slug", change)


def seat_allocated(c: Check, program: Doc, data: Doc, aid: str) -> None:
    # Seats are documents of their own, so the program's stays small.
    seat_key = f"{aid}:{data['application_id']}"
    seat = c.docs.get("seat", seat_key)
    if seat is not None and seat["held"]:
        c.violate("I1", f"a second seat went to application {data['application_id']}", seat["ref"])
    else:
        program["seats_used"] += 1
    c.docs.put("seat", seat_key, {"held": True, "ref": c.ref})
    if program["seats_used"] > program["capacity"]:
        c.violate(
            "I1",
            f"{program['seats_used']} seats taken, capacity is {program['capacity']}",
            program["ref"],
        )


def seat_released(c: Check, program: Doc, data: Doc, aid: str) -> None:
    seat_key = f"{aid}:{data['application_id']}"
    seat = c.docs.get("seat", seat_key)
    if seat is not None and seat["held"]:
        program["seats_used"] -= 1
        c.docs.put("seat", seat_key, {"held": False, "ref": c.ref})


def tool_registered(c: Check, program: Doc, data: Doc, aid: str) -> None:
    program["tools"][data["tool"]] = {"versions": [data["version"]], "ref": c.ref}


def tool_disclosure_updated(c: Check, program: Doc, data: Doc, aid: str) -> None:
    tool = program["tools"].get(data["tool"])
    if tool is None:
        c.violate("I2", f"disclosure updated for unregistered tool {data['tool']!r}")
    elif data["version"] not in tool["versions"]:
        tool["versions"].append(data["version"])


def closed(c: Check, program: Doc, data: Doc, aid: str) -> None:
    program["closed"] = c.ref


# ---- Application / participant --------------------------------------------------------


def application_submitted(c: Check, data: Doc, aid: str) -> None:
    c.program = data["program"]
    doc = {
        "program": data["program"],
        "program_id": data["program_id"],
        "status": "applied",
        "was_admitted": False,
        "erased": False,
        "grants": [],
        "ref": c.ref,
    }
    c.docs.put("application", aid, doc)


def on_application(change: Change, *, unknown: str | None = None) -> CheckEvent:
    return on_entity("application", "program", change, unknown=unknown)


def admitted(c: Check, app: Doc, data: Doc, aid: str) -> None:
    seat = c.docs.get("seat", f"{app['program_id']}:{aid}")
    if seat is None or not seat["held"]:
        c.violate("I1", f"application {aid} admitted without a seat", app["ref"])
    app["status"], app["was_admitted"] = "admitted", True


def status(value: str) -> Change:
    def change(c: Check, app: Doc, data: Doc, aid: str) -> None:
        app["status"] = value

    return change


def personal(change: Change) -> Change:
    """An event that commits to a personal value: never after the erasure
    (after it, a reason is not kept: its commitment is null)."""

    def check(c: Check, app: Doc, data: Doc, aid: str) -> None:
        c.check_not_erased(app, data, aid)
        change(c, app, data, aid)

    return check


def display_name_changed(c: Check, app: Doc, data: Doc, aid: str) -> None:
    if app["status"] != "admitted":
        c.violate("I6", f"display name changed for a participant who is {app['status']}")


def personal_data_erased(c: Check, app: Doc, data: Doc, aid: str) -> None:
    if app.get("erased"):
        c.violate("I6", f"the personal data of {aid} erased a second time", app["erased"])
    else:
        app["erased"] = c.ref


def granted(c: Check, app: Doc, data: Doc, aid: str) -> None:
    tool = data["tool"]
    if app["status"] != "admitted":
        c.violate("I2", f"{tool!r} granted to a participant who is {app['status']}", app["ref"])
    program = c.docs.get("program", app["program_id"]) or {"tools": {}}
    if tool not in program["tools"]:
        c.violate("I2", f"{tool!r} granted but not registered for {app['program']!r}")
    if program.get("closed"):
        c.violate("I2", f"{tool!r} granted after {app['program']!r} closed", program["closed"])
    grant = {"tool": tool, "granted_at": data["granted_at"], "expires_at": data["expires_at"]}
    app["grants"].append(grant | {"revoked_at": None, "ref": c.ref})


def revoked(c: Check, app: Doc, data: Doc, aid: str) -> None:
    for grant in app["grants"]:
        if grant["tool"] == data["tool"] and grant["revoked_at"] is None:
            grant["revoked_at"] = data["revoked_at"]


CHECKS: dict[str, CheckEvent] = {
    "program.opened": program_opened,
    "program.tool_registered": on_program(tool_registered),
    "program.tool_disclosure_updated": on_program(tool_disclosure_updated),
    "program.seat_allocated": on_program(seat_allocated),
    "program.seat_released": on_program(seat_released),
    "program.closed": on_program(closed),
    "application.submitted": application_submitted,
    "application.admitted": on_application(admitted),
    "application.declined": on_application(personal(status("declined"))),
    "application.withdrawn": on_application(personal(status("withdrawn"))),
    "participant.tool_access_granted": on_application(
        granted, unknown="tool access changed for unknown participant"
    ),
    "participant.tool_access_revoked": on_application(
        personal(revoked), unknown="tool access changed for unknown participant"
    ),
    "participant.display_name_changed": on_application(personal(display_name_changed)),
    "participant.personal_data_erased": on_application(personal_data_erased),
    "generation.recorded": generation_recorded,
    "work.ownership_declared": ownership_declared,
    "work.exhibited": work_exhibited,
    "work.ownership_retracted": on_work(Role.ARTIST, retracted),
    "work.ownership_disputed": on_work(Role.STAFF, disputed),
    "exhibition.scheduled": exhibition_scheduled,
}
