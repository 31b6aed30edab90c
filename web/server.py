"""Serving the app with Waitress."""

from __future__ import annotations

import logging
from typing import Any

import falcon
import waitress


def make_server(app: falcon.App, host: str, port: int, threads: int) -> Any:
    """A Waitress server bound to ``host:port`` (port 0 picks a free one); call ``.run()``."""
    # Waitress warns once per queued request under load; that logging alone costs ~40% of
    # throughput, and a queue that is briefly deep is normal for a busy engine.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return waitress.create_server(app, host=host, port=port, threads=threads,
                                  ident="ops-engine", clear_untrusted_proxy_headers=True)


def bound_port(server: Any) -> int:
    """The port a server made by :func:`make_server` listens on."""
    return int(server.effective_port)
