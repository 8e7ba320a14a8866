"""`labledger` mounts every command where its group lives: the verifier's
superset `verify certificate` (witness cosignatures, quorum), `monitor` and
the witness's group. No store is opened for any of these."""

from __future__ import annotations

from click.testing import CliRunner

from api.cli import main
from tests.unit.tlog_support import certificate_with
from transparency import cosignature, note

LOG = note.Signer("cli.test/log", bytes(range(32)))
WITNESS = cosignature.Cosigner("cli.test/witness", bytes([3] * 32))
OTHER = cosignature.Cosigner("cli.test/other", bytes([4] * 32))


def test_verify_certificate_checks_witness_cosignatures_and_a_quorum(tmp_path):
    cert = tmp_path / "work.cert.json"
    cert.write_bytes(certificate_with(LOG, [WITNESS]))
    key_file = tmp_path / "witness.vkey"
    key_file.write_text(WITNESS.key.vkey + "\n")
    base = ["verify", "certificate", str(cert), "--key", LOG.verifier.vkey]
    ok = CliRunner().invoke(main, [*base, "--witness", str(key_file)])
    assert ok.exit_code == 0, ok.output
    assert "cosigned by 1 witness(es): cli.test/witness" in ok.output
    missing = CliRunner().invoke(main, [*base, "--witness", OTHER.key.vkey])
    assert missing.exit_code == 1 and "INVALID" in missing.output
    either = [*base, "--witness", WITNESS.key.vkey, "--witness", OTHER.key.vkey, "--quorum", "1"]
    assert CliRunner().invoke(main, either).exit_code == 0


def test_monitor_and_the_witness_group_are_mounted():
    monitor = CliRunner().invoke(main, ["monitor", "--help"])
    assert monitor.exit_code == 0 and "--quorum" in monitor.output and "--state" in monitor.output
    witness = CliRunner().invoke(main, ["witness", "--help"])
    assert witness.exit_code == 0 and "serve" in witness.output and "vkey" in witness.output
