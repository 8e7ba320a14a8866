"""The stored tree on both stores: contiguous leaves, RFC roots, tamper detection."""

from __future__ import annotations

import re
import threading

import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from ledger.log import iter_entries, iter_log
from tests.helpers import Tokens, seed, wait_for
from transparency import merkle, note
from transparency.follower import TreeBuilder
from transparency.leaves import leaf_bytes, leaf_record, read_once
from transparency.service import TransparencyLog
from transparency.store import StaleHead, TreeStore


@pytest.fixture
def seeded(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    client = app.test_client()
    tokens = Tokens(store_system)
    return seed(client, tokens), client, tokens


def _env(settings) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_LOG_NAME": settings.log_name,
    }


def _burn_positions(system, count: int) -> None:
    """PostgreSQL: make a gap in log positions, as a rejected append does."""
    table = f"{system.db.prefix}{system.store.ledger.recorder.events_table_name}"
    with system.db.transaction(write=True) as cur:
        for _ in range(count):
            cur.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))")


def test_one_contiguous_leaf_per_event_with_the_rfc_root(store_settings, store_system, seeded):
    seeded_work, client, tokens = seeded
    builder = TreeBuilder(store_system.log, store_system.db, store_settings, batch=3)
    builder.catch_up()
    if store_system.db.dialect == "postgres":
        _burn_positions(store_system, 5)
        seed(client, tokens, slug="busan-2026")
    head = builder.catch_up()

    events = list(iter_log(store_system.log))
    leaves = list(TreeStore(store_system.db).iter_leaves(below=head.size))
    assert head.size == len(events) == len(leaves) and head.position == events[-1]["position"]
    assert [row["idx"] for row in leaves] == list(range(len(events)))
    assert [row["position"] for row in leaves] == [env["position"] for env in events]
    if store_system.db.dialect == "postgres":
        positions = [env["position"] for env in events]
        assert positions[-1] - positions[0] + 1 > len(positions)  # the log has a gap
    expected = [merkle.leaf_hash(leaf_bytes(env)) for env in events]
    assert head.root == merkle.root_of(expected)
    store = TreeStore(store_system.db)
    for size in (1, 2, 5, len(events)):
        assert store.root_at(size) == merkle.root_of(expected[:size])


def test_verify_store_names_the_first_event_whose_bytes_changed(
    store_settings, store_system, seeded
):
    TreeBuilder(store_system.log, store_system.db, store_settings).catch_up()
    signer = note.load_or_create_signer(store_settings.signing_key_file, store_settings.log_name)
    TransparencyLog(store_system.db, signer).checkpoint()
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", "store"], env=_env(store_settings))
    assert ok.exit_code == 0, ok.output
    assert "signature verified" in ok.output

    db = store_system.db
    table = f"{{t}}{store_system.store.ledger.recorder.events_table_name}"
    id_column = "rowid" if db.dialect == "sqlite" else "notification_id"
    rows = db.fetchall(
        f"SELECT {id_column} AS notification_id, state FROM {table} ORDER BY {id_column}"
    )
    victim = next(r for r in rows if b"Han River" in bytes(r["state"]))
    changed = bytes(victim["state"]).replace(b"Han River", b"Han Rivet")  # one byte
    db.execute(
        f"UPDATE {table} SET state = ? WHERE {id_column} = ?", (changed, victim["notification_id"])
    )

    bad = runner.invoke(main, ["verify", "store"], env=_env(store_settings))
    assert bad.exit_code == 1
    index = [r["notification_id"] for r in rows].index(victim["notification_id"])
    position = victim["notification_id"]
    assert re.search(rf"leaf index {index} \(log position {position}\)", bad.output)


def test_verify_store_detects_a_rewritten_tree_node(store_settings, store_system, seeded):
    head = TreeBuilder(store_system.log, store_system.db, store_settings).catch_up()
    store_system.db.execute(
        "UPDATE {t}tlog_nodes SET hash = ? WHERE id = ?",
        (bytes(32), merkle.stored_index(1, 1)),  # the node over leaves 2 and 3
    )
    assert head.size > 4
    bad = CliRunner().invoke(main, ["verify", "store"], env=_env(store_settings))
    assert bad.exit_code == 1
    assert "leaf index 3: stored tree node" in bad.output


def test_verify_store_checks_every_recorded_checkpoint(store_settings, store_system, seeded):
    builder = TreeBuilder(store_system.log, store_system.db, store_settings, batch=2)
    signer = note.load_or_create_signer(store_settings.signing_key_file, store_settings.log_name)
    sizes = []
    while builder.step():
        sizes.append(TransparencyLog(store_system.db, signer).checkpoint().head.size)
    assert len(sizes) >= 3
    paged = TreeStore(store_system.db).iter_checkpoints(below=sizes[-1] + 1, page=1)
    assert [int(row["size"]) for row in paged] == sizes  # streamed, one row a page
    ok = CliRunner().invoke(main, ["verify", "store"], env=_env(store_settings))
    assert ok.exit_code == 0, ok.output
    assert f"; {len(sizes)} checkpoints match; latest signed checkpoint (size {sizes[-1]})" in (
        ok.output
    )

    root = store_system.db.fetchone(
        "SELECT root FROM {t}tlog_checkpoints WHERE size = ?", (sizes[1],)
    )["root"]
    store_system.db.execute(
        "UPDATE {t}tlog_checkpoints SET root = ? WHERE size = ?", ("00" * 32, sizes[1])
    )
    bad = CliRunner().invoke(main, ["verify", "store"], env=_env(store_settings))
    assert bad.exit_code == 1
    assert f"MISMATCH: checkpoint at size {sizes[1]}: its root differs" in bad.output

    store_system.db.execute(
        "UPDATE {t}tlog_checkpoints SET root = ? WHERE size = ?", (root, sizes[1])
    )
    store_system.db.execute(
        "INSERT INTO {t}tlog_checkpoints (size, root, note) VALUES (?, ?, ?)",
        (sizes[-1] + 1, "00" * 32, "x"),
    )
    beyond = CliRunner().invoke(main, ["verify", "store"], env=_env(store_settings))
    assert beyond.exit_code == 1
    assert f"MISMATCH: checkpoint at size {sizes[-1] + 1} is beyond the tree" in beyond.output


def test_leaves_hold_commitments_never_email_or_statement(settings, system, client, tokens):
    seed(client, tokens)
    head = TreeBuilder(system.log, system.db, settings).catch_up()
    leaves = [row["leaf"] for row in TreeStore(system.db).iter_leaves(below=head.size)]
    text = "\n".join(leaves)
    for secret in ("kim@example.org", "I work with moving image", "Made in Seoul."):
        assert secret not in text
    assert '"email_commitment":' in text and '"statement_commitment":' in text
    events = list(iter_log(system.log))
    assert [leaf.encode() for leaf in leaves] == [leaf_bytes(env) for env in events]


def test_verify_stores_one_pass_reads_what_every_reader_reads(store_system, seeded):
    """`read_once` skips the log's decode cache, not an event nor a field
    (PostgreSQL: across a gap in positions too)."""
    _, client, tokens = seeded
    if store_system.db.dialect == "postgres":
        _burn_positions(store_system, 3)
        seed(client, tokens, slug="busan-2026")
    expected = list(iter_entries(store_system.log))
    for after, page in ((0, 1000), (0, 3), (expected[4].position, 7)):
        got = list(read_once(store_system.log, after, page))
        wanted = [entry for entry in expected if entry.position > after]
        assert [e.position for e in got] == [e.position for e in wanted]
        assert [e.envelope for e in got] == [e.envelope for e in wanted]


def test_a_builder_with_a_stale_head_appends_nothing(store_settings, store_system, seeded):
    store = TreeStore(store_system.db)
    stale = store.head()
    head = TreeBuilder(store_system.log, store_system.db, store_settings, batch=4).catch_up()
    entries = list(iter_entries(store_system.log))[:2]
    with pytest.raises(StaleHead):
        store.append(stale, [leaf_record(entry) for entry in entries])
    assert store.head() == head


def test_two_builders_racing_with_writers_keep_leaves_contiguous(
    store_settings, store_system, seeded
):
    _, client, tokens = seeded
    stop = threading.Event()
    builders = [
        TreeBuilder(store_system.log, store_system.db, store_settings, batch=2) for _ in range(2)
    ]
    for builder in builders:  # no lease: both really race on the tree head
        builder.lease.acquire = lambda: True  # type: ignore[method-assign]
    threads = [threading.Thread(target=b.run, args=(stop,)) for b in builders]
    for thread in threads:
        thread.start()
    try:
        for city in ("busan", "daegu"):
            seed(client, tokens, slug=f"{city}-2026")
        wait_for(
            "the builders to catch up",
            lambda: TreeStore(store_system.db).head().position >= store_system.log.head(),
            timeout=20,
            interval=0.05,
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    result = CliRunner().invoke(main, ["verify", "store"], env=_env(store_settings))
    assert result.exit_code == 0, result.output
