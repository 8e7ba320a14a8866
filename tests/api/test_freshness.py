"""A `min_position` the log has not reached is refused at once, not waited for
(a request must not hold a worker for the whole read wait)."""

from __future__ import annotations

import time
from dataclasses import replace

from api.app import create_app
from tests.helpers import seed


def test_min_position_beyond_the_log_head_is_503_without_waiting(settings, system, tokens):
    client = create_app(replace(settings, read_wait=30.0), system=system).test_client()
    s = seed(client, tokens)
    head = system.log.head()
    for path, headers in [
        (f"/v1/programs/{s.slug}/roster", tokens.staff),
        ("/v1/works", {}),
        ("/v1/events", tokens.auditor),
        ("/v1/transparency/checkpoint", {}),
    ]:
        started = time.monotonic()
        response = client.get(path, query_string={"min_position": head + 1}, headers=headers)
        assert time.monotonic() - started < 5, path
        assert response.status_code == 503, path
        assert response.get_json()["min_position"] == head + 1
        assert response.headers["Retry-After"] == "1"


def test_min_position_at_the_head_is_served(client, tokens, system):
    s = seed(client, tokens)
    head = system.log.head()
    response = client.get(f"/v1/works/{s.work}", query_string={"min_position": head})
    assert response.status_code == 200
    assert response.get_json()["content_sha256"] == s.content_sha256
