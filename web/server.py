"""Serving the app with Waitress."""

from __future__ import annotations

import logging
import os
from typing import Any

import falcon
import waitress

from actors.errors import ConfigError


def make_server(app: falcon.App, host: str, port: int, threads: int) -> Any:
    """A Waitress server bound to ``host:port`` (port 0 picks a free one); call ``.run()``."""
    # Waitress warns once per queued request under load; that logging alone costs ~40% of
    # throughput, and a queue that is briefly deep is normal for a busy engine.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return waitress.create_server(app, host=host, port=port, threads=threads,
                                  ident="ops-engine", clear_untrusted_proxy_headers=True)


def pin_process(setting: str) -> set[int] | None:
    """Apply ``web.cpu_affinity`` to this process; return the cores it now runs on, if changed."""
    if setting == "off" or not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if setting == "auto":
        if len(allowed) < 2:
            return None
        cores = {max(allowed)}
    else:
        try:
            cores = {int(part) for part in setting.split(",") if part.strip()}
        except ValueError as exc:
            raise ConfigError(f"web.cpu_affinity: {setting!r} is not auto, off or a core list"
                              ) from exc
    try:
        os.sched_setaffinity(0, cores)
    except OSError as exc:
        raise ConfigError(f"web.cpu_affinity: cannot pin to {sorted(cores)}: {exc}") from exc
    return cores


def bound_port(server: Any) -> int:
    """The port a server made by :func:`make_server` listens on."""
    return int(server.effective_port)
