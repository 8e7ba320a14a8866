"""`min_position`: a view behind a position the log holds is 503 with
Retry-After after a bounded wait; one beyond the head is 422
(tests/api/test_contract.py)."""

from __future__ import annotations

import time
from dataclasses import replace

from api.app import create_app
from tests.helpers import seed


def test_a_view_behind_a_position_that_exists_is_503_with_retry_after(settings, system, tokens):
    """Only a position the log holds can be waited for; no tree builder runs
    here, so the tree stays behind the seed's last position."""
    client = create_app(replace(settings, read_wait=0.2), system=system).test_client()
    seed(client, tokens)
    head = system.log.head()
    started = time.monotonic()
    response = client.get("/v1/transparency/checkpoint", query_string={"min_position": head})
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["min_position"] == head


def test_min_position_at_the_head_is_served(client, tokens, system):
    s = seed(client, tokens)
    head = system.log.head()
    response = client.get(f"/v1/works/{s.work}", query_string={"min_position": head})
    assert response.status_code == 200
    assert response.get_json()["content_sha256"] == s.content_sha256
