"""gunicorn settings used by `labledger serve` (loaded with `-c python:api.gunicorn_conf`)."""

from __future__ import annotations

import os

# Never preload: each worker builds its own Ledger after the fork.
preload_app = False
worker_class = "sync"
timeout = 30
graceful_timeout = 10
accesslog = "-" if os.environ.get("LEDGER_ACCESS_LOG") else None


def child_exit(server, worker) -> None:  # noqa: ANN001 (gunicorn hook signature)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
