"""The audit's checks of generations, works and exhibitions (I2-I4): who
recorded each output first, who owns each hash, and whether a declaration
still stands when it is retracted, disputed or hung."""

from __future__ import annotations

from collections.abc import Callable

from ledger.actors import Role
from projections.invariants import Check, CheckEvent, Doc

Change = Callable[[Check, Doc, Doc, str], None]


def generation_recorded(c: Check, data: Doc, aid: str) -> None:
    c.program = data["program"]
    participant, tool, at = data["participant"], data["tool"], data["generated_at"]
    c.docs.put("generation", aid, {"participant": participant, "tool": tool, "ref": c.ref})
    if c.docs.peek("output", data["output_sha256"]) is None:  # who recorded it first
        c.docs.put("output", data["output_sha256"], {"participant": participant, "ref": c.ref})
    app = c.docs.peek("application", participant)  # read only, here and below
    if app is None:
        c.violate("I2", f"generation by unknown participant {participant}")
        return
    if app["status"] != "admitted":
        c.violate("I2", f"generation by a participant who is {app['status']}", app["ref"])
    grants = [g for g in app["grants"] if g["tool"] == tool]
    if not any(_active(g, at) for g in grants):
        c.violate(
            "I2",
            f"no active, unexpired, unrevoked {tool!r} grant at {at}",
            *(g["ref"] for g in grants),
        )
    program = c.docs.peek("program", app["program_id"]) or {"tools": {}}
    registered = program["tools"].get(tool)
    if registered is None or data["tool_version"] not in registered["versions"]:
        c.violate("I2", f"{tool!r} version {data['tool_version']!r} is not registered")
    if program.get("closed"):
        c.violate("I2", f"generation recorded after {data['program']!r} closed", program["closed"])
    # An RFC 3339 UTC instant starts with its day: compared as text, like the dates.
    if "starts_on" in program and not program["starts_on"] <= at[:10] <= program["ends_on"]:
        c.violate(
            "I2",
            f"generated_at {at} is outside the program's days "
            f"{program['starts_on']} to {program['ends_on']}",
        )


def ownership_declared(c: Check, data: Doc, aid: str) -> None:
    c.program = data["program"]
    artist = data["artist"]
    role = (c.env.get("actor") or {}).get("role")
    if role != Role.ARTIST:
        c.violate("I3", f"ownership declared by a {role!r}, not by the artist")
    app = c.docs.get("application", artist)
    if app is None or not app["was_admitted"]:
        c.violate(
            "I3", f"owner {artist} is not an admitted participant", app["ref"] if app else None
        )
    c.check_not_erased(app, data, artist)
    for gid in data["generations"]:
        generation = c.docs.get("generation", gid)
        if generation is None:
            c.violate("I3", f"generation {gid} does not exist")
        elif generation["participant"] != artist:
            c.violate(
                "I3", f"generation {gid} was recorded by another participant", generation["ref"]
            )
    content = data["content_sha256"]
    output = c.docs.get("output", content)
    if output is not None and output["participant"] != artist:
        c.violate(
            "I3",
            f"content {content} was first recorded as a generation output by participant "
            f"{output['participant']}, and declared by {artist}",
            output["ref"],
        )
    owned = c.docs.get("hash", content)
    if owned is not None and not owned.get("retracted"):
        c.violate("I3", f"content {content} already has an owner", owned["ref"])
    else:
        c.docs.put("hash", content, {"work": aid, "ref": c.ref})
    work = {"artist": artist, "program": data["program"], "hash": content, "ref": c.ref}
    c.docs.put("work", aid, work)


def on_work(role: Role, change: Change) -> CheckEvent:
    """A retraction (by its artist) or a dispute (by staff) of a standing
    declaration, attributed to the work's program."""

    def check(c: Check, data: Doc, aid: str) -> None:
        work = c.docs.get("work", aid)
        what = c.env["type"].rsplit("_", 1)[-1]
        if work is None:
            c.violate("I3", f"work {aid} {what} but its ownership was never declared")
            return
        c.program = work["program"]
        actor = (c.env.get("actor") or {}).get("role")
        if actor != role:
            c.violate("I3", f"declaration {what} by a {actor!r}, not by {role.value}", work["ref"])
        if work.get("retracted"):
            c.violate("I3", f"work {aid} {what} after its retraction", work["retracted"])
        c.check_not_erased(c.docs.get("application", work["artist"]), data, work["artist"])
        change(c, work, data, aid)
        c.docs.put("work", aid, work)

    return check


def retracted(c: Check, work: Doc, data: Doc, aid: str) -> None:
    """The hash is free again."""
    work["retracted"] = work.get("retracted") or c.ref
    owned = c.docs.get("hash", work.get("hash", ""))
    if owned is not None and owned["work"] == aid:
        c.docs.put("hash", work["hash"], owned | {"retracted": True})
    note(c, "retractions", aid)


def disputed(c: Check, work: Doc, data: Doc, aid: str) -> None:
    note(c, "disputes", aid)


def note(c: Check, kind: str, work_id: str) -> None:
    """A correction the report lists (not a violation): kept per program."""
    noted = c.docs.get(kind, c.program or "") or {"items": []}
    noted["items"].append({"work_id": work_id} | c.ref | {"timestamp": c.env["timestamp"]})
    c.docs.put(kind, c.program or "", noted)


def work_exhibited(c: Check, data: Doc, aid: str) -> None:
    work = c.docs.get("work", aid)
    if work is None:
        c.violate("I4", f"work {aid} exhibited but its ownership was never declared")
        return
    c.program = work["program"]
    if work.get("retracted"):
        c.violate(
            "I4", f"work {aid} exhibited after its declaration was retracted", work["retracted"]
        )
    if data["credited_artist"] != work["artist"]:
        c.violate(
            "I4",
            f"exhibition credits {data['credited_artist']}, the declared owner is {work['artist']}",
            work["ref"],
        )
    if c.docs.get("exhibition", data["exhibition"]) is None:
        c.violate("I4", f"work hung in unknown exhibition {data['exhibition']}", work["ref"])


def exhibition_scheduled(c: Check, data: Doc, aid: str) -> None:
    c.program = data["program"]
    c.docs.put("exhibition", aid, {"program": data["program"], "ref": c.ref})


def _active(grant: Doc, at: str) -> bool:
    # The audit's own copy of the grant rule (not ledger.rules): it re-checks the write side.
    return (
        grant["granted_at"] <= at
        and (grant["expires_at"] is None or at < grant["expires_at"])
        and (grant["revoked_at"] is None or at < grant["revoked_at"])
    )
