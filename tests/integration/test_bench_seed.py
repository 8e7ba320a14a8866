"""The scale benchmark's bulk seeding writes what the application writes: one
Generation per event, each output in the index once, as the handler's own
side write would; the tree builder following it in its own process builds
the tree `verify store` accepts."""

from __future__ import annotations

import sys
from pathlib import Path

from transparency.checker import check_store

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import pipeline  # noqa: E402
import seed  # noqa: E402


def test_bulk_generations_index_every_output_like_their_handler(store_system):
    seed.generations(store_system, 230, batch=100, artists=3)
    assert store_system.log.head() == 230
    events = [entry.envelope for entry in store_system.log.entries(0, 1000)]
    recorded = [env for env in events if env["type"] == "generation.recorded"]
    rows = store_system.db.fetchall(
        "SELECT hash, participant, generation, version FROM {t}ledger_outputs"
    )
    by_hash = {row["hash"]: row for row in rows}
    assert len(recorded) > 200 and len(by_hash) == len(rows) == len(recorded)
    for env in recorded:
        row = by_hash[env["data"]["output_sha256"]]
        assert (row["participant"], row["generation"], row["version"]) == (
            env["data"]["participant"],
            env["aggregate_id"],
            1,
        )


def test_the_tree_builder_follows_the_seeding_to_a_verified_tree(store_settings, store_system):
    seed.program(store_system)
    built = pipeline.seed_and_build(store_system, store_settings, 400)
    assert built.events == store_system.log.head() >= 400
    assert built.leaves == built.events
    report = check_store(
        store_system.log, store_system.db, store_settings.signing_key_file, store_settings.log_name
    )
    assert report.size == built.events and report.signature_checked


def test_verify_stores_peak_memory_is_its_own_not_the_benchmarks(store_settings, store_system):
    """Linux counts the image a child was forked from in its peak RSS: run as
    a child of a large benchmark process, `verify store` reported that size."""
    seed.program(store_system)
    pipeline.seed_and_build(store_system, store_settings, 50)
    ballast = bytearray(300 * 1024 * 1024)  # this process, as after seeding a million events
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched: resident
    rate, peak_mb, _ = pipeline.verified(pipeline.start_verify(store_settings))
    del ballast
    assert rate > 0 and peak_mb < 200
