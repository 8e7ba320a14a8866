"""A worker parses a repeated query string once (`api.query_parser`): the
same arguments each time, each read its own copy (a view may change it),
a refused query refused every time, a schema with a computed default
parsed afresh."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.query_parser import QueryParser
from tests.helpers import record_calls, seed


def test_a_repeated_query_is_parsed_once_and_answers_the_same(client, tokens, monkeypatch):
    s = seed(client, tokens)
    path = f"/v1/works?sha256={s.content_sha256}&min_position=1"  # the view pops min_position
    loads = record_calls(monkeypatch, Schema, "load", lambda schema, *_, **__: schema)
    first, again = client.get(path), client.get(path)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json() and first.get_json()["items"]
    assert len(loads) == 1


def test_a_refused_query_is_refused_every_time(client, tokens):
    seed(client, tokens)
    for _ in range(2):
        refused = client.get("/v1/works?sha256=nothex")
        assert refused.status_code == 422 and "sha256" in refused.get_json()["errors"]


class _Computed(Schema):
    n = fields.Integer(load_default=lambda: 7)


def test_a_schema_with_a_computed_default_is_parsed_afresh(app):
    parser, schema = QueryParser(), _Computed()
    with app.test_request_context("/?n=1"):
        assert parser.parse(schema, location="query") == {"n": 1}
        assert not parser._parsed


def test_it_keeps_at_most_its_bound_of_queries(app):
    class Page(Schema):
        n = fields.Integer()

    parser, schema = QueryParser(max_queries=2), Page()
    for n in (1, 2, 3):
        with app.test_request_context(f"/?n={n}"):
            assert parser.parse(schema, location="query") == {"n": n}
    assert [key[1] for key in parser._parsed] == ["n=2", "n=3"]
