"""Console forms meet the API's rules, no second set: the same schema refuses
a field with the same words, beside that field; the same command refuses with
the same title and detail, at the form's top, at the API's status; nothing is
written on a refusal, and a form sent twice writes once."""

from __future__ import annotations

import csv
import io
import re

from ledger.events import PUBLIC_TYPES
from tests.console_support import FORM_ID, csrf_of, sign_in, submit, text_of
from tests.helpers import PROGRAM, VIDEO_TOOL, apply, open_program, post, seed

PROGRAMS = "/console/staff/programs"


def _field_error(response, form: str, field: str) -> str:
    found = re.search(rf'id="{form}-{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert found, f"no error beside {form}-{field}"
    return found.group(1)


def test_a_field_the_schema_refuses_is_marked_with_the_apis_words(client, app, tokens, system):
    bad = PROGRAM | {"capacity": "0", "ends_on": "2026-02-01"}
    api = client.post("/v1/programs", json=bad | {"capacity": 0}, headers=tokens.staff)
    console = app.test_client()
    sign_in(console, tokens.staff)

    response = submit(console, PROGRAMS, PROGRAMS, bad)

    assert response.status_code == api.status_code == 422
    assert _field_error(response, "open", "capacity") == api.get_json()["errors"]["capacity"][0]
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert system.log.head() == 0  # nothing written
    assert 'value="AI Tools Residency — Seoul"' in response.get_data(as_text=True)  # kept


def test_a_rule_of_the_ledger_refuses_at_the_forms_top_with_the_apis_title(client, app, tokens):
    slug = open_program(client, tokens, capacity=1)
    first, second = apply(client, tokens, slug), apply(client, tokens, slug, "Lee Ji-ho")
    post(client, f"/v1/applications/{first}/admit", tokens.staff, None, 200)
    console = app.test_client()
    sign_in(console, tokens.staff)
    page = f"{PROGRAMS}/{slug}/applications"
    head = client.get("/v1/events?limit=1000", headers=tokens.staff).get_json()["items"][-1]

    response = submit(console, page, f"{page}/{second}/admit")

    api = client.post(f"/v1/applications/{second}/admit", headers=tokens.staff)
    assert response.status_code == api.status_code == 409
    text = text_of(response)
    assert f"{api.get_json()['title']} {api.get_json()['detail']}" in text
    assert "Program is full" in text and "0 of 1 seats left" in text
    latest = client.get("/v1/events?limit=1000", headers=tokens.staff).get_json()["items"][-1]
    assert latest["position"] == head["position"]


def test_a_form_sent_twice_writes_once(client, app, tokens, system):
    slug = open_program(client, tokens)
    console = app.test_client()
    sign_in(console, tokens.staff)
    page = f"{PROGRAMS}/{slug}/applications"
    html = console.get(page).get_data(as_text=True)
    form = {
        "csrf": csrf_of(html),
        "form_id": FORM_ID.findall(html)[-1],  # the "record an application" form
        "artist_name": "Kim Seo-yeon",
        "email": "kim@example.org",
        "portfolio_url": "https://portfolio.example.org/kim",
        "statement": "Moving image.",
    }

    first = console.post(page, data=form)
    second = console.post(page, data=form)

    assert first.status_code == second.status_code == 303
    roster = client.get(f"/v1/programs/{slug}/roster", headers=tokens.staff).get_json()
    assert len(roster["applications"]) == 1


def test_a_write_without_the_csrf_token_is_refused_and_writes_nothing(app, tokens, system):
    console = app.test_client()
    sign_in(console, tokens.staff)
    response = console.post(PROGRAMS, data=PROGRAM | {"capacity": "21"})
    assert response.status_code == 403
    assert system.log.head() == 0


def test_after_a_write_the_page_shows_it_and_its_log_position(app, tokens, system):
    console = app.test_client()
    sign_in(console, tokens.staff)
    response = submit(console, PROGRAMS, PROGRAMS, PROGRAM | {"capacity": "21"})
    assert response.status_code == 303
    page = console.get(response.location)
    assert page.status_code == 200
    text = text_of(page)
    assert "Program opened." in text and PROGRAM["name"] in text
    assert f"Shown as of log position {system.log.head()}" in text
    assert "Refresh to the latest" in text


def test_an_artist_cannot_open_or_write_another_artists_pages(client, app, tokens):
    seeded = seed(client, tokens)
    other = apply(client, tokens, seeded.slug, "Lee Ji-ho")
    post(client, f"/v1/applications/{other}/admit", tokens.staff, None, 200)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    mine = f"/console/artists/{seeded.participant}"
    assert console.get(mine).status_code == 200

    assert console.get(f"/console/artists/{other}").status_code == 403
    response = submit(
        console, mine, f"/console/artists/{other}/display-name", {"display_name": "X"}
    )
    assert response.status_code == 403
    assert "an artist acts only for themselves" in text_of(response)
    assert console.get("/console/staff/programs").status_code == 403


def test_the_artists_record_lists_generations_works_and_certificates(client, app, tokens):
    seeded = seed(client, tokens)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    page = console.get(f"/console/artists/{seeded.participant}")
    html = page.get_data(as_text=True)
    assert "My generations (1)" in text_of(page)
    assert f'href="/v1/works/{seeded.work}/certificate"' in html
    assert "Han River" in html


def test_the_roster_as_of_a_position_and_its_csv(client, app, tokens):
    slug = open_program(client, tokens)
    first = apply(client, tokens, slug)
    before = post(client, f"/v1/applications/{first}/admit", tokens.staff, None, 200)
    apply(client, tokens, slug, "Lee Ji-ho")
    console = app.test_client()
    sign_in(console, tokens.staff)
    at = before.get_json()["position"]
    roster = f"{PROGRAMS}/{slug}/roster"

    page = console.get(f"{roster}?as_of_position={at}")
    csv = console.get(f"{roster}.csv?as_of_position={at}")

    assert page.status_code == 200 and f"As of log position {at}" in text_of(page)
    assert csv.mimetype == "text/csv" and "attachment" in csv.headers["Content-Disposition"]
    rows = csv.get_data(as_text=True).splitlines()
    assert len(rows) == 2 and "kim@example.org" in rows[1] and "admitted" in rows[1]
    wrong = console.get(f"{roster}?as_of_position=999999")
    assert wrong.status_code == 422 and "must be at most" in text_of(wrong)


def test_erasure_says_what_it_cannot_undo_then_erases(client, app, tokens):
    seeded = seed(client, tokens)
    console = app.test_client()
    sign_in(console, tokens.staff)
    page = f"/console/staff/participants/{seeded.participant}/erase"
    confirm = text_of(console.get(page))
    for words in ("copies partners already received", "certificates the artist saved", "backups"):
        assert words in confirm

    response = submit(console, page, page, {"reason": "asked to be forgotten"})

    assert response.status_code == 303
    body = client.get(f"/v1/participants/{seeded.participant}", headers=tokens.staff).get_json()
    assert body["erased"] is True


def test_forms_are_taken_under_console_only_the_api_still_wants_json(client, tokens):
    response = client.post("/v1/programs", data={"slug": "x"}, headers=tokens.staff)
    assert response.status_code == 415


def test_a_partner_sees_only_its_own_endpoints(app, tokens, system):
    owner = app.test_client()
    sign_in(owner, tokens.partner)
    created = submit(
        owner,
        "/console/partner/endpoints",
        "/console/partner/endpoints",
        {"url": "http://127.0.0.1:9/in"},
    )
    assert created.status_code == 201 and "whsec_" in created.get_data(as_text=True)
    [endpoint] = system.endpoints.list("partner:test partner", None, 10)
    other = system.tokens.create("partner", name="Another Foundation")
    stranger = app.test_client()
    sign_in(stranger, other.token)
    assert stranger.get(f"/console/partner/endpoints/{endpoint['id']}").status_code == 404
    assert owner.get(f"/console/partner/endpoints/{endpoint['id']}").status_code == 200


def test_the_event_type_catalog_has_an_example_of_every_type(app, tokens):
    console = app.test_client()
    sign_in(console, tokens.partner)
    html = console.get("/console/partner/event-types").get_data(as_text=True)
    for kind in PUBLIC_TYPES:
        assert f'<h2 id="{kind}"><code>{kind}</code></h2>' in html
    assert '"credit_name": "Seo-yeon Kim"' in html  # a name as it is sent


def test_a_tool_registered_in_the_console_is_the_apis(client, app, tokens):
    post(client, "/v1/programs", tokens.staff, PROGRAM, 201)
    console = app.test_client()
    sign_in(console, tokens.staff)
    page = f"{PROGRAMS}/{PROGRAM['slug']}"
    form = VIDEO_TOOL | {
        "capabilities": "\n".join(VIDEO_TOOL["capabilities"]),
        "limitations": "\n".join(VIDEO_TOOL["limitations"]) + "\n\n",
    }
    assert submit(console, page, f"{page}/tools", form).status_code == 303
    [tool] = client.get(f"/v1/programs/{PROGRAM['slug']}").get_json()["tools"]
    assert tool["capabilities"] == VIDEO_TOOL["capabilities"]
    assert tool["limitations"] == VIDEO_TOOL["limitations"]


def test_a_page_whose_view_lags_behind_a_write_says_so_instead_of_failing(
    app, tokens, system, monkeypatch
):
    console = app.test_client()
    sign_in(console, tokens.staff)
    opened = submit(console, PROGRAMS, PROGRAMS, PROGRAM | {"capacity": "21"})
    page = console.get(opened.location).request.path
    form = VIDEO_TOOL | {"capabilities": "text-to-video", "limitations": "720p only"}
    written = submit(console, page, f"{page}/tools", form)
    monkeypatch.setattr(system.read_models, "ensure", lambda *args: False)  # a stalled follower

    shown = console.get(written.location)

    assert shown.status_code == 200
    assert "is recorded but not on this page yet" in text_of(shown)
    assert "No tools registered yet." in text_of(shown)  # the page as its view has it


def test_the_roster_csv_never_hands_a_spreadsheet_a_formula(client, app, tokens):
    slug = open_program(client, tokens)
    body = {
        "artist_name": '=HYPERLINK("https://evil.example","Kim")',
        "email": "kim@example.org",
        "portfolio_url": "https://portfolio.example.org/kim",
        "statement": "Moving image.",
    }
    post(client, f"/v1/programs/{slug}/applications", tokens.staff, body, 201)
    console = app.test_client()
    sign_in(console, tokens.staff)
    text = console.get(f"{PROGRAMS}/{slug}/roster.csv").get_data(as_text=True)
    header, row = csv.reader(io.StringIO(text))
    assert row[header.index("artist_name")] == "'" + body["artist_name"]
