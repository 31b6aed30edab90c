"""``GET /ops/health`` and ``GET /ops/status``: the fleet's health and the engine's state.

Both read the MonitorActor's board in one ask; the service lists come already encoded from it.
"""

from __future__ import annotations

import falcon

from actors.engine import VERSION, Engine
from web.render import RawJSON, compose


class _BoardResource:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine


class HealthResource(_BoardResource):
    """Every service's health: checked in parallel unless a check is younger than the freshness."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        board = self._engine.board()
        queue = board["queue"]
        compose(resp, {
            "ok": True,
            "status": board["colour"],
            "version": VERSION,
            "services": RawJSON(board["services_json"]),
            "queueLength": queue["queueLength"],
            "activeTask": queue["activeTask"],
            "uptime": self._engine.uptime(),
        })


class StatusResource(_BoardResource):
    """Counts, the queue, each service's detail, recovery overrides and event delivery."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        board = self._engine.board()
        queue = board["queue"]
        compose(resp, {
            "ok": True,
            "opsStatus": board["colour"],
            "version": VERSION,
            "uptime": self._engine.uptime(),
            "services": {"total": board["total"], "healthy": board["healthy"],
                         "unhealthy": board["total"] - board["healthy"]},
            "queue": {"length": queue["queueLength"], "activeTask": queue["activeTask"],
                      "running": queue["running"], "retryWait": queue["retryWait"]},
            "details": RawJSON(board["details_json"]),
            "overrides": board["overrides"],
            "events": board["events"],
        })
