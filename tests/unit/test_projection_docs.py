"""Projection documents on a batching cursor (a follower's batch): a
document put for several events is written once, at the flush, and read
back as put until then."""

from __future__ import annotations

from ledger.database import Database
from projections import docs
from projections.docs import Docs, docs_table

TABLE = "proj_test_docs"


def test_a_document_put_for_each_event_of_a_batch_is_written_once():
    db = Database.memory()
    with db.transaction(write=True) as cur:
        for statement in docs_table(TABLE).create(cur.dialect):
            cur.execute(statement)
        cur.execute(
            f"INSERT INTO {TABLE} (gen, kind, id, doc) VALUES (1, 'p', 'b', '{{\"n\": 0}}')"
        )
    statements: list[str] = []
    with db.transaction(write=True) as cur:
        execute = cur.execute
        cur.execute = lambda sql, params=(): (statements.append(sql), execute(sql, params))[1]
        docs.batch(cur)
        for n in range(1, 4):  # three events change one participant's document
            Docs(cur, TABLE, 1).put("p", "a", {"n": n})
        assert Docs(cur, TABLE, 1).get("p", "a") == {"n": 3}
        assert Docs(cur, TABLE, 1).many("p", ["a", "b", "c"]) == {"a": {"n": 3}, "b": {"n": 0}}
        assert not [s for s in statements if s.startswith("INSERT")]
        docs.flush(cur)
    with db.transaction() as cur:
        rows = cur.all(f"SELECT id, doc FROM {TABLE} ORDER BY id")
    assert rows == [{"id": "a", "doc": '{"n":3}'}, {"id": "b", "doc": '{"n": 0}'}]
