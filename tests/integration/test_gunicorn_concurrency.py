"""Through real gunicorn workers and real HTTP: capacity and idempotency hold
across processes. The tests share one server per store (`module_server`):
each opens its own program and counts from what it found."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.helpers import unique_slug

PROGRAM = {
    "name": "Seoul",
    "city": "Seoul",
    "starts_on": "2026-03-02",
    "ends_on": "2026-03-31",
    "capacity": 21,
}


def application(n: int) -> dict[str, str]:
    return {
        "artist_name": f"Artist {n}",
        "email": f"a{n}@example.org",
        "portfolio_url": "https://example.org",
        "statement": "s",
    }


def position(base: str) -> int:
    return requests.get(f"{base}/readyz", timeout=10).json()["checks"]["store"]["position"]


def open_program(base: str, staff: dict[str, str]) -> str:
    slug = unique_slug()
    body = PROGRAM | {"slug": slug}
    opened = requests.post(f"{base}/v1/programs", json=body, headers=staff, timeout=10)
    assert opened.status_code == 201, opened.text
    return slug


def metric(base: str, *samples: str) -> list[float]:
    """The value of each sample (`name{labels}`) on /metrics, summed over the
    workers; 0 for one not counted yet."""
    values = dict(
        line.rsplit(" ", 1)
        for line in requests.get(f"{base}/metrics", timeout=10).text.splitlines()
        if line and not line.startswith("#")
    )
    return [float(values.get(sample, 0)) for sample in samples]


ROUTE = "/v1/applications/<uuid:application_id>/admit"
COUNTED = (
    f'labledger_http_requests_total{{method="POST",route="{ROUTE}",status="200"}}',
    f'labledger_http_requests_total{{method="POST",route="{ROUTE}",status="409"}}',
    'labledger_events_appended_total{type="application.admitted"}',
)


def test_48_concurrent_admissions_fill_exactly_21_seats(module_server):
    staff = module_server.shared_token("staff")
    base = module_server.base
    slug = open_program(base, staff)
    counted = metric(base, *COUNTED)

    def apply(n: int) -> str:
        body = application(n)
        response = requests.post(
            f"{base}/v1/programs/{slug}/applications", json=body, headers=staff, timeout=30
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    with ThreadPoolExecutor(16) as pool:
        applications = list(pool.map(apply, range(48)))

    def admit(application_id: str) -> tuple[int, int]:
        response = requests.post(
            f"{base}/v1/applications/{application_id}/admit", headers=staff, timeout=60
        )
        return response.status_code, response.json().get("position", 0)

    with ThreadPoolExecutor(48) as pool:
        answers = list(pool.map(admit, applications))
    assert Counter(status for status, _ in answers) == {200: 21, 409: 27}
    # Reads are eventually consistent unless they name a position (the background
    # worker follows the log): read at least up to the last admission.
    last = max(position for status, position in answers if status == 200)
    program = requests.get(
        f"{base}/v1/programs/{slug}",
        params={"min_position": last},
        headers=staff,
        timeout=10,
    ).json()
    assert (program["seats_used"], program["seats_left"]) == (21, 0)

    # Metrics are summed over the workers (prometheus multiprocess mode): the
    # admissions of this test, 200s, 409s and events, on top of what was there.
    grown = [now - then for now, then in zip(metric(base, *COUNTED), counted, strict=True)]
    assert grown == [21, 27, 21]


def test_concurrent_retries_of_idempotent_applications_write_each_once(module_server):
    staff = module_server.shared_token("staff")
    base = module_server.base
    slug = open_program(base, staff)
    before = position(base)

    def apply(attempt: tuple[int, int]) -> tuple[int, int, str]:
        n, _ = attempt
        body = application(n)
        response = requests.post(
            f"{base}/v1/programs/{slug}/applications",
            json=body,
            headers=staff | {"Idempotency-Key": f"{slug}-application-{n}"},
            timeout=60,
        )
        return n, response.status_code, response.json().get("id", "")

    attempts = [(n, retry) for n in range(48) for retry in range(3)]
    with ThreadPoolExecutor(36) as pool:
        results = list(pool.map(apply, attempts))
    assert {status for _, status, _ in results} == {201}
    ids_per_application: dict[int, set[str]] = {}
    for n, _, application_id in results:
        ids_per_application.setdefault(n, set()).add(application_id)
    assert all(len(ids) == 1 for ids in ids_per_application.values())
    assert position(base) - before == 48
