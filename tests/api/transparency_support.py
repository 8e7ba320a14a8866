"""The state most transparency tests start from: the seeded ledger, its tree built."""

from __future__ import annotations

from typing import Any

from tests.helpers import Seeded, seed
from transparency.follower import TreeBuilder


def seed_and_build(settings: Any, system: Any, client: Any, tokens: Any) -> tuple[Seeded, Any]:
    seeded = seed(client, tokens)
    head = TreeBuilder(system.log, system.db, settings).catch_up()
    return seeded, head
