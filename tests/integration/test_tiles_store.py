"""Schema version 2 stores the log's full tiles: `db init` on a version-1 store
creates the table and fills it for the tree already built, on both stores."""

from __future__ import annotations

from api.bootstrap import init_store
from ledger import schema
from ledger.store import open_store
from tests.helpers import open_system
from tests.tiles_support import Tree, grow


def test_db_init_migrates_a_version_1_store_and_fills_its_full_tiles(store_settings):
    system = open_system(store_settings)
    tree = Tree()
    try:
        grow(system, tree, 600)
        system.db.execute("DROP TABLE {t}tlog_tiles")
        system.db.execute("DROP TABLE {t}tlog_cosignatures")
        system.db.execute("UPDATE {t}ledger_schema SET version = 1")
    finally:
        system.close()
    assert init_store(store_settings) == (1, schema.VERSION)
    store = open_store(store_settings)  # checked: at the current version now
    try:
        rows = store.db.fetchall("SELECT path, data FROM {t}tlog_tiles ORDER BY path")
        assert [(r["path"], bytes(r["data"])) for r in rows] == [
            ("tile/0/000", tree.tile(0, 0, 256)),
            ("tile/0/001", tree.tile(0, 1, 256)),
        ]
        assert store.db.fetchall("SELECT * FROM {t}tlog_cosignatures") == []
    finally:
        store.close()
