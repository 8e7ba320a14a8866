"""Stub: filled by the webhooks work."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("webhooks", __name__, description="webhooks")
