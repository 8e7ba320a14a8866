"""Reads the console needs that the read models do not offer yet.

A participant's generations: issue 11 adds a generations view
(`ReadModels.generations`, `GET /v1/participants/{id}/generations`); until it
lands on this branch they are read from the log itself through the event
feed (`projections.feed`), page by page. Re-point `generations_of` to the
view when it is there: its callers take (items, cursor) alike.
"""

from __future__ import annotations

from typing import Any

from api.services import system
from projections.feed import feed

GENERATION = "generation.recorded"
SCAN = 1000


def _generation(env: dict[str, Any]) -> dict[str, Any]:
    data = env["data"]
    return {
        "id": env["aggregate_id"],
        "position": env["position"],
        "program": data["program"],
        "tool": data["tool"],
        "tool_version": data["tool_version"],
        "output_sha256": data["output_sha256"],
        "media_type": data["media_type"],
        "prompt_sha256": data.get("prompt_sha256"),
        "generated_at": data["generated_at"],
    }


def generations_of(participant_id: str) -> list[dict[str, Any]]:
    """Every generation the participant recorded, oldest first."""
    found: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page, after = feed(system().log, after, SCAN, {GENERATION})
        found += [_generation(env) for env in page if env["data"]["participant"] == participant_id]
    return found
