"""Prometheus metrics, correct across gunicorn workers.

`labledger serve` sets PROMETHEUS_MULTIPROC_DIR (a fresh directory) before the
workers start; each worker then writes its samples there and `/metrics`
aggregates them. Without it (tests, a single process) the default registry
is used.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "labledger_http_requests_total",
    "HTTP requests by route and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "labledger_http_request_duration_seconds", "HTTP request latency by route", ["method", "route"]
)
EVENTS = Counter("labledger_events_appended_total", "Events appended to the log by type", ["type"])


def count_events(types: Iterable[str]) -> None:
    for event_type in types:
        EVENTS.labels(type=event_type).inc()


# A label value is a new time series in every scrape: only these methods get
# their own, so a client inventing methods cannot grow /metrics without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"


def _method(method: str) -> str:
    return method if method in METHODS else "other"


@functools.cache
def _requests(method: str, route: str, status: int) -> Any:
    """The series of one method, route and status: looked up once per worker
    (`labels` validates and locks on every call). Bounded as the labels are:
    the app's routes, `METHODS` and the statuses it answers."""
    return REQUESTS.labels(method, route, str(status))


@functools.cache
def _latency(method: str, route: str) -> Any:
    return LATENCY.labels(method, route)


_STARTED = "labledger.started"  # in the WSGI environ: no `g` lookup either side


def init_metrics(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        request.environ[_STARTED] = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        req = request._get_current_object()  # type: ignore[attr-defined]
        # The rule, never the path: ids in paths would be a series each.
        rule = req.url_rule
        route = rule.rule if rule is not None else UNMATCHED
        method = _method(req.method)
        _requests(method, route, response.status_code).inc()
        started = req.environ.get(_STARTED)
        if started is not None:
            _latency(method, route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            payload = generate_latest(registry)
        else:
            payload = generate_latest()
        return Response(payload, mimetype=CONTENT_TYPE_LATEST)
