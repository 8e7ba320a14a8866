"""The public bodies of the catalog's documents, with the names everyone may
see read now (an admitted participant's display name, a work's credit), so
the JSON API and the site's pages show one and the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.personal import Person


def tool(doc: dict[str, Any]) -> dict[str, Any]:
    """A tool with every disclosure, oldest first; the flat fields are the
    current (latest) one."""
    disclosures = doc["disclosures"]
    current = disclosures[-1] if disclosures else {}
    versions: list[str] = []
    for disclosure in disclosures:
        if disclosure["version"] not in versions:
            versions.append(disclosure["version"])
    return {
        "tool": doc["tool"],
        "name": doc["name"],
        "provider": doc["provider"],
        "version": current.get("version"),
        "capabilities": current.get("capabilities", []),
        "limitations": current.get("limitations", []),
        "versions": versions,
        "disclosures": disclosures,
    }


def participant(person_id: str, person: Person | None) -> dict[str, Any]:
    """A seat holder as everyone sees them: the display name, or erased."""
    return {
        "id": person_id,
        "display_name": person.public_name if person is not None else None,
        "erased": person is None,
    }


SHOWING = ("id", "title", "venue", "opens_on", "closes_on", "partner")


def program(
    doc: dict[str, Any], people: Mapping[str, Person], exhibitions: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    capacity, seats = doc["capacity"], doc["seats"]
    return {
        "id": doc["id"],
        "slug": doc["slug"],
        "name": doc["name"],
        "city": doc["city"],
        "starts_on": doc["starts_on"],
        "ends_on": doc["ends_on"],
        "opened_at": doc["opened_at"],
        "capacity": capacity,
        "seats_used": len(seats),
        "seats_left": max(capacity - len(seats), 0),
        "closed": doc["closed"],
        "tools": [tool(t) for t in doc["tools"]],
        "participants": [participant(seat, people.get(seat)) for seat in seats],
        "exhibitions": [
            {k: exhibitions[e][k] for k in SHOWING} | {"works": len(exhibitions[e]["works"])}
            for e in doc["exhibitions"]
            if e in exhibitions
        ],
    }


def exhibition(doc: dict[str, Any], works: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """An exhibition with the works hung in it, each with its credited name
    and whether its declaration still stands (`works`: registry entries with
    their names, by id)."""
    hung = []
    for shown in doc["works"]:
        work = works.get(shown["work_id"], {})
        hung.append(
            {
                "id": shown["work_id"],
                "title": work.get("title"),
                "content_sha256": work.get("content_sha256"),
                "owner": work.get("owner"),
                "credited_artist": shown["credited_artist"],
                "credited_name": work.get("credited_name"),
                "hung_at": shown["hung_at"],
                # Whether the declaration still stands: every list shows it.
                "status": work.get("status", "declared"),
                "retracted_at": work.get("retracted_at"),
                "disputed_at": work.get("disputed_at"),
            }
        )
    return {k: doc[k] for k in (*SHOWING, "program", "scheduled_at")} | {"works": hung}
