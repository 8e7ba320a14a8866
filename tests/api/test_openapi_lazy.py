"""The OpenAPI document is built when first read, not by `create_app`
(api.openapi.Api): the same bytes as flask-smorest's own eager registration,
built once even when a worker's threads ask at once, and warmed by a
gunicorn worker before its first request."""

from __future__ import annotations

import gc
import threading
import time
from types import SimpleNamespace
from typing import Any

import flask_smorest
import pytest

from api import gunicorn_conf
from api.app import BLUEPRINTS, create_app
from api.openapi import Api


@pytest.fixture
def documented(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the blueprints documented so far, in order."""
    names: list[str] = []
    register = flask_smorest.Blueprint.register_views_in_doc

    def counted(blp: Any, *args: Any, **kwargs: Any) -> None:
        names.append(kwargs["name"])
        register(blp, *args, **kwargs)

    monkeypatch.setattr(flask_smorest.Blueprint, "register_views_in_doc", counted)
    return names


def _eager_document(settings, system, monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.setattr(Api, "register_blueprint", flask_smorest.Api.register_blueprint)
        return create_app(settings, system=system).test_client().get("/openapi.json").data


def test_create_app_documents_no_blueprint_until_the_document_is_served(
    settings, system, documented
):
    app = create_app(settings, system=system)
    assert documented == []
    assert app.test_client().get("/openapi.json").status_code == 200
    assert documented == [blp.name for blp in BLUEPRINTS]
    app.test_client().get("/openapi.json")
    assert len(documented) == len(BLUEPRINTS)  # once


def test_the_lazy_document_is_byte_for_byte_the_eager_one(settings, system, monkeypatch):
    eager = _eager_document(settings, system, monkeypatch)
    lazy = create_app(settings, system=system).test_client().get("/openapi.json")
    assert lazy.status_code == 200
    assert lazy.data == eager
    assert len(lazy.get_json()["paths"]) > 30


def test_threads_reading_the_spec_at_once_build_it_once(settings, system, monkeypatch, documented):
    eager = _eager_document(settings, system, monkeypatch)
    documented.clear()
    register = flask_smorest.Blueprint.register_views_in_doc

    def slow(blp: Any, *args: Any, **kwargs: Any) -> None:
        time.sleep(0.01)  # lets the other threads in, mid-document
        register(blp, *args, **kwargs)

    monkeypatch.setattr(flask_smorest.Blueprint, "register_views_in_doc", slow)
    app = create_app(settings, system=system)
    start = threading.Barrier(4)
    served: list[tuple[int, bool]] = []  # status, the eager bytes

    def fetch() -> None:
        client = app.test_client()
        start.wait()
        response = client.get("/openapi.json")
        served.append((response.status_code, response.data == eager))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert served == [(200, True)] * 4
    assert len(documented) == len(BLUEPRINTS)


def test_a_gunicorn_worker_builds_the_document_before_its_first_request(
    settings, system, documented
):
    app = create_app(settings, system=system)
    try:
        gunicorn_conf.post_worker_init(SimpleNamespace(wsgi=app))
    finally:
        gc.unfreeze()
    assert documented == [blp.name for blp in BLUEPRINTS]
