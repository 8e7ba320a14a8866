"""What the write-endpoint tests share: the problem+json check and a few writes."""

from __future__ import annotations

from tests.helpers import apply, post, sha


def assert_problem(response, status: int, *, detail_has: str = "", fields: set[str] | None = None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"].startswith("https://")
    assert detail_has.lower() in body["detail"].lower()
    if fields is not None:
        assert set(body["errors"]) == fields
    return body


def record_generation(client, seeded, participant=None, **changes):
    """The seeded artist records a generation (for `participant`, default themselves)."""
    body = {
        "tool": "video",
        "tool_version": "2.1",
        "output_sha256": sha("generated"),
        "media_type": "video/mp4",
    } | changes
    return client.post(
        f"/v1/participants/{participant or seeded.participant}/generations",
        json=body,
        headers=seeded.artist_headers,
    )


def admit_another(client, tokens, slug: str) -> str:
    other = apply(client, tokens, slug, "Lee Ji-ho")
    post(client, f"/v1/applications/{other}/admit", tokens.staff, None, 200)
    return other


def positions(client, tokens) -> int:
    return client.get("/readyz").get_json()["checks"]["store"]["position"]
