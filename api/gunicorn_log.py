"""gunicorn's logger, naming the address its master does not bind.

With `--reuse-port` (`api.serve.reuse_port`) each worker binds a socket of
its own and the master none, so gunicorn logs `Listening at:  (pid)` with an
empty address. This logger fills in the bound address; the sockets are bound
exactly as before. `serve` passes it as `--logger-class`.
"""

from __future__ import annotations

from typing import Any

from gunicorn import glogging

LISTENING = "Listening at: %s (%s)"


class Logger(glogging.Logger):
    def setup(self, cfg: Any) -> None:  # gunicorn's Config
        super().setup(cfg)
        self.bind: list[str] = list(cfg.bind) if cfg.reuse_port else []

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        if msg == LISTENING and args and not args[0] and self.bind:
            where = ",".join(f"http://{address}" for address in self.bind)
            args = (f"{where} [a socket per worker: reuse-port]", *args[1:])
        super().info(msg, *args, **kwargs)
