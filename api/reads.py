"""Stub: filled by the reads work."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("reads", __name__, description="reads")
