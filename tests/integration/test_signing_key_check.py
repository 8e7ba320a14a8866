"""`serve` first checks that its signing key signed the store's checkpoints:
a server started from another directory made a second key in its own
./var and signed checkpoints no verifier pinned to the first accepts, and a
damaged key failed only at the first checkpoint, as 500s."""

from __future__ import annotations

import shutil
from dataclasses import replace

import click
import pytest

from api.app import create_app
from api.bootstrap import prepare
from tests.helpers import Tokens, open_system, seed
from transparency.follower import TreeBuilder
from transparency.note import Signer


def _signed_store(store_settings):
    system = open_system(store_settings)
    try:
        seed(create_app(store_settings, system=system).test_client(), Tokens(system))
        builder = TreeBuilder(system.log, system.db, system.settings)
        builder.sign(builder.catch_up())
    finally:
        system.close()


def test_serve_refuses_a_key_that_did_not_sign_the_stores_checkpoints(store_settings, tmp_path):
    _signed_store(store_settings)
    key = store_settings.signing_key_file
    prepare(store_settings, serving=True)  # its own key: served

    elsewhere = replace(store_settings, signing_key_file=tmp_path / "elsewhere" / "log.key")
    with pytest.raises(click.ClickException, match="does not exist, but this store's checkpoints"):
        prepare(elsewhere, serving=True)
    assert not elsewhere.signing_key_file.exists()  # no second key made

    other = Signer(store_settings.log_name, bytes(range(32)))
    elsewhere.signing_key_file.parent.mkdir()
    elsewhere.signing_key_file.write_text(other.skey)
    with pytest.raises(click.ClickException, match="did not sign this store's checkpoints"):
        prepare(elsewhere, serving=True)

    renamed = replace(store_settings, log_name="renamed.example/log")  # the key id covers it
    with pytest.raises(click.ClickException, match="did not sign"):
        prepare(renamed, serving=True)

    shutil.copy(key, elsewhere.signing_key_file)
    prepare(elsewhere, serving=True)  # the same key, wherever it is kept

    elsewhere.signing_key_file.write_text("garbage\n")
    with pytest.raises(click.ClickException, match="cannot be read"):
        prepare(elsewhere, serving=True)


def test_a_new_store_is_served_and_its_key_made_on_first_use(store_settings):
    prepare(store_settings, serving=True)
    assert not store_settings.signing_key_file.exists()
