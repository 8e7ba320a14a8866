"""The `labledger webhooks` group (`run` is wired in api/workers.py)."""

from __future__ import annotations

import click


@click.group()
def webhooks() -> None:
    """Partner webhooks."""
