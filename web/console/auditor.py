"""Auditors: the audit report of each program (every invariant re-checked
over the whole history, violations first and marked), as JSON and CSV, with
the signed checkpoint it is tied to; and the checkpoint history, each one
checked in the browser against the one before it (the public site's
`transparency.js`: a consistency proof from the API, verified with WebCrypto,
the server's word never taken).

The report is `ReadModels.audit_report`, as `GET /v1/programs/{slug}/audit-report`
answers it; its CSV is the API's (`projections.audit.as_csv`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response

from api.errors import ProblemError
from api.services import system
from ledger.actors import Role
from projections.audit import as_csv
from web.console import session, ui
from web.pages import checkpoint_history

blp = Blueprint("auditor", __name__, url_prefix="/audit")
PROGRAMS_PER_PAGE = 50


@blp.get("")
@session.allow(Role.AUDITOR, Role.STAFF)
def reports() -> str:
    position = ui.caught_up("catalog", "audit")
    programs, more, _ = system().read_models.programs(
        after=ui.cursor("after") or 0, limit=PROGRAMS_PER_PAGE
    )
    return ui.page("console/auditor/reports.html", position=position, programs=programs, more=more)


def _checkpoint() -> dict[str, Any] | None:
    """The latest signed checkpoint, as the API's report carries it (a report
    is still shown when the tree is not there yet)."""
    try:
        signed = system().transparency.checkpoint()
    except Exception:  # optional, as in the API: no tree yet leaves it out
        return None
    return {"tree_size": signed.head.size, "note": signed.note}


def _report(slug: str) -> dict[str, Any]:
    ui.caught_up("audit")
    report = system().read_models.audit_report(slug)
    if report is None:
        raise ProblemError(404, f"There is no program {slug!r}.", title="No such program")
    report["checkpoint"] = _checkpoint()
    return report


@blp.get("/programs/<slug>")
@session.allow(Role.AUDITOR, Role.STAFF)
def report(slug: str) -> str:
    body = _report(slug)
    names = {i["id"]: i["rule"] for i in body["invariants"]}
    return ui.page(
        "console/auditor/report.html", position=body["position"], report=body, rules=names
    )


def _download(body: str, mimetype: str, name: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@blp.get("/programs/<slug>/report.json")
@session.allow(Role.AUDITOR, Role.STAFF)
def report_json(slug: str) -> Response:
    body = _report(slug)
    text = json.dumps(body, indent=2, ensure_ascii=False)
    return _download(text, "application/json", f"audit-{slug}-{body['position']}.json")


@blp.get("/programs/<slug>/report.csv")
@session.allow(Role.AUDITOR, Role.STAFF)
def report_csv(slug: str) -> Response:
    body = _report(slug)
    return _download(as_csv(body), "text/csv", f"audit-{slug}-{body['position']}.csv")


@blp.get("/checkpoints")
@session.allow(Role.AUDITOR, Role.STAFF)
def checkpoints() -> str:
    shown, older = checkpoint_history(ui.cursor("before"))
    return ui.page(
        "console/auditor/checkpoints.html",
        position=shown[0]["size"] if shown else 0,
        checkpoints=shown,
        older=older,
        vkey=system().transparency.vkey,
    )
