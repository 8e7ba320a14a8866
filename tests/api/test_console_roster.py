"""The console's roster CSV is the API's: the same exporter, so for the same
moment staff download the same bytes from either."""

from __future__ import annotations

from tests.console_support import sign_in
from tests.helpers import apply, open_program, post

PROGRAMS = "/console/staff/programs"


def test_the_console_roster_csv_is_byte_for_byte_the_apis(client, app, tokens):
    slug = open_program(client, tokens)
    first = apply(client, tokens, slug)
    admitted = post(client, f"/v1/applications/{first}/admit", tokens.staff, None, 200)
    post(client, f"/v1/participants/{first}/grants", tokens.staff, {"tool": "video"}, 201)
    apply(client, tokens, slug, "=Lee Ji-ho")  # a name a spreadsheet would run
    console = app.test_client()
    sign_in(console, tokens.staff)
    csv = {**tokens.staff, "Accept": "text/csv"}

    for at in (admitted.get_json()["position"], None):
        query = f"?as_of={at}" if at else ""
        api = client.get(f"/v1/programs/{slug}/roster{query}", headers=csv)
        query = f"?as_of_position={at}" if at else ""
        mine = console.get(f"{PROGRAMS}/{slug}/roster.csv{query}")

        assert api.status_code == mine.status_code == 200
        assert mine.get_data() == api.get_data()
        assert mine.headers["Content-Disposition"] == api.headers["Content-Disposition"]
        assert mine.mimetype == "text/csv"
    assert "'=Lee Ji-ho" in mine.get_data(as_text=True)
