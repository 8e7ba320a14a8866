"""The log's full tiles are stored by the append that completes them, and
`verify store` checks every stored tile against the tree, on both stores."""

from __future__ import annotations

import re
from datetime import date

from click.testing import CliRunner

from api.cli import main
from ledger import commands as c
from ledger.actors import Actor, Role
from tests.helpers import open_system
from tests.tiles_support import Tree, grow
from transparency.follower import TreeBuilder

STAFF = Actor("staff-1", Role.STAFF)


def test_the_appends_that_complete_full_tiles_store_them(store_settings):
    system = open_system(store_settings)
    tree = Tree()
    try:
        grow(system, tree, 600)
        rows = system.db.fetchall("SELECT path, data FROM {t}tlog_tiles ORDER BY path")
        assert [(r["path"], bytes(r["data"])) for r in rows] == [
            ("tile/0/000", tree.tile(0, 0, 256)),
            ("tile/0/001", tree.tile(0, 1, 256)),
        ]
    finally:
        system.close()


def test_verify_store_checks_the_stored_full_tiles(store_settings, store_system):
    bus = store_system.bus
    bus.handle(
        c.OpenProgram("busan", "Busan", "Busan", date(2026, 3, 2), date(2026, 3, 31), 5), STAFF
    )
    for n in range(300):
        bus.handle(c.SubmitApplication("busan", f"A{n}", "a@example.org", "https://a", "s"), STAFF)
    builder = TreeBuilder(store_system.log, store_system.db, store_settings)
    builder.sign(builder.catch_up())
    env = {
        "LEDGER_DATABASE_URL": store_settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(store_settings.signing_key_file),
        "LEDGER_LOG_NAME": store_settings.log_name,
    }
    ok = CliRunner().invoke(main, ["verify", "store"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "301 leaves recomputed from the stored events match the stored tree and its 1 " in (
        ok.output
    )
    # How fast it checked, for an operator sizing a run over millions of leaves.
    assert re.search(r"^checked in \d+\.\d s \([\d,]+ leaves/s\)$", ok.output, re.M), ok.output
    store_system.db.execute("UPDATE {t}tlog_tiles SET data = ?", (bytes(8192),))
    bad = CliRunner().invoke(main, ["verify", "store"], env=env)
    assert bad.exit_code == 1
    assert "MISMATCH: the stored tile tile/0/000 differs from the tree's nodes" in bad.output
    store_system.db.execute("DELETE FROM {t}tlog_tiles")
    gone = CliRunner().invoke(main, ["verify", "store"], env=env)
    assert gone.exit_code == 1 and "the full tile tile/0/000 is missing" in gone.output
