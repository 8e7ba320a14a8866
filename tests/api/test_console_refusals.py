"""A refusal in the console says what is wrong where it is wrong, in the
page's words, and points at what it is about: the work that already owns a
hash, the field whose value was refused."""

from __future__ import annotations

import re

from tests.console_support import sign_in, submit, text_of
from tests.helpers import seed


def test_a_hash_another_artist_owns_is_refused_with_a_link_to_their_work(client, app, tokens):
    theirs = seed(client, tokens)
    mine = seed(client, tokens, slug="busan-2027")
    console = app.test_client()
    sign_in(console, mine.artist_headers)
    page = f"/console/artists/{mine.participant}"

    refused = submit(
        console,
        page,
        f"{page}/works",
        {
            "title": "Not mine",
            "content_sha256": theirs.content_sha256,
            "generation_ids": mine.generation,
            "statement": "x",
        },
    )

    assert refused.status_code == 409
    problem = re.search(r'<div class="problem".*?</div>', refused.get_data(as_text=True), re.S)
    assert problem and theirs.content_sha256 in problem.group(0)
    assert f'href="/works/{theirs.work}"' in problem.group(0)
    assert "See the declared work" in text_of(refused)


def test_a_refusal_about_no_work_links_to_none(client, app, tokens):
    seeded = seed(client, tokens, declare=False)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    page = f"/console/artists/{seeded.participant}"

    refused = submit(console, page, f"{page}/works", {"title": "t", "statement": "x"})

    assert refused.status_code == 422
    assert "See the declared work" not in text_of(refused)
