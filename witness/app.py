"""The witness over HTTP: `POST /add-checkpoint`, the only route tlog-witness defines."""

from __future__ import annotations

import json
import os

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from transparency import cosignature
from witness.config import WitnessConfig
from witness.core import SizeConflict, Witness, WitnessError
from witness.state import WitnessState

# A checkpoint, 63 proof lines and a few dozen signatures fit many times over.
MAX_BODY = 256 * 1024


def _problem(status: int, title: str, detail: str) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return Response(json.dumps(body), status, content_type="application/problem+json")


def create_app(config: WitnessConfig | None = None) -> Flask:
    config = config or WitnessConfig.from_env(os.environ)
    cosigner = cosignature.load_or_create_cosigner(config.key_file, config.name)
    witness = Witness(cosigner, config.logs or {}, WitnessState(config.database))
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["witness"] = witness

    @app.post("/add-checkpoint")
    def add_checkpoint() -> Response:
        lines = witness.add_checkpoint(request.get_data())
        return Response(lines, 200, content_type="text/plain; charset=utf-8")

    @app.errorhandler(WitnessError)
    def refused(error: WitnessError) -> Response:
        if isinstance(error, SizeConflict):
            return Response(
                f"{error.known_size}\n", 409, content_type=cosignature.SIZE_CONTENT_TYPE
            )
        return _problem(error.status, type(error).__name__, str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return _problem(error.code or 500, error.name, error.description or error.name)

    return app
