"""``GET /ops/health`` and ``GET /ops/status``: the fleet's health and the engine's state."""

from __future__ import annotations

import falcon

from actors import health_board
from actors.engine import VERSION, Engine


class HealthResource:
    """Every service's health: checked in parallel unless a check is younger than the freshness."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        board = self._engine.board()
        reports, queue = board["reports"], board["queue"]
        resp.media = {
            "ok": True,
            "status": health_board.colour(reports),
            "version": VERSION,
            "services": [{"service": r["service"], "port": r["port"], "healthy": r["healthy"],
                          "latency": r["latency"]} for r in reports],
            "queueLength": queue["queueLength"],
            "activeTask": queue["activeTask"],
            "uptime": self._engine.uptime(),
        }


class StatusResource:
    """Counts, the queue, each service's detail, recovery overrides and event delivery."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        board = self._engine.board()
        reports, queue = board["reports"], board["queue"]
        healthy = sum(1 for r in reports if r["healthy"])
        resp.media = {
            "ok": True,
            "opsStatus": health_board.colour(reports),
            "version": VERSION,
            "uptime": self._engine.uptime(),
            "services": {"total": len(reports), "healthy": healthy,
                         "unhealthy": len(reports) - healthy},
            "queue": {"length": queue["queueLength"], "activeTask": queue["activeTask"],
                      "running": queue["running"], "retryWait": queue["retryWait"]},
            "details": reports,
            "overrides": board["overrides"],
            "events": board["events"],
        }
