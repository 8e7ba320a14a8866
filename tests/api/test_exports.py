"""CSV answers: the roster (Accept: text/csv or ?format=csv) with the columns
its reader may see, and the audit report with the checkpoint its JSON has;
both as attachments with a filename. No stored idempotent response holds a
personal value."""

from __future__ import annotations

import csv
import io
import json

from tests.helpers import post, seed


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_roster_as_csv_by_accept_or_format(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    for response in (
        client.get(path, headers=tokens.staff | {"Accept": "text/csv"}),
        client.get(f"{path}?format=csv", headers=tokens.staff),
    ):
        assert response.status_code == 200 and response.mimetype == "text/csv"
        disposition = response.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="roster-{s.slug}.csv"'
        [row] = _rows(response.get_data(as_text=True))
        assert (row["id"], row["status"], row["email"]) == (
            s.participant,
            "admitted",
            "kim@example.org",
        )
        assert (row["generations"], row["works"], row["active_grants"]) == (
            "1",
            "1",
            "video until open",
        )
    audited = client.get(f"{path}?format=csv", headers=tokens.auditor).get_data(as_text=True)
    header = audited.splitlines()[0].split(",")
    assert "email" not in header and "artist_name" not in header and "display_name" in header
    # ?format=json wins over Accept; the JSON is unchanged.
    chosen = client.get(f"{path}?format=json", headers=tokens.staff | {"Accept": "text/csv"})
    assert chosen.mimetype == "application/json" and chosen.get_json()["program"] == s.slug
    past = client.get(f"{path}?format=csv&as_of=3", headers=tokens.staff)
    assert past.headers["Content-Disposition"].endswith(f'filename="roster-{s.slug}-as-of-3.csv"')


def test_a_name_a_spreadsheet_would_run_is_quoted(client, tokens):
    s = seed(client, tokens)
    formula = '=HYPERLINK("http://evil.example","x")'
    body = {"artist_name": formula, "email": "e@example.org", "portfolio_url": "https://e.example"}
    post(
        client, f"/v1/programs/{s.slug}/applications", tokens.staff, body | {"statement": "s"}, 201
    )
    text = client.get(f"/v1/programs/{s.slug}/roster?format=csv", headers=tokens.staff).get_data(
        as_text=True
    )
    names = [row["artist_name"] for row in _rows(text)]
    assert names[1] == '\'=HYPERLINK("http://evil.example","x")'
    json_names = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()
    assert json_names["applications"][1]["artist_name"].startswith("=HYPERLINK")  # JSON as is


def test_the_audit_csv_carries_the_checkpoint_the_json_has(client, tokens, system):
    from transparency.follower import TreeBuilder

    s = seed(client, tokens)
    builder = TreeBuilder(system.log, system.db, system.settings)
    builder.sign(builder.catch_up())
    path = f"/v1/programs/{s.slug}/audit-report"
    report = client.get(path, headers=tokens.auditor).get_json()
    response = client.get(path, headers=tokens.auditor | {"Accept": "text/csv"})

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="audit-{s.slug}-{report["position"]}.csv"'
    )
    rows = {(r["section"], r["key"]): r["value"] for r in _rows(response.get_data(as_text=True))}
    assert report["checkpoint"] is not None
    assert rows[("checkpoint", "tree_size")] == str(report["checkpoint"]["tree_size"])
    assert rows[("checkpoint", "note")] == report["checkpoint"]["note"]
    same = client.get(f"{path}?format=csv", headers=tokens.staff)
    assert same.get_data(as_text=True) == response.get_data(as_text=True)


def test_no_stored_idempotent_response_holds_a_personal_value(client, tokens, system):
    s = seed(client, tokens)
    values = {
        "artist_name": "Yoon Soo-ah",
        "email": "yoon.private@example.net",
        "portfolio_url": "https://yoon.example.net/portfolio",
        "statement": "Soft archives of a harbour city.",
    }
    writes = [
        (f"/v1/programs/{s.slug}/applications", tokens.staff, values),
        (
            f"/v1/participants/{s.participant}/display-name",
            s.artist_headers,
            {"display_name": "K.S."},
        ),
        (
            f"/v1/participants/{s.participant}/grants/video/revoke",
            tokens.staff,
            {"reason": "reason-of-revocation"},
        ),
        (f"/v1/works/{s.work}/dispute", tokens.staff, {"reason": "reason-of-dispute"}),
        (f"/v1/works/{s.work}/retract", s.artist_headers, {"reason": "reason-of-retraction"}),
    ]
    for n, (path, headers, body) in enumerate(writes):
        post(client, path, headers | {"Idempotency-Key": f"key-{n}"}, body)
    applicant = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff).get_json()[
        "applications"
    ][-1]["id"]
    for n, (path, body) in enumerate(
        [
            (f"/v1/applications/{applicant}/decline", {"reason": "reason-of-decline"}),
            (f"/v1/participants/{applicant}/erase", {"reason": "reason-of-erasure"}),
        ]
    ):
        post(client, path, tokens.staff | {"Idempotency-Key": f"staff-{n}"}, body, 200)

    stored = system.db.fetchall("SELECT response FROM {t}ledger_idempotency")
    assert len(stored) == len(writes) + 2
    text = json.dumps([row["response"] for row in stored])
    secrets = [*values.values(), "K.S.", "Kim Seo-yeon", "kim@example.org"]
    secrets += [f"reason-of-{what}" for what in ("revocation", "dispute", "retraction")]
    secrets += ["reason-of-decline", "reason-of-erasure"]
    assert not [secret for secret in secrets if secret in text]
