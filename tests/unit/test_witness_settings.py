"""LEDGER_WITNESSES: `URL VKEY` entries and an optional quorum in one variable;
a malformed one stops the CLI with the reason, before anything starts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from api.cli import main
from ledger.settings import Settings, WitnessSetting
from transparency import cosignature
from transparency.witnesses import WitnessPolicy

W1 = cosignature.Cosigner("w1.example/witness", bytes([1] * 32)).key
W2 = cosignature.Cosigner("w2.example/witness", bytes([2] * 32)).key


def from_env(value: str) -> Settings:
    return Settings.from_env({"LEDGER_WITNESSES": value})


def test_witnesses_and_a_quorum_fit_one_variable():
    settings = from_env(f"quorum=1; https://w1.example/ {W1.vkey}; https://w2.example/w {W2.vkey}")
    assert settings.witnesses == (
        WitnessSetting("https://w1.example", W1.vkey),
        WitnessSetting("https://w2.example/w", W2.vkey),
    )
    assert settings.witness_quorum == 1
    policy = WitnessPolicy.from_settings(settings)
    assert [w.key for w in policy.witnesses] == [W1, W2] and policy.quorum == 1


def test_line_breaks_separate_entries_too_and_the_quorum_defaults_to_all():
    settings = from_env(f"\n  http://127.0.0.1:8100 {W1.vkey}\n http://[::1]:8101 {W2.vkey}\n")
    assert len(settings.witnesses) == 2 and settings.witness_quorum is None
    assert WitnessPolicy.from_settings(settings).quorum == 2
    assert WitnessPolicy.from_settings(Settings()).quorum == 0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (f"w1.example {W1.vkey}", "is not `URL VKEY`"),
        (f"https://w1.example/{W1.vkey}", "is not `URL VKEY`"),
        (f"quorum=2; https://w1.example {W1.vkey}", "a quorum of 2 needs at least 2 witnesses"),
        (f"quorum=x; https://w1.example {W1.vkey}", "is not one quorum=N"),
        (f"quorum=1; quorum=1; https://w1.example {W1.vkey}", "is not one quorum=N"),
        (f"https://a {W1.vkey}; https://b {W1.vkey}", "a witness key is listed twice"),
    ],
)
def test_a_malformed_value_is_refused_with_the_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        from_env(value)
    result = CliRunner().invoke(main, ["db", "init"], env={"LEDGER_WITNESSES": value})
    assert result.exit_code == 2 and reason in result.output


def test_a_key_that_is_not_a_witness_vkey_stops_db_init_and_serve(tmp_path):
    log_key = "log.example/log+01234567+AWByPg44WM2jpPfEF/8t7cvnsWvENj6S1KMJ4jaMnMhN"
    env = {
        "LEDGER_WITNESSES": f"https://w1.example {log_key}",
        "LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
    }
    for args in (["db", "init"], ["serve", "--bind", "127.0.0.1:1"]):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 1, result.output
        assert "LEDGER_WITNESSES: the key of https://w1.example is not a witness vkey" in (
            result.output
        )
    assert not (tmp_path / "ledger.sqlite3").exists()  # refused before the store was touched


def test_the_checkpoint_interval_and_witness_timeout_are_positive_seconds():
    settings = Settings.from_env(
        {"LEDGER_CHECKPOINT_INTERVAL": "300", "LEDGER_WITNESS_TIMEOUT": "2.5"}
    )
    assert (settings.checkpoint_interval, settings.witness_timeout) == (300.0, 2.5)
    assert Settings.from_env({}).checkpoint_interval == 1.0
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(ValueError, match="LEDGER_CHECKPOINT_INTERVAL"):
            Settings.from_env({"LEDGER_CHECKPOINT_INTERVAL": bad})


def test_every_seconds_setting_and_the_pool_size_name_themselves_when_malformed():
    """An operator's typo used to read "could not convert string to float:
    'abc'", or a traceback about POSTGRES_POOL_SIZE, a variable they never set."""
    for name in (
        "LEDGER_POLL_INTERVAL",
        "LEDGER_WEBHOOK_TIMEOUT",
        "LEDGER_WEBHOOK_DISABLE_AFTER",
        "LEDGER_WEBHOOK_RETRY_SCHEDULE",
    ):
        with pytest.raises(ValueError, match=f"^{name}: 'abc' is not a"):
            Settings.from_env({name: "abc"})
    assert Settings.from_env({"LEDGER_POLL_INTERVAL": "0.5"}).poll_interval == 0.5
    assert Settings.from_env({"LEDGER_WEBHOOK_RETRY_SCHEDULE": "0,5"}).webhook_retry_schedule == (
        0.0,
        5.0,
    )
    env = {"LEDGER_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test?pool_size=abc"}
    result = CliRunner().invoke(main, ["tokens", "list"], env=env)
    assert result.exit_code == 1, result.output
    assert "pool_size in LEDGER_DATABASE_URL: 'abc' is not a number of connections" in (
        result.output
    )


def test_a_database_file_that_cannot_be_opened_is_one_line_naming_it(tmp_path):
    """A store on a read-only mount (or a path that is a folder, or under a
    file) gave a traceback from sqlite3 or os for every command."""
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder.sqlite3").mkdir()
    for path in (tmp_path / "a-file" / "ledger.sqlite3", tmp_path / "a-folder.sqlite3"):
        env = {"LEDGER_DATABASE_URL": f"sqlite:///{path}"}
        for args in (["db", "init"], ["tokens", "list"]):
            result = CliRunner().invoke(main, args, env=env)
            assert result.exit_code == 1, (args, result.output, result.exception)
            assert result.output.startswith(f"Error: cannot open the database at sqlite:///{path}")
            assert len(result.output.strip().splitlines()) == 1, result.output
