"""The Flask app: settings, the process's System, every blueprint (the JSON
API, its docs and the public site's pages) and the health endpoints, wired
explicitly."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify

from api import (
    applications,
    exhibitions,
    freshness,
    page_tags,
    participants,
    programs,
    reads,
    services,
    swagger,
    tiles,
    transparency,
    works,
)
from api import webhooks as webhook_endpoints
from api.bootstrap import System
from api.boundary import register_request_guards, register_response_headers, strict_urls
from api.conditional import register_conditional_reads
from api.errors import problem, register_error_handlers
from api.metrics import init_metrics
from api.openapi import Api
from api.read_state import read_state, register_state_cache
from ledger.settings import Settings
from web import pages
from web.console import root as console

MAX_BODY_BYTES = 1024 * 1024
BLUEPRINTS = (
    programs.blp,
    applications.blp,
    participants.blp,
    works.blp,
    exhibitions.blp,
    reads.blp,
    transparency.blp,
    tiles.blp,
    webhook_endpoints.blp,
)


class LedgerFlask(Flask):
    """Flask, asking once per function whether it is a coroutine function."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks `inspect.iscoroutinefunction` for every hook and view of
        # every request: for a plain function or method, its code says it.
        code = getattr(func, "__code__", None)
        if code is not None and not code.co_flags & _ASYNC:
            return func
        return super().ensure_sync(func)

    def make_default_options_response(self) -> Response:
        """`OPTIONS`: the methods allowed (`Allow`) as a 204. No content, so no
        type: werkzeug's default `text/html` also brought the pages' CSP to an
        API address."""
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


_ASYNC = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def create_app(settings: Settings | None = None, *, system: System | None = None) -> Flask:
    """The app on `settings` (default: the environment); `system` serves
    instead of one built on first use (tests)."""
    # No app-wide static folder: the site's assets are its blueprint's (/static).
    app = LedgerFlask("labledger", static_folder=None)
    strict_urls(app)
    settings = settings or (system.settings if system else Settings.from_env())
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_TITLE="Lab Ledger",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",  # Swagger UI at /docs: api/swagger.py
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "a token from `labledger tokens create`",
                    }
                }
            },
            "info": {
                "description": "The record of truth for creative residency programs.",
            },
        },
    )
    app.extensions["labledger"] = services.LazySystem(settings, system)
    init_metrics(app)

    api = Api(app)
    # After Api(): flask-smorest registers its own HTTPException handler.
    register_error_handlers(app)
    register_request_guards(app)
    register_response_headers(app)
    register_conditional_reads(app, read_state)
    register_state_cache(app)
    services.register_shared_reads(app)
    services.register_page_tags(app, page_tags.tag_page)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(swagger.blp)
    app.register_blueprint(pages.blp)  # the public site: /, /works/<id>, /verify, /transparency
    app.register_blueprint(console.blp)  # the signed-in console: /console/

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Response:
        checks: dict[str, Any] = {}
        try:
            current = services.system()
            current.db.ping()
            checks["store"] = {"ok": True, "position": current.log.head()}
        except Exception as error:  # the store being down is what this reports
            checks["store"] = {"ok": False, "error": type(error).__name__}
            return problem(
                503,
                "Not ready",
                "the store is unreachable",
                checks=checks,
                headers={"Retry-After": "5"},
            )
        ready = True
        readiness = (("projections", freshness.readiness), ("transparency", transparency.readiness))
        for name, check in readiness:
            detail, ok = check(current)
            checks[name] = detail | {"ok": ok}
            ready = ready and ok
        if not ready:
            return problem(
                503,
                "Not ready",
                "a component is not ready",
                checks=checks,
                headers={"Retry-After": "5"},
            )
        return jsonify(status="ready", checks=checks)

    return app
