"""Every 201 says where its resource is read (`Location`), and a replay with
the same Idempotency-Key says the same, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from tests.helpers import EXHIBITION, PROGRAM, VIDEO_TOOL, post, sha


def _created(client: Any, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    """POST `body` twice with one Idempotency-Key: both answers 201 with the
    same relative `Location`; the first answer."""
    keyed = headers | {"Idempotency-Key": str(uuid.uuid4())}
    first = post(client, path, keyed, body, 201)
    again = post(client, path, keyed, body, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    location = first.headers["Location"]
    assert location.startswith("/v1/"), location
    assert again.headers["Location"] == location
    return first


def _read(
    client: Any, created: Any, headers: dict[str, str] | None = None, *, view: bool = True
) -> dict[str, Any]:
    """GET the Location of `created`; from a `view`, once it has the write's position."""
    url = location = created.headers["Location"]
    if view:
        joiner = "&" if "?" in location else "?"
        url = f"{location}{joiner}min_position={created.get_json()['position']}"
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.get_json())
    return response.get_json()


def test_every_201_names_a_url_that_reads_what_it_created(store_client) -> None:
    client, tokens, _ = store_client
    staff = tokens.staff

    program = _created(client, "/v1/programs", staff, PROGRAM)
    assert program.headers["Location"] == f"/v1/programs/{PROGRAM['slug']}"
    read = _read(client, program)
    assert (read["id"], read["slug"]) == (program.get_json()["id"], PROGRAM["slug"])

    slug = PROGRAM["slug"]
    tool = _created(client, f"/v1/programs/{slug}/tools", staff, VIDEO_TOOL)
    assert "video" in [t["tool"] for t in _read(client, tool)["tools"]]

    application = {
        "artist_name": "Kim Seo-yeon",
        "email": "kim@example.org",
        "portfolio_url": "https://portfolio.example.org/kim",
        "statement": "Moving image.",
    }
    applied = _created(client, f"/v1/programs/{slug}/applications", staff, application)
    pid = applied.get_json()["id"]
    assert applied.headers["Location"] == f"/v1/applications/{pid}"
    assert _read(client, applied, staff)["id"] == pid
    post(client, f"/v1/applications/{pid}/admit", staff, None, 200)

    granted = _created(client, f"/v1/participants/{pid}/grants", staff, {"tool": "video"})
    assert granted.headers["Location"] == f"/v1/participants/{pid}"
    read = _read(client, granted, staff)
    assert read["id"] == pid and "video" in [g["tool"] for g in read["grants"]]

    artist = tokens.artist(pid)
    made = {"tool": "video", "tool_version": "2.1", "media_type": "video/mp4"}
    for n in range(3):  # the new one is not the first of the participant's generations
        body = made | {"output_sha256": sha(f"out {n}")}
        generation = _created(client, f"/v1/participants/{pid}/generations", artist, body)
        items = _read(client, generation, artist)["items"]
        assert [g["id"] for g in items] == [generation.get_json()["id"]]

    work = {
        "title": "Han River",
        "content_sha256": sha("work"),
        "generation_ids": [generation.get_json()["id"]],
        "statement": "Made in Seoul.",
    }
    declared = _created(client, "/v1/works", artist, work)
    work_id = declared.get_json()["id"]
    assert declared.headers["Location"] == f"/v1/works/{work_id}"
    assert _read(client, declared)["id"] == work_id

    scheduled = _created(client, "/v1/exhibitions", staff, {"program": slug} | EXHIBITION)
    exhibition = scheduled.get_json()["id"]
    assert scheduled.headers["Location"] == f"/v1/exhibitions/{exhibition}"
    assert _read(client, scheduled)["id"] == exhibition

    hung = _created(client, f"/v1/exhibitions/{exhibition}/works", staff, {"work_id": work_id})
    assert hung.headers["Location"] == f"/v1/exhibitions/{exhibition}"
    assert work_id in [w["id"] for w in _read(client, hung)["works"]]

    body = {"url": "http://127.0.0.1:9/hook"}
    endpoint = _created(client, "/v1/webhooks/endpoints", tokens.partner, body)
    endpoint_id = endpoint.get_json()["id"]
    assert endpoint.headers["Location"] == f"/v1/webhooks/endpoints/{endpoint_id}"
    # An endpoint is written as it is registered: no view to wait for.
    assert _read(client, endpoint, tokens.partner, view=False)["id"] == endpoint_id


def test_a_write_without_a_key_names_its_location_too(client, tokens) -> None:
    opened = post(client, "/v1/programs", tokens.staff, PROGRAM, 201)
    assert opened.headers["Location"] == f"/v1/programs/{PROGRAM['slug']}"


def test_every_201_in_the_document_declares_its_location(client) -> None:
    spec = client.get("/openapi.json").get_json()
    created = {
        f"{method.upper()} {path}": operation["responses"]["201"]
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters" and "201" in operation["responses"]
    }
    assert len(created) == 9, sorted(created)
    for label, response in created.items():
        header = response.get("headers", {}).get("Location")
        assert header is not None, label
        assert header["required"] is True and header["schema"]["format"] == "uri-reference"
        assert header["description"].startswith("where it is read: "), label


def test_behind_a_prefix_the_location_keeps_it(client, tokens) -> None:
    """Mounted under a path (`SCRIPT_NAME`, as a proxy serving /ledger/ sets it),
    the Location is where a client behind that proxy reads the resource."""
    mounted = {"SCRIPT_NAME": "/ledger"}
    opened = client.post(
        "/v1/programs", json=PROGRAM, headers=tokens.staff, environ_overrides=mounted
    )
    assert opened.status_code == 201, opened.get_json()
    assert opened.headers["Location"] == f"/ledger/v1/programs/{PROGRAM['slug']}"
