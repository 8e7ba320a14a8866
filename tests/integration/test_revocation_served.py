"""Through real gunicorn workers: a revoked token is refused by the very next
request, on every worker, a conditional one (If-None-Match) included, on
SQLite and PostgreSQL."""

from __future__ import annotations

import re

import requests

from tests.integration.conftest import labledger

ROUNDS = 40  # fresh connections: gunicorn spreads them over its workers


def test_a_revoked_token_is_401_at_once_on_every_worker(server):
    created = labledger(server.env, "tokens", "create", "--role", "auditor").stdout
    token_id = re.search(r"token ([0-9a-f-]{36})", created).group(1)
    headers = {"Authorization": f"Bearer {created.strip().splitlines()[-1]}"}
    path = f"{server.base}/v1/events?limit=1"
    tag = requests.get(path, headers=headers, timeout=10).headers["ETag"]
    held = headers | {"If-None-Match": tag}
    for _ in range(ROUNDS):  # every worker has seen the token and the tag
        assert requests.get(path, headers=headers, timeout=10).status_code == 200
        assert requests.get(path, headers=held, timeout=10).status_code == 304

    labledger(server.env, "tokens", "revoke", token_id)

    for _ in range(ROUNDS):
        assert requests.get(path, headers=headers, timeout=10).status_code == 401
        assert requests.get(path, headers=held, timeout=10).status_code == 401
