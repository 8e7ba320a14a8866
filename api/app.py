"""The composition root: `create_app()` wires settings, services and blueprints."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify
from flask_smorest import Api

from api.boundary import register_request_guards, register_response_headers
from api.errors import problem, register_error_handlers
from api.metrics import init_metrics
from api.services import Services, services
from ledger.application import Ledger
from ledger.settings import Settings

MAX_BODY_BYTES = 1024 * 1024

# Each module defines `blp` (a flask-smorest Blueprint).
BLUEPRINT_MODULES = (
    "api.programs",
    "api.applications",
    "api.works",
    "api.exhibitions",
    "api.reads",
    "api.transparency",
    "api.webhooks",
)

ReadinessCheck = Callable[[Services], tuple[str, dict[str, Any], bool]]


def create_app(settings: Settings | None = None, *, ledger: Ledger | None = None) -> Flask:
    app = Flask("labledger")
    settings = settings or Settings.from_env()
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_TITLE="Lab Ledger",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "info": {
                "description": "The record of truth for creative residency programs.",
            },
        },
    )
    app.extensions["labledger"] = Services(settings, ledger)
    app.extensions["labledger_readiness"] = []
    init_metrics(app)

    api = Api(app)
    # After Api(): flask-smorest registers its own HTTPException handler.
    register_error_handlers(app)
    register_request_guards(app)
    register_response_headers(app)
    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        api.register_blueprint(module.blp)
        if hasattr(module, "init_app"):
            module.init_app(app)

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Response:
        checks: dict[str, Any] = {}
        ready = True
        try:
            services().ledger.db.ping()
            checks["store"] = {"ok": True, "position": services().ledger.max_position()}
        except Exception as error:  # the store being down is what this reports
            checks["store"] = {"ok": False, "error": type(error).__name__}
            return problem(
                503,
                "Not ready",
                "the store is unreachable",
                checks=checks,
                headers={"Retry-After": "5"},
            )
        check: ReadinessCheck
        for check in app.extensions["labledger_readiness"]:
            name, detail, ok = check(services())
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
