"""What the boundary tests share: the 4xx problem check, and the reads a poison event
would break."""

from __future__ import annotations


def assert_refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    if field is not None:
        assert field in body["errors"], body
    return body


def reads_still_work(client, tokens, slug: str) -> None:
    """What the poison event broke: the roster, the registry and the feed."""
    for path in (
        f"/v1/programs/{slug}/roster",
        "/v1/works",
        "/v1/events",
        f"/v1/programs/{slug}/audit-report",
    ):
        response = client.get(path, headers=tokens.staff)
        assert response.status_code == 200, (path, response.get_data(as_text=True))
