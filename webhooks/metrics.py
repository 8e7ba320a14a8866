"""Delivery metrics. Under `labledger serve` the worker process writes them to
PROMETHEUS_MULTIPROC_DIR, so the API's `/metrics` shows them beside its own."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from webhooks.client import Outcome

ATTEMPTS = Counter(
    "labledger_webhook_attempts_total",
    "Webhook delivery attempts by result (ok, http_4xx, http_5xx, redirect, error)",
    ["result"],
)
LATENCY = Histogram(
    "labledger_webhook_attempt_duration_seconds", "Webhook delivery attempt latency"
)


def result_label(outcome: Outcome) -> str:
    if outcome.ok:
        return "ok"
    if outcome.status_code is None:
        return "error"
    if 300 <= outcome.status_code < 400:
        return "redirect"
    return f"http_{outcome.status_code // 100}xx"


def observe(outcome: Outcome) -> None:
    ATTEMPTS.labels(result_label(outcome)).inc()
    LATENCY.observe(outcome.latency_ms / 1000)
