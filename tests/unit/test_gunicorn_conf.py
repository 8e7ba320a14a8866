"""What a gunicorn worker does once it has loaded the app."""

from __future__ import annotations

import gc

from api import gunicorn_conf


def test_a_worker_moves_its_startup_objects_out_of_the_collectors_reach():
    """A full collection walked every module, class and app object of the
    worker and held all its threads 60-140 ms at a time under load."""
    gc.unfreeze()
    try:
        gunicorn_conf.post_worker_init(None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
