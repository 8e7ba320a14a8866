"""The thinnest Flask code doing the same work as Lab Ledger per benchmarked
path: the baseline `bench_http.py` measures the real server against.

Per request it does what the real read does at the least: the token lookup by
SHA-256 digest, the view's generation and position (`proj_active` joined to
`proj_tracking`, one statement), the same indexed SELECTs on the same rows
of the same database, the JSON documents decoded and `jsonify`; a conditional
GET of the roster, one statement (the token and the view's position). A write does
the same reads as the real handler (the token, the aggregates' stored events,
the output index) and one durable insert of one event row into a table of
eventsourcing's `stored_events` shape (`ref_events`, beside the real one, so
no reader of the real log sees it), committed with SQLite's `synchronous`
left as the server runs it (FULL: durable), or on PostgreSQL under the same
table lock eventsourcing takes. No schemas, no idempotency, no freshness
wait, no personal-data rules: everything Lab Ledger adds is what the ratio
prices.

    REF_DATABASE_URL=sqlite:///path REF_PROGRAMS='{"slug": "program-uuid"}' \
        gunicorn -c python:api.gunicorn_conf -w 2 'bench.reference_app:create_app()'
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import uuid
from typing import Any

from flask import Flask, abort, jsonify, request
from reference_db import Db

ROSTER_SQL = (
    "SELECT v.kind, v.doc, v.position FROM proj_roster_versions v "
    "WHERE v.gen = ? AND v.program = ? AND v.position = (SELECT MAX(w.position) "
    "FROM proj_roster_versions w WHERE w.gen = v.gen AND w.entity = v.entity AND w.position <= ?)"
)
ACTIVE_SQL = (
    "SELECT a.gen, t.notification_id FROM proj_active a LEFT JOIN proj_tracking t "
    "ON t.application_name = a.name || '@' || CAST(a.gen AS TEXT) WHERE a.name = ?"
)
TAG_SQL = (  # a 304's: the roster's generation and position, if the token holds
    ACTIVE_SQL.replace("a.name = ?", "a.name = 'roster'") + " AND EXISTS (SELECT 1 FROM "
    "ledger_tokens WHERE token_sha256 = ? AND revoked_at IS NULL)"
)


def create_app() -> Flask:
    app = Flask(__name__)
    db = Db(os.environ["REF_DATABASE_URL"])
    programs: dict[str, str] = json.loads(os.environ.get("REF_PROGRAMS", "{}"))
    events = "ledger_events" if db.postgres else "stored_events"

    def digest() -> str:
        token = request.headers.get("Authorization", "").partition(" ")[2]
        return hashlib.sha256(token.encode()).hexdigest()

    def actor() -> tuple:
        rows = db.all(
            "SELECT id, role, participant_id, name FROM ledger_tokens "
            "WHERE token_sha256 = ? AND revoked_at IS NULL",
            (digest(),),
        )
        if not rows:
            abort(401)
        return rows[0]

    def gen(view: str) -> int:
        return db.all(ACTIVE_SQL, (view,))[0][0]

    def people(ids: list[str]) -> dict[str, Any]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = db.all(f"SELECT person, data FROM ledger_personal WHERE person IN ({marks})", ids)
        return {person: json.loads(data) for person, data in rows}

    def docs(table: str, g: int, kind: str, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ", ".join("?" * len(keys))
        sql = f"SELECT id, doc FROM {table} WHERE gen = ? AND kind = ? AND id IN ({marks})"
        return {key: json.loads(doc) for key, doc in db.all(sql, (g, kind, *keys))}

    def works(where: str, params: tuple) -> list[dict[str, Any]]:
        g = gen("registry")
        sql = f"SELECT doc FROM proj_registry_works WHERE gen = ? AND {where}"
        found = [json.loads(doc) for (doc,) in db.all(sql, (g, *params))]
        keys = sorted({f"{w['program']}:{t['tool']}" for w in found for t in w["tools_used"]})
        tools = docs("proj_registry_docs", g, "tool", keys)
        names = people([w["owner"]["participant_id"] for w in found])
        for work in found:
            work["tools"] = [tools.get(k) for k in keys]
            work["owner"]["display_name"] = names.get(work["owner"]["participant_id"], {}).get(
                "display_name"
            )
        return found

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.get("/v1/programs/<slug>/roster")
    def roster(slug: str) -> Any:
        asked = request.headers.get("If-None-Match")
        if asked:  # a conditional GET: one statement, the token's and the view's
            rows = db.all(TAG_SQL, (digest(),))
            if not rows:
                abort(401)
            if asked == f'"{rows[0][0]}.{rows[0][1]}"':
                return "", 304, {"ETag": asked}
        actor()
        g, position = db.all(ACTIVE_SQL, ("roster",))[0]
        rows = db.all(ROSTER_SQL, (g, slug, 2**62))
        docs_ = [(kind, json.loads(doc)) for kind, doc, _ in rows]
        entries = [doc for kind, doc in docs_ if kind == "application"]
        names = people([e["id"] for e in entries])
        program = next(doc for kind, doc in docs_ if kind == "program")
        for entry in entries:
            entry["name"] = names.get(entry["id"], {}).get("display_name")
        response = jsonify(program=program, applications=entries)
        response.headers["ETag"] = f'"{g}.{position}"'
        return response

    @app.get("/v1/works")
    def lookup() -> Any:
        sha = request.args["sha256"].lower()
        found = works("content_sha256 = ? AND position > 0 ORDER BY position LIMIT 101", (sha,))
        return jsonify(items=found, next=None)

    @app.get("/v1/works/<work_id>")
    def work(work_id: str) -> Any:
        found = works("work_id = ?", (work_id,))
        return jsonify(found[0]) if found else abort(404)

    @app.get("/works/<work_id>")
    def work_page(work_id: str) -> Any:
        found = works("work_id = ?", (work_id,))
        if not found:
            abort(404)
        w = found[0]
        return (
            f"<!doctype html><title>{html.escape(w['title'])}</title>"
            f"<h1>{html.escape(w['title'])}</h1><p>{html.escape(str(w['owner']))}</p>"
            f"<p><code>{w['content_sha256']}</code></p>"
        )

    @app.get("/v1/events")
    def feed() -> Any:
        actor()
        after, limit = int(request.args.get("after", 0)), int(request.args.get("limit", 100))
        nid = "notification_id" if db.postgres else "rowid"
        rows = db.all(
            f"SELECT {nid}, originator_id, originator_version, topic, state FROM {events} "
            f"WHERE {nid} > ? ORDER BY {nid} LIMIT ?",
            (after, limit),
        )
        items = [
            {"position": n, "aggregate_id": str(o), "version": v, "type": t} | json.loads(bytes(s))
            for n, o, v, t, s in rows
        ]
        return jsonify(items=items, next=items[-1]["position"] if items else None)

    @app.get("/v1/participants/<pid>")
    def participant(pid: str) -> Any:
        who = actor()
        if who[1] == "artist" and who[2] != pid:
            abort(403)
        rows = db.all(
            "SELECT program, doc FROM proj_roster_versions WHERE gen = ? AND entity = ? "
            "ORDER BY position DESC LIMIT 1",
            (gen("roster"), pid),
        )
        if not rows:
            abort(404)
        entry = json.loads(rows[0][1])
        person = people([pid]).get(pid, {})
        g = gen("generations")
        made = db.all(
            "SELECT doc FROM proj_generations WHERE gen = ? AND participant = ? AND position > 0 "
            "ORDER BY position LIMIT 21",
            (g, pid),
        )
        total = db.all(
            "SELECT COUNT(*) FROM proj_generations WHERE gen = ? AND participant = ?", (g, pid)
        )[0][0]
        items = [json.loads(doc) for (doc,) in made]
        keys = sorted({f"{i['program']}:{i['tool']}:{i['tool_version']}" for i in items})
        found = docs("proj_generations_docs", g, "disclosure", keys)
        owned = works("position > 0 AND owner_id IN (?) ORDER BY position LIMIT 21", (pid,))
        return jsonify(
            entry
            | {"personal": person, "generation_count": total, "generations": items}
            | {"disclosures": found, "works": owned}
        )

    def stored(aggregate_id: str) -> list[tuple]:
        key = aggregate_id if db.postgres else uuid.UUID(aggregate_id).hex
        return db.all(
            f"SELECT originator_version, topic, state FROM {events} WHERE originator_id = ? "
            "ORDER BY originator_version",
            (key,),
        )

    def insert(topic: str, body: dict[str, Any]) -> Any:
        new = uuid.uuid4()
        state = json.dumps(body | {"originator_id": str(new)}).encode()
        position = db.insert_event(str(new) if db.postgres else new.hex, 1, topic, state)
        return jsonify(id=str(new), position=position), 201

    @app.post("/v1/participants/<pid>/generations")
    def record_generation(pid: str) -> Any:
        who = actor()
        if who[1] == "artist" and who[2] != pid:
            abort(403)
        body = request.get_json()
        participant = stored(pid)  # the participant's events (grants, status)
        if not participant:
            abort(404)
        stored(programs[json.loads(bytes(participant[0][2]))["program"]])
        db.all("SELECT * FROM ledger_outputs WHERE hash = ?", (body["output_sha256"],))
        return insert("ref:GenerationRecorded", body | {"participant": pid})

    @app.post("/v1/programs/<slug>/applications")
    def submit(slug: str) -> Any:
        actor()
        body = request.get_json()
        if not stored(programs[slug]):
            abort(404)
        return insert("ref:ApplicationSubmitted", body | {"program": slug})

    return app
