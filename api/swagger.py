"""Swagger UI at /docs, served from the pinned `flask-swagger-ui` package's
copy of swagger-ui-dist (Apache-2.0, its licence at /docs/assets/LICENSE):
no CDN, so the page works offline, and its one script of our own is a file,
so the page's CSP allows scripts from this origin only (api/boundary.py).

Swagger UI's base layout, without the standalone preset's top bar: that bar
only offers to load another spec by URL (an unlabelled field), and its logo
is an inline SVG with a <style> element, which `style-src 'self'` blocks. So
the page needs no inline-style allowance at all."""

from __future__ import annotations

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Response, abort, send_from_directory, url_for

DIST = Path(flask_swagger_ui.__file__).parent / "dist"
ASSETS = frozenset(
    {
        "swagger-ui.css",
        "index.css",
        "swagger-ui-bundle.js",
        "favicon-32x32.png",
        "favicon-16x16.png",
        "LICENSE",
        "VERSION",
    }
)
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Lab Ledger API</title>
  <link rel="stylesheet" href="{css}">
  <link rel="stylesheet" href="{index_css}">
  <link rel="icon" type="image/png" href="{icon}">
</head>
<body>
  <div id="swagger-ui" data-spec-url="{spec}"></div>
  <script src="{bundle}"></script>
  <script src="{init}"></script>
</body>
</html>
"""
# Reads the spec's URL from the page; no validator badge (it would call out),
# no top bar (see above).
INIT = """window.addEventListener("load", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""

blp = Blueprint("swagger_ui", __name__)


def _asset(name: str) -> str:
    return url_for("swagger_ui.asset", name=name)


@blp.get("/docs")
def page() -> Response:
    html = PAGE.format(
        css=_asset("swagger-ui.css"),
        index_css=_asset("index.css"),
        icon=_asset("favicon-32x32.png"),
        spec=url_for("api-docs.openapi_json"),
        bundle=_asset("swagger-ui-bundle.js"),
        init=url_for("swagger_ui.init"),
    )
    return Response(html, mimetype="text/html")


@blp.get("/docs/init.js")
def init() -> Response:
    return Response(INIT, mimetype="text/javascript")


@blp.get("/docs/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    return send_from_directory(DIST, name, max_age=86400)
