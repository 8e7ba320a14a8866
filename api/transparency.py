"""Stub: filled by the transparency work."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("transparency", __name__, description="transparency")
