"""The `labledger` CLI as an operator uses it."""

from __future__ import annotations

import hashlib
import re
import signal
import subprocess
import time
import uuid

import psycopg
import requests

from tests.helpers import PG_DSN, require_postgres
from tests.integration.conftest import BIN, cli_env, labledger, start_server, stop_server


def test_tokens_create_prints_the_token_alone_on_the_last_line(sqlite_url, tmp_path):
    env = cli_env(sqlite_url, tmp_path)
    labledger(env, "db", "init")
    out = labledger(env, "tokens", "create", "--role", "auditor", "--name", "KAIST audit").stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("llt_") and " " not in token and len(token) > 40
    listing = labledger(env, "tokens", "list").stdout
    assert "auditor" in listing and "KAIST audit" in listing and token not in listing


def test_revoked_token_stops_working(sqlite_url, tmp_path):
    env = cli_env(sqlite_url, tmp_path)
    labledger(env, "db", "init")
    created = labledger(env, "tokens", "create", "--role", "staff").stdout.splitlines()
    token_id = created[0].split()[3]
    server = start_server(sqlite_url, tmp_path, "--workers", "1", "--no-dispatcher")
    try:
        headers = {"Authorization": f"Bearer {created[-1]}"}
        roster = f"{server.base}/v1/programs/x/roster"  # a staff read (programs are public)
        assert requests.get(roster, headers=headers, timeout=5).status_code == 404
        labledger(env, "tokens", "revoke", token_id)
        assert requests.get(roster, headers=headers, timeout=5).status_code == 401
    finally:
        stop_server(server.process)


def test_artist_token_needs_a_known_participant(sqlite_url, tmp_path):
    env = cli_env(sqlite_url, tmp_path)
    labledger(env, "db", "init")
    missing = labledger(env, "tokens", "create", "--role", "artist", check=False)
    assert missing.returncode != 0 and "--participant" in missing.stderr
    unknown = labledger(
        env,
        "tokens",
        "create",
        "--role",
        "artist",
        "--participant",
        "00000000-0000-4000-8000-000000000000",
        check=False,
    )
    assert unknown.returncode != 0 and "not found" in unknown.stderr


def test_demo_loads_21_artists_once_and_prints_tokens(sqlite_url, tmp_path):
    env = cli_env(sqlite_url, tmp_path)
    out = labledger(env, "demo", "load").stdout
    tokens = {
        line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("  ")
    }
    assert set(tokens) == {"staff", "auditor", "partner", "artist"}
    again = labledger(env, "demo", "load", check=False)
    assert again.returncode == 1 and "not empty" in again.stderr
    head = re.search(r"\(log position (\d+)\)", out)
    assert head is not None, out
    server = start_server(sqlite_url, tmp_path, "--workers", "1", "--no-dispatcher")
    try:
        program = requests.get(
            f"{server.base}/v1/programs/seoul-2026?min_position={head[1]}", timeout=10
        ).json()
        assert program["city"] == "Seoul" and program["seats_used"] == 21
        assert {t["tool"] for t in program["tools"]} == {"video", "image"}
        assert all(t["limitations"] for t in program["tools"])
        # The demo wrote its works' files beside the store, and declared their true hashes.
        files = sorted((tmp_path / "demo" / "works").glob("*.png"))
        assert f"are in {files[0].parent}" in out and len(files) == 15
        for path in files[:3]:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            query = f"sha256={digest}&min_position={head[1]}"
            found = requests.get(f"{server.base}/v1/works?{query}", timeout=10).json()
            assert len(found["items"]) == 1, path.name
    finally:
        stop_server(server.process)


def test_projections_run_keeps_views_and_the_tree_current_and_stops_on_sigterm(
    sqlite_url, tmp_path
):
    import signal
    import subprocess
    import time

    from api.bootstrap import bootstrap
    from tests.helpers import make_settings
    from tests.integration.conftest import BIN
    from transparency.store import TreeStore

    env = cli_env(sqlite_url, tmp_path)
    labledger(env, "demo", "load")
    system = bootstrap(make_settings(sqlite_url, tmp_path))
    head = system.log.head()
    process = subprocess.Popen([str(BIN / "labledger"), "projections", "run"], env=env)
    try:
        models, tree = system.read_models, TreeStore(system.db)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            views = [models.position(name) for name in ("roster", "registry", "audit")]
            if min(views) == head and tree.head().position == head:
                break
            time.sleep(0.2)
        assert views == [head] * 3
        assert tree.head().position == head and tree.head().size == head
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        system.close()


def test_db_init_on_postgresql_creates_the_urls_schema_and_says_what_is_wrong_in_one_line(
    tmp_path,
):
    """An operator's first `db init` on a new server: the schema named in the
    URL is created; a missing database, a server that is down or a schema
    never made are each one line naming the reason, not a traceback after
    the pool's five-second timeout."""
    require_postgres()
    schema = "lt_" + uuid.uuid4().hex[:12]
    url = f"{PG_DSN}?schema={schema}"
    try:
        missing = labledger(cli_env(url, tmp_path), "tokens", "list", check=False)
        assert missing.returncode == 1 and "Traceback" not in missing.stderr
        assert f"schema '{schema}' does not exist (`labledger db init` creates it)" in (
            missing.stderr
        )
        made = labledger(cli_env(url, tmp_path), "db", "init")
        assert "schema ready" in made.stdout
        assert labledger(cli_env(url, tmp_path), "tokens", "list").returncode == 0
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    server = PG_DSN.rsplit("/", 1)[0]
    for url, reason in (
        (f"{server}/lt_no_such_database", 'database "lt_no_such_database" does not exist'),
        ("postgresql://postgres@127.0.0.1:1/test", "Connection refused"),
    ):
        started = time.monotonic()
        failed = labledger(cli_env(url, tmp_path), "db", "init", check=False)
        assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr
        assert failed.stderr.startswith("Error: cannot use the database at ")
        assert reason in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
        assert time.monotonic() - started < 4.5  # not the pool's timeout


def test_projections_run_help_names_everything_it_runs(sqlite_url, tmp_path):
    """The views (catalog and generations too), the tree and the witnesses'
    cosigning: what `System.workers(followers=True)` starts."""
    from projections.service import NAMES

    out = " ".join(
        labledger(cli_env(sqlite_url, tmp_path), "projections", "run", "--help").stdout.split()
    )
    assert f"({', '.join(NAMES)})" in out and {"catalog", "generations"} <= set(NAMES)
    assert (
        "the transparency tree" in out and "ask each witness in LEDGER_WITNESSES to cosign" in out
    )


def test_a_participant_on_a_token_not_an_artists_is_refused_for_its_role_first(
    sqlite_url, tmp_path
):
    """The role rule is named whether or not the participant exists."""
    env = cli_env(sqlite_url, tmp_path)
    labledger(env, "db", "init")
    unknown = "00000000-0000-4000-8000-000000000000"
    refused = labledger(
        env, "tokens", "create", "--role", "staff", "--participant", unknown, check=False
    )
    assert refused.returncode == 2, refused.stderr
    assert "only artist tokens act for a participant" in refused.stderr
    assert "not found" not in refused.stderr


def test_a_serve_started_elsewhere_refuses_to_sign_with_a_second_key(sqlite_url, tmp_path):
    """A second `serve` on the same database from another directory found no
    ./var/log-signing.key there and made a second key; it stops instead."""

    from tests.helpers import PROGRAM
    from tests.integration.conftest import free_port

    server = start_server(sqlite_url, tmp_path, "--workers", "1", "--no-dispatcher")
    try:
        written = requests.post(
            f"{server.base}/v1/programs", json=PROGRAM, headers=server.token("staff"), timeout=10
        )
        position = written.json()["position"]
        checkpoint = f"{server.base}/v1/transparency/checkpoint?min_position={position}"
        deadline = time.monotonic() + 30
        while requests.get(checkpoint, timeout=10).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        stop_server(server.process)
    _refused_elsewhere(
        cli_env(sqlite_url, tmp_path), tmp_path, "serve", "--bind", f"127.0.0.1:{free_port()}"
    )


def test_projections_run_refuses_a_signing_key_that_did_not_sign_the_store(sqlite_url, tmp_path):
    """Its tree builder signs checkpoints too: from a directory without the
    key it stopped making a second one."""
    env = cli_env(sqlite_url, tmp_path)
    labledger(env, "demo", "load")
    signing = subprocess.Popen([str(BIN / "labledger"), "projections", "run"], env=env)
    try:
        deadline = time.monotonic() + 30
        while "signature verified" not in labledger(env, "verify", "store", check=False).stdout:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        signing.send_signal(signal.SIGTERM)
        signing.wait(timeout=20)
    _refused_elsewhere(env, tmp_path, "projections", "run")


def _refused_elsewhere(env: dict[str, str], tmp_path, *command: str) -> None:
    """`command` started from a directory without the store's signing key
    (the default, ./var/log-signing.key, there) stops, and makes no key."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in env.items() if k != "LEDGER_SIGNING_KEY_FILE"}
    second = labledger(env, *command, check=False, cwd=elsewhere)
    assert second.returncode == 1, second.stderr
    assert "var/log-signing.key does not exist, but this store's checkpoints" in second.stderr
    assert not (elsewhere / "var" / "log-signing.key").exists()
