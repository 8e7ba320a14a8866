"""An example payload of every event type, made by the real payload builder
(`webhooks.payload`) from real events: a small program is run once per
process through the command bus of an in-memory System, and the first event
of each type becomes the example, with the public names it would carry when
sent. Nothing here is written by hand but the commands' inputs."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from api.bootstrap import in_memory
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.events import EVENT_TYPES
from ledger.log import iter_log
from webhooks.payload import named, payload

STAFF = Actor("example-staff", Role.STAFF)
HASHES = {
    name: f"{n:064x}"
    for n, name in enumerate(("output", "prompt", "work", "output 2", "work 2"), 1)
}


def _run_program(run: Any) -> None:
    # Around today: a generation is recorded now, and must fall on a program day.
    start = datetime.now(UTC).date() - timedelta(days=10)
    run(
        c.OpenProgram("example-2026", "Example residency", "Seoul", start, start + timedelta(29), 2)
    )
    tool = {"tool": "video", "version": "2.1", "capabilities": ["text-to-video"]}
    run(
        c.RegisterTool(
            "example-2026",
            name="Motion",
            provider="Example Lab",
            limitations=["watermarked"],
            **tool,
        )
    )
    run(
        c.UpdateToolDisclosure(
            "example-2026", "video", "2.2", ("text-to-video", "1080p"), ("watermarked",)
        )
    )
    people = [
        run(
            c.SubmitApplication(
                "example-2026", name, f"{n}@example.org", "https://example.org", "…"
            )
        ).result.id
        for n, name in enumerate(("Kim Seo-yeon", "Lee Ji-ho", "Park Min-jun", "Choi Yu-na"))
    ]
    artist, declined, erased, leaver = people
    run(c.AdmitApplicant(artist))
    run(c.AdmitApplicant(leaver))
    run(c.DeclineApplication(declined, "cohort full"))
    run(c.ChangeDisplayName(artist, "Seo-yeon Kim"))
    run(c.GrantTool(artist, "video"))
    me = Actor("example-artist", Role.ARTIST, artist)
    made = run(
        c.RecordGeneration(artist, "video", "2.2", HASHES["output"], "video/mp4", HASHES["prompt"]),
        me,
    )
    work = run(c.DeclareOwnership("Han River", HASHES["work"], (made.result.id,), "Mine."), me)
    show = run(
        c.ScheduleExhibition(
            "example-2026",
            "Synthetic Seoul",
            "DDP",
            start + timedelta(32),
            start + timedelta(60),
            "Example Foundation",
        )
    )
    run(c.HangWork(show.result.id, work.result.id))
    again = run(
        c.RecordGeneration(artist, "video", "2.2", HASHES["output 2"], "video/mp4", None), me
    )
    second = run(c.DeclareOwnership("Tide", HASHES["work 2"], (again.result.id,), "Mine."), me)
    run(c.DisputeDeclaration(second.result.id, "a gallery claims it"))
    run(c.RetractDeclaration(second.result.id, "declared by mistake"), me)
    run(c.RevokeTool(artist, "video", "the program ended"))
    run(c.WithdrawParticipant(leaver, "moved away"))
    run(c.ErasePersonalData(erased, "asked to be forgotten"))
    run(c.CloseProgram("example-2026"))


@functools.cache
def examples() -> dict[str, dict[str, Any]]:
    """{event type: the payload a partner receives for it}."""
    system = in_memory()
    try:
        _run_program(lambda command, actor=STAFF: system.bus.handle(command, actor))
        found: dict[str, dict[str, Any]] = {}
        for env in iter_log(system.log):
            if env["type"] not in found:
                body = json.dumps(payload(env, sequence=len(found) + 1))
                found[env["type"]] = json.loads(named(body, system.people))
        return {kind: found[kind] for kind in EVENT_TYPES.values() if kind in found}
    finally:
        system.close()
