"""The demo program: the first edition, 21 artists in Seoul, two tools (the
video model's disclosure updated mid-program), works and one exhibition.
Loaded through the same commands the API uses. Each work's content hash is
the true SHA-256 of its demo file (`api.demo_files`), which `load_demo`
writes when given a directory, so a visitor can verify a real file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from api import demo_files
from api.bootstrap import System
from ledger import commands as c
from ledger import errors
from ledger.actors import Actor, Role

SLUG = "seoul-2026"
STAFF = Actor("demo-loader", Role.STAFF)

ARTISTS = [
    "Kim Seo-yeon",
    "Lee Ji-ho",
    "Park Min-jun",
    "Choi Yu-na",
    "Jung Ha-eun",
    "Kang Do-hyun",
    "Yoon Soo-ah",
    "Jang Woo-jin",
    "Lim Chae-won",
    "Han Ji-woo",
    "Oh Se-jin",
    "Seo Yeon-woo",
    "Shin Ye-jin",
    "Kwon Tae-yang",
    "Hwang Bo-ra",
    "Ahn Hyun-seo",
    "Song Min-seo",
    "Jeon Ga-eun",
    "Hong Jae-won",
    "Yoo Na-rae",
    "Moon Da-in",
]
DECLINED = ["Baek Sung-min", "Nam Ji-an", "Ryu Hae-won"]

TOOLS = [
    {
        "tool": "video",
        "name": "Motion (video generation model)",
        "provider": "Example Video Lab",
        "version": "2.1",
        "capabilities": ["text-to-video clips up to 10 s", "image-to-video", "720p at 24 fps"],
        "limitations": [
            "no likeness of real people",
            "watermarked output",
            "weak on legible text in frame",
            "200 generations per artist per day",
        ],
    },
    {
        "tool": "image",
        "name": "Still (image generation model)",
        "provider": "Example Image Lab",
        "version": "5.0",
        "capabilities": ["text-to-image up to 2048 px", "inpainting", "style reference"],
        "limitations": [
            "no likeness of real people",
            "C2PA manifest embedded",
            "training data disclosed at category level only",
        ],
    },
]

# Half-way through the cohort the video model's provider publishes a new
# version; the artists after that use it. Works keep the disclosure in force
# for the version they used.
VIDEO_UPDATE = {
    "tool": "video",
    "version": "2.2",
    "capabilities": [
        "text-to-video clips up to 10 s",
        "image-to-video",
        "720p and 1080p at 24 fps",
    ],
    "limitations": [
        "no likeness of real people",
        "watermarked output",
        "200 generations per artist per day",
    ],
}
UPDATED_AT = 10  # the participant whose generations come first after the update

TITLES = [
    "Han River at Blue Hour",
    "Jongno Night Market",
    "Memory of Namsan",
    "Seongsu Loops",
    "Rain on Hanok Roofs",
    "The Last Bus to Incheon",
    "Bukhansan Breath",
    "Euljiro Signals",
    "Cheonggyecheon Reflections",
    "Mangwon Afternoon",
    "Dongdaemun Fabric Dreams",
    "Itaewon Echoes",
    "Gwanghwamun Dawn",
    "Seoul Forest Mycelium",
    "Hongdae Static",
]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DemoTaken(Exception):
    """Another process opened the demo program first (it saw the store empty too)."""


def load_if_empty(
    system: System, echo: Callable[[str], None] = print, works_dir: Path | None = None
) -> bool:
    """Load the demo into an empty store; False, loading nothing, when the
    store is not empty or another process (a second `serve --demo` started
    at the same moment) is loading it."""
    if system.log.head():
        return False
    try:
        load_demo(system, echo=echo, works_dir=works_dir)
    except DemoTaken:
        return False
    return True


def load_demo(
    system: System, echo: Callable[[str], None] = print, works_dir: Path | None = None
) -> dict[str, str]:
    """Load the demo; with `works_dir`, write the works' files there too.
    `DemoTaken` when its program was opened by someone else first."""
    run = system.bus.handle
    today = system.store.ledger.clock().date()
    starts = today - timedelta(days=10)
    try:
        run(
            c.OpenProgram(
                SLUG,
                "AI Tools Residency — Seoul, first edition",
                "Seoul",
                starts,
                starts + timedelta(days=30),
                21,
            ),
            STAFF,
        )
    except (errors.SlugTaken, errors.ConcurrencyConflict) as error:
        raise DemoTaken(str(error)) from error  # nothing of ours was written
    for tool in TOOLS:
        run(c.RegisterTool(program=SLUG, **tool), STAFF)

    participants: list[tuple[str, UUID]] = []
    for n, name in enumerate(ARTISTS + DECLINED):
        handle = name.split()[-1].lower().replace("-", "")
        statement = (
            f"{name} works with moving image, archives and the city of Seoul (statement {n})."
        )
        submitted = run(
            c.SubmitApplication(
                SLUG,
                name,
                f"{handle}@artists.example.org",
                f"https://portfolio.example.org/{handle}",
                statement,
            ),
            STAFF,
        )
        application_id = submitted.result.id
        if name in DECLINED:
            run(c.DeclineApplication(application_id, "cohort full for this edition"), STAFF)
            continue
        run(c.AdmitApplicant(application_id), STAFF)
        participants.append((name, application_id))

    expires = system.store.ledger.clock() + timedelta(days=20)
    exhibition = run(
        c.ScheduleExhibition(
            SLUG,
            "Synthetic Seoul",
            "Seoul Design Foundation, DDP Gallery 3",
            starts + timedelta(days=32),
            starts + timedelta(days=60),
            "Seoul Design Foundation",
        ),
        STAFF,
    )
    for n, (name, pid) in enumerate(participants):
        artist = Actor(f"demo-artist-{n}", Role.ARTIST, pid)
        if n == UPDATED_AT:
            run(c.UpdateToolDisclosure(program=SLUG, **VIDEO_UPDATE), STAFF)
        generations = []
        for tool in TOOLS:
            run(c.GrantTool(pid, tool["tool"], expires), STAFF)
            media = "video/mp4" if tool["tool"] == "video" else "image/png"
            updated = tool["tool"] == "video" and n >= UPDATED_AT
            version = VIDEO_UPDATE["version"] if updated else tool["version"]
            recorded = run(
                c.RecordGeneration(
                    pid,
                    tool["tool"],
                    version,
                    _sha(f"{name}/{tool['tool']}/out"),
                    media,
                    _sha(f"{name}/{tool['tool']}/prompt"),
                ),
                artist,
            )
            generations.append(recorded.result.id)
        if n < len(TITLES):
            declared = run(
                c.DeclareOwnership(
                    TITLES[n],
                    demo_files.sha256(demo_files.artwork(TITLES[n])),
                    tuple(generations),
                    f"{TITLES[n]} was made by {name} during the residency.",
                ),
                artist,
            )
            if n % 2 == 0:
                run(c.HangWork(exhibition.result.id, declared.result.id), STAFF)

    store = system.tokens
    issued = {
        "staff": store.create(Role.STAFF, name="demo staff").token,
        "auditor": store.create(Role.AUDITOR, name="demo auditor").token,
        "partner": store.create(Role.PARTNER, name="Seoul Design Foundation").token,
        "artist": store.create(Role.ARTIST, participants[0][1], name="demo artist").token,
    }
    echo(
        f"demo program {SLUG!r} loaded: {len(participants)} artists admitted, "
        f"{min(len(participants), len(TITLES))} works declared, 1 exhibition "
        f"(log position {system.log.head()})"
    )
    echo(f"artist token acts for {participants[0][0]} (participant {participants[0][1]})")
    for role, token in issued.items():
        echo(f"  {role:<8} {token}")
    if works_dir is not None:
        declared = TITLES[: len(participants)]
        demo_files.write(works_dir, declared)
        echo(f"the demo works' files ({len(declared)} PNG images) are in {works_dir.resolve()}")
        echo("(drop one on the site's /verify page: your browser verifies who declared it)")
    return issued
