"""A name, title, credit or reason of white space alone is refused like an
empty one, and the document says so: a display name of "   " became the
public credit of an admitted artist's works."""

from __future__ import annotations

import re

import pytest

from tests.api.boundary_support import assert_refused
from tests.helpers import PROGRAM, apply, open_program, post, seed

BLANKS = ["   ", "\u3000", "\ufeff", "\u00a0 \u2003"]


@pytest.mark.parametrize("blank", BLANKS)
def test_a_blank_display_name_is_422_and_the_credit_stays(client, tokens, system, blank):
    seeded = seed(client, tokens)
    head = system.log.head()
    path = f"/v1/participants/{seeded.participant}/display-name"
    response = client.post(path, json={"display_name": blank}, headers=seeded.artist_headers)
    assert (
        "must not be blank"
        in assert_refused(response, 422, "display_name")["errors"]["display_name"]
    )
    assert system.log.head() == head
    work = client.get(f"/v1/works/{seeded.work}").get_json()
    assert work["credited_name"] == "Kim Seo-yeon"


def test_blank_names_titles_and_reasons_are_refused_on_every_write(client, tokens, system):
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    refused = [
        ("/v1/programs", PROGRAM | {"slug": "other", "name": "  "}, "name"),
        ("/v1/programs", PROGRAM | {"slug": "other", "city": "\u3000"}, "city"),
        (
            f"/v1/programs/{slug}/applications",
            {"artist_name": " ", "email": "a@example.org"}
            | {"portfolio_url": "https://p.example.org", "statement": "s"},
            "artist_name",
        ),
        (
            f"/v1/programs/{slug}/applications",
            {"artist_name": "A", "email": "a@example.org"}
            | {"portfolio_url": "https://p.example.org", "statement": "\n \n"},
            "statement",
        ),
        (f"/v1/applications/{pid}/decline", {"reason": " \t "}, "reason"),
    ]
    head = system.log.head()
    for path, body, field in refused:
        assert_refused(post(client, path, tokens.staff, body), 422, field)
    assert system.log.head() == head
    # Spaces around a name are the writer's: kept, not refused.
    post(client, f"/v1/applications/{pid}/decline", tokens.staff, {"reason": " late "}, 200)


def test_the_document_refuses_what_the_service_refuses(client):
    spec = client.get("/openapi.json").get_json()
    name = spec["components"]["schemas"]["DisplayNameIn"]["properties"]["display_name"]
    pattern = re.compile(name["pattern"])
    assert all(pattern.search(blank) is None for blank in BLANKS)
    assert pattern.search(" Kim ") is not None


def test_an_empty_value_is_refused_once_for_its_length(client, tokens):
    response = client.get("/v1/works?owner=")
    assert assert_refused(response, 422, "owner")["errors"]["owner"] == [
        "Length must be between 1 and 200."
    ]
