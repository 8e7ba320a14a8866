"""The demo program: the first edition, 21 artists in Seoul, two tools, works
and one exhibition. Loaded through the same commands the API uses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from api.bootstrap import System
from ledger import commands as c
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


def load_demo(system: System, echo: Callable[[str], None] = print) -> dict[str, str]:
    run = system.bus.handle
    today = system.store.ledger.clock().date()
    starts = today - timedelta(days=10)
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
        generations = []
        for tool in TOOLS:
            run(c.GrantTool(pid, tool["tool"], expires), STAFF)
            media = "video/mp4" if tool["tool"] == "video" else "image/png"
            recorded = run(
                c.RecordGeneration(
                    pid,
                    tool["tool"],
                    tool["version"],
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
                    _sha(f"{name}/work/{TITLES[n]}"),
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
    return issued
