"""The rebuild reads the log in pages, each an index scan that stops at the
page's limit, whatever the planner last counted.

Right after a burst of saves (a bulk import), PostgreSQL's statistics still
describe the log as it was at the last ANALYZE, and a page's query was
planned as a bitmap scan of every row from the page's start to the head
and a sort of them all: the rest of the log sorted for each page, until
psycopg's prepared statement went over to the generic plan. Seeded with a
quarter of a million events and rebuilt at once (bench_scale.py), the
rebuild's reading ran at 23,500 events/s where a plain scan read 177,000;
with the statistics refreshed first, 55,700-58,100.
"""

from __future__ import annotations

from typing import Any

import pytest

from projections import bulk
from tests.helpers import make_settings, open_system
from tests.integration.projection_support import grow, open_program


def _nodes(plan: dict[str, Any]) -> list[str]:
    return [plan["Node Type"], *(n for p in plan.get("Plans", []) for n in _nodes(p))]


@pytest.mark.postgres
def test_each_page_is_an_index_scan_that_stops_at_its_limit_on_postgresql(
    pg_url, tmp_path, monkeypatch
):
    """The statistics of an empty log, then 1,300 events saved: each page the
    rebuild asks for, as PostgreSQL plans it after the rebuild began, is an
    index scan under the limit, never a sort of the rows to the head."""
    system = open_system(make_settings(pg_url, tmp_path))
    try:
        recorder = system.log.recorder
        table = f"{recorder.datastore.schema}.{recorder.events_table_name}"
        with recorder.datastore.get_connection() as conn:
            conn.execute(f"ANALYZE {table}")
        open_program(system)
        grow(system, 200)
        head = system.log.head()
        asked: list[tuple[int, int, int]] = []
        select = recorder.select_notifications

        def recorded(start: int, limit: int, stop: int | None = None, **kwargs: Any) -> Any:
            asked.append((start, limit, stop if stop is not None else head))
            return select(start, limit, stop, **kwargs)

        monkeypatch.setattr(recorder, "select_notifications", recorded)
        pages = list(bulk.pages(system.log, head, size=200))
        assert [e["position"] for page in pages for e in page] == list(range(1, head + 1))

        long_ranges = [a for a in asked if a[2] - a[0] + 1 > 2 * a[1]]  # all but the last two
        assert len(long_ranges) == len(asked) - 2 > 3
        with recorder.datastore.get_connection() as conn:
            for start, limit, stop in long_ranges:
                (plan,) = conn.execute(
                    f"EXPLAIN (FORMAT JSON) SELECT * FROM {table} WHERE notification_id >= %s "
                    "AND notification_id <= %s ORDER BY notification_id LIMIT %s",
                    (start, stop, limit),
                ).fetchone()["QUERY PLAN"]
                assert _nodes(plan["Plan"]) == ["Limit", "Index Scan"], (start, stop, plan)
    finally:
        system.close()


def test_pages_stop_at_the_head_they_were_given(store_system):
    """Events written after the pass began are left to the followers."""
    open_program(store_system)
    grow(store_system, 3)
    head = store_system.log.head()
    grow(store_system, 2, start=3)
    read = [e["position"] for page in bulk.pages(store_system.log, head, size=4) for e in page]
    assert read == list(range(1, head + 1))
    assert store_system.log.head() > head
