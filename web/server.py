"""Serving the app with Waitress."""

from __future__ import annotations

import logging
import os
from typing import Any

import falcon
import waitress

from actors.errors import ConfigError


def make_server(app: falcon.App, host: str, port: int, threads: int,
                yielding: bool = True) -> Any:
    """A Waitress server bound to ``host:port`` (port 0 picks a free one); call ``.run()``.

    ``yielding`` runs Waitress's event loop with a yield of the core after each round of
    events (see :class:`YieldingLoop`); ``False`` keeps Waitress's own loop.
    """
    # Waitress warns once per queued request under load; that logging alone costs ~40% of
    # throughput, and a queue that is briefly deep is normal for a busy engine.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = waitress.create_server(app, host=host, port=port, threads=threads,
                                    ident="ops-engine", clear_untrusted_proxy_headers=True)
    if yielding and hasattr(os, "sched_yield"):
        server.asyncore = YieldingLoop(server.asyncore)
    return server


class YieldingLoop:
    """Waitress's ``wasyncore`` with a loop that yields the core after each round of events.

    Waitress's I/O thread scans every connection on each round (~30 µs at 64 connections). When
    the request threads block on an actor's answer, that thread is woken for every single
    event and scans once per event: measured at 64 connections of POSTs, 1.7 rounds per
    request (57 µs of its CPU) against 0.16 for a bare route. Yielding after a round lets the
    request threads and actors run first, so the next round finds their events together
    (0.1 rounds, 21 µs per request). With nothing else to run the yield returns at once, and
    an idle loop still sleeps in ``select``.
    """

    def __init__(self, base: Any) -> None:
        self._base = base

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)  # the rest of wasyncore, unchanged

    def loop(self, timeout: float = 30.0, use_poll: bool = False, map: Any = None,
             count: int | None = None) -> None:
        """Waitress's ``wasyncore.loop``, yielding the core after each round."""
        poll = self._base.poll2 if use_poll else self._base.poll
        rounds = -1 if count is None else count
        while map and rounds != 0:
            poll(timeout, map)
            os.sched_yield()  # releases the GIL too
            rounds -= 1


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
