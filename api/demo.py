"""The demo program: the first edition, 21 artists in Seoul, two tools, works
and one exhibition. Loaded through the same commands the API uses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from ledger.application import Actor, Ledger
from ledger.tokens import TokenStore

SLUG = "seoul-2026"
STAFF = Actor("demo-loader", "staff")

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


def load_demo(ledger: Ledger, echo: Callable[[str], None] = print) -> dict[str, str]:
    today = ledger.clock().date()
    starts = today - timedelta(days=10)
    ledger.open_program(
        STAFF,
        SLUG,
        "AI Tools Residency — Seoul, first edition",
        "Seoul",
        starts.isoformat(),
        (starts + timedelta(days=30)).isoformat(),
        21,
    )
    for tool in TOOLS:
        ledger.register_tool(STAFF, SLUG, **tool)

    participants: list[tuple[str, UUID]] = []
    for n, name in enumerate(ARTISTS + DECLINED):
        handle = name.split()[-1].lower().replace("-", "")
        written = ledger.submit_application(
            STAFF,
            SLUG,
            name,
            f"{handle}@artists.example.org",
            f"https://portfolio.example.org/{handle}",
            f"{name} works with moving image, archives and the city of Seoul (statement {n}).",
        )
        application_id = UUID(written.body["id"])
        if name in DECLINED:
            ledger.decline_application(STAFF, application_id, "cohort full for this edition")
            continue
        ledger.admit_applicant(STAFF, application_id)
        participants.append((name, application_id))

    expires = ledger.clock() + timedelta(days=20)
    exhibition = ledger.schedule_exhibition(
        STAFF,
        SLUG,
        "Synthetic Seoul",
        "Seoul Design Foundation, DDP Gallery 3",
        (starts + timedelta(days=32)).isoformat(),
        (starts + timedelta(days=60)).isoformat(),
        "Seoul Design Foundation",
    )
    exhibition_id = UUID(exhibition.body["id"])
    for n, (name, pid) in enumerate(participants):
        artist = Actor(f"demo-artist-{n}", "artist", pid)
        generations = []
        for tool in TOOLS:
            ledger.grant_tool(STAFF, pid, tool["tool"], expires)
            media = "video/mp4" if tool["tool"] == "video" else "image/png"
            written = ledger.record_generation(
                artist,
                pid,
                tool["tool"],
                tool["version"],
                _sha(f"{name}/{tool['tool']}/out"),
                media,
                _sha(f"{name}/{tool['tool']}/prompt"),
                None,
            )
            generations.append(UUID(written.body["id"]))
        if n < len(TITLES):
            work = ledger.declare_ownership(
                artist,
                TITLES[n],
                _sha(f"{name}/work/{TITLES[n]}"),
                generations,
                f"{TITLES[n]} was made by {name} during the residency.",
            )
            if n % 2 == 0:
                ledger.hang_work(STAFF, exhibition_id, UUID(work.body["id"]))

    store = TokenStore(ledger.db)
    issued = {
        "staff": store.create("staff", name="demo staff").token,
        "auditor": store.create("auditor", name="demo auditor").token,
        "partner": store.create("partner", name="Seoul Design Foundation").token,
        "artist": store.create("artist", participants[0][1], name=participants[0][0]).token,
    }
    echo(
        f"demo program {SLUG!r} loaded: {len(participants)} artists admitted, "
        f"{min(len(participants), len(TITLES))} works declared, 1 exhibition "
        f"(log position {ledger.max_position()})"
    )
    echo(f"artist token acts for {participants[0][0]} (participant {participants[0][1]})")
    for role, token in issued.items():
        echo(f"  {role:<8} {token}")
    return issued
