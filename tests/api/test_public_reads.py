"""The public reads, without a token: programs with every dated disclosure and
the admitted participants' display names, exhibitions with their works and
credits, the checkpoint history, the disclosure a work was made under; all
paged, fresh on request (min_position) and conditional (ETag, 304)."""

from __future__ import annotations

from datetime import datetime

from api.demo import load_demo
from tests.helpers import apply, post, schedule_exhibition, seed
from transparency.follower import TreeBuilder

DISCLOSURE_22 = {"version": "2.2", "capabilities": ["t2v", "i2v"], "limitations": ["1080p max"]}


def _hang(client, tokens, s) -> str:
    exhibition = schedule_exhibition(client, tokens, s.slug)
    path = f"/v1/exhibitions/{exhibition}/works"
    return post(client, path, tokens.staff, {"work_id": s.work}, 201).get_json()["position"]


def test_a_program_is_public_with_every_dated_disclosure_and_admitted_names_only(client, tokens):
    s = seed(client, tokens)
    apply(client, tokens, s.slug, "Lee Ji-ho")  # applied, not admitted: never shown
    path = f"/v1/programs/{s.slug}/tools/video/disclosure"
    written = post(client, path, tokens.staff, DISCLOSURE_22, 200).get_json()["position"]

    response = client.get(f"/v1/programs/{s.slug}?min_position={written}")

    assert response.status_code == 200, response.get_json()
    program = response.get_json()
    [tool] = program["tools"]
    assert [(d["version"], d["limitations"]) for d in tool["disclosures"]] == [
        ("2.1", ["no real people", "720p only"]),
        ("2.2", ["1080p max"]),
    ]
    assert all(datetime.fromisoformat(d["disclosed_at"]) for d in tool["disclosures"])
    assert (tool["version"], tool["versions"]) == ("2.2", ["2.1", "2.2"])
    assert program["participants"] == [
        {"id": s.participant, "display_name": "Kim Seo-yeon", "erased": False}
    ]
    assert (program["seats_used"], program["seats_left"], program["closed"]) == (1, 20, False)
    assert program["position"] >= written
    text = response.get_data(as_text=True)
    assert "Lee Ji-ho" not in text and "@example.org" not in text


def test_programs_are_listed_in_opening_order_a_page_at_a_time(client, tokens):
    for slug in ("seoul-2026", "busan-2027", "jeju-2028"):
        seed(client, tokens, declare=False, slug=slug)

    first = client.get("/v1/programs?limit=2").get_json()
    rest = client.get(f"/v1/programs?limit=2&after={first['next']}").get_json()

    assert [p["slug"] for p in first["items"] + rest["items"]] == [
        "seoul-2026",
        "busan-2027",
        "jeju-2028",
    ]
    assert rest["next"] is None and first["position"] == rest["position"]
    assert client.get("/v1/programs/nowhere").status_code == 404
    beyond = client.get(f"/v1/programs?min_position={first['position'] + 5}")
    assert beyond.status_code == 422 and "min_position" in beyond.get_json()["errors"]
    assert client.get("/v1/programs?limit=0").status_code == 422


def test_exhibitions_show_their_works_and_credited_names_read_now(client, tokens):
    s = seed(client, tokens)
    hung = _hang(client, tokens, s)

    page = client.get(f"/v1/exhibitions?min_position={hung}").get_json()
    [exhibition] = page["items"]
    [work] = exhibition["works"]
    assert (work["id"], work["title"], work["content_sha256"]) == (
        s.work,
        "Han River",
        s.content_sha256,
    )
    assert (work["credited_artist"], work["credited_name"]) == (s.participant, "Kim Seo-yeon")
    assert client.get(f"/v1/exhibitions/{exhibition['id']}").get_json()["works"] == [work]
    assert client.get(f"/v1/exhibitions?program={s.slug}").get_json()["items"] == [exhibition]
    assert client.get("/v1/exhibitions?program=busan-2027").get_json()["items"] == []
    program = client.get(f"/v1/programs/{s.slug}").get_json()
    assert [(e["id"], e["works"]) for e in program["exhibitions"]] == [(exhibition["id"], 1)]

    erased = f"/v1/participants/{s.participant}/erase"
    post(client, erased, tokens.staff, {"reason": "asked to be forgotten"}, 200)

    [work] = client.get(f"/v1/exhibitions/{exhibition['id']}").get_json()["works"]
    assert work["credited_name"] is None and work["owner"]["erased"] is True
    assert work["credited_artist"] == s.participant  # the work stays theirs
    assert client.get("/v1/exhibitions/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_work_shows_the_disclosure_in_force_for_the_version_it_was_made_with(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/tools/video/disclosure"
    written = post(client, path, tokens.staff, DISCLOSURE_22, 200).get_json()["position"]

    [tool] = client.get(f"/v1/works/{s.work}?min_position={written}").get_json()["tools"]

    assert tool["versions_used"] == ["2.1"] and tool["current_version"] == "2.2"
    assert [d["version"] for d in tool["disclosures"]] == ["2.1"]
    assert tool["disclosure"]["limitations"] == ["no real people", "720p only"]


def test_every_signed_checkpoint_is_listed_oldest_first_with_when_it_was_signed(
    client, tokens, system, settings
):
    builder = TreeBuilder(system.log, system.db, settings)
    sizes = []
    for n in range(3):
        seed(client, tokens, declare=False, slug=f"lab-{n}")
        sizes.append(builder.catch_up().size)
        system.transparency.checkpoint()

    first = client.get("/v1/transparency/checkpoints?limit=2").get_json()
    rest = client.get(f"/v1/transparency/checkpoints?after={first['next']}").get_json()

    items = first["items"] + rest["items"]
    assert [c["size"] for c in items] == sizes and rest["next"] is None
    for item in items:
        assert item["note"].startswith(f"{settings.log_name}\n{item['size']}\n")
        proof = client.get(f"/v1/transparency/proofs/inclusion?index=0&tree_size={item['size']}")
        assert proof.get_json()["root_hash"] == item["root"]
        assert datetime.fromisoformat(item["signed_at"]).tzinfo is not None
    assert [c["signed_at"] for c in items] == sorted(c["signed_at"] for c in items)
    assert client.get("/v1/transparency/checkpoints?after=-1").status_code == 422


def test_the_empty_trees_checkpoint_is_listed_first(client, tokens, system, settings):
    system.transparency.checkpoint()  # what a log signs before its first event
    seed(client, tokens, declare=False)
    size = TreeBuilder(system.log, system.db, settings).catch_up().size
    system.transparency.checkpoint()

    listed = client.get("/v1/transparency/checkpoints").get_json()["items"]
    past_empty = client.get("/v1/transparency/checkpoints?after=0").get_json()["items"]

    assert [c["size"] for c in listed] == [0, size]
    assert listed[0]["note"].startswith(f"{settings.log_name}\n0\n")
    assert [c["size"] for c in past_empty] == [size]


def test_public_reads_send_an_etag_and_answer_304_when_nothing_changed(client, tokens):
    s = seed(client, tokens)
    for path in (f"/v1/programs/{s.slug}", "/v1/programs", f"/v1/works/{s.work}", "/"):
        first = client.get(path)
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert (again.status_code, again.get_data()) == (304, b""), path
    before = client.get(f"/v1/programs/{s.slug}").headers["ETag"]
    post(client, f"/v1/programs/{s.slug}/tools/video/disclosure", tokens.staff, DISCLOSURE_22, 200)
    changed = client.get(f"/v1/programs/{s.slug}", headers={"If-None-Match": before})
    assert changed.status_code == 200 and changed.headers["ETag"] != before


def test_the_api_answers_json_even_to_a_browser_asking_for_html(client, tokens, system):
    load_demo(system, echo=lambda _: None)
    work = client.get("/v1/works?limit=1").get_json()["items"][0]
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("/v1/programs", "/v1/programs/seoul-2026", f"/v1/works/{work['id']}", "/v1/x"):
        response = client.get(path, headers=html)
        assert response.mimetype in ("application/json", "application/problem+json"), path
    assert client.get(f"/works/{work['id']}", headers=html).mimetype == "text/html"
