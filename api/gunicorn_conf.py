"""gunicorn settings used by `labledger serve` (loaded with `-c python:api.gunicorn_conf`).

Threaded workers (`gthread`), so a few slow clients cannot take the service
down: a client that dribbles its request holds one thread of one worker, not
a whole worker, and a connection that sends nothing is parked in the worker's
poller (gunicorn gives it 5 s), holding no thread. `serve --workers W
--threads T` answers W x T requests at once. What a worker shares between its
threads is safe to share: the Ledger and its connection pools (eventsourcing
lends a connection to one thread at a time), Services (built once, under a
lock), ReadModels (each follower steps under its own lock) and
TransparencyLog (its cached checkpoint under a lock). In production, put a
buffering reverse proxy in front (README, "In production"): it absorbs slow
clients before they reach us.
"""

from __future__ import annotations

import os

# Never preload: each worker builds its own Ledger after the fork.
preload_app = False
worker_class = "gthread"
threads = 8  # `serve --threads` overrides
# The master restarts a worker whose main loop is silent this long; gthread
# workers keep notifying while requests run, so it bounds a hung worker.
timeout = 30
graceful_timeout = 10
keepalive = 5  # idle keep-alive connections wait in the poller, not in a thread
accesslog = "-" if os.environ.get("LEDGER_ACCESS_LOG") else None


def child_exit(server, worker) -> None:  # noqa: ANN001 (gunicorn hook signature)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker) -> None:  # noqa: ANN001 (gunicorn hook signature)
    """gunicorn's own refusals of a broken request answer problem+json
    (`api.gunicorn_errors`). Compile at boot what a worker's first request
    would otherwise wait for: marshmallow's URL pattern (~90 ms, the first
    application's) and the OpenAPI document. Then move every object the
    worker has so far (modules, classes, the app, the document) out of the
    cyclic collector's reach (`gc.freeze`): a full collection walked them
    all and held every thread of the worker: in one `bench_http.py`
    PostgreSQL run with a gc callback logging pauses over 20 ms, the
    server's processes paused 14 times for 27-139 ms; in the next, with the
    freeze, 6 times for 20-51 ms (2026-11-27)."""
    import gc

    from marshmallow.validate import URL

    from api import gunicorn_errors

    gunicorn_errors.install()  # its own refusals (a broken request) as problem+json
    URL()("https://example.org/")
    # Warmed, not left lazy: the OpenAPI document (`api.openapi.Api`, ~70 ms)
    # costs the boot what `create_app` paid for it before, not a user's first
    # /openapi.json or /docs, and is frozen with the rest. `worker` is None in
    # tests, and its `wsgi` gunicorn's plain error app after a failed --reload.
    app = getattr(worker, "wsgi", None)
    for api in getattr(app, "extensions", {}).get("flask-smorest", {}).get("apis", {}).values():
        api["ext_obj"].complete_doc()
    gc.freeze()
