"""``GET /ops/health`` and ``GET /ops/status``: the fleet's health and the engine's state."""

from __future__ import annotations

import falcon

from actors import health_board
from actors.engine import VERSION, Engine


class HealthResource:
    """Checks every service (in parallel, reusing results younger than the freshness)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        engine = self._engine
        reports = engine.health_report()
        queue = engine.scheduler.summary().get(timeout=engine.config.web.ask_timeout)
        resp.media = {
            "ok": True,
            "status": health_board.colour(reports),
            "version": VERSION,
            "services": [{"service": r["service"], "port": r["port"], "healthy": r["healthy"],
                          "latency": r["latency"]} for r in reports],
            "queueLength": queue["queueLength"],
            "activeTask": queue["activeTask"],
            "uptime": engine.uptime(),
        }


class StatusResource:
    """Counts, the queue, each service's detail, recovery overrides and event delivery."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        engine = self._engine
        timeout = engine.config.web.ask_timeout
        reports = engine.health_report()
        queue = engine.scheduler.summary().get(timeout=timeout)
        healthy = sum(1 for r in reports if r["healthy"])
        resp.media = {
            "ok": True,
            "opsStatus": health_board.colour(reports),
            "version": VERSION,
            "uptime": engine.uptime(),
            "services": {"total": len(reports), "healthy": healthy,
                         "unhealthy": len(reports) - healthy},
            "queue": {"length": queue["queueLength"], "activeTask": queue["activeTask"],
                      "running": queue["running"], "retryWait": queue["retryWait"]},
            "details": reports,
            "overrides": engine.recovery.overrides().get(timeout=timeout),
            "providers": engine.balancer.providers().get(timeout=timeout),
            "events": engine.brain.stats().get(timeout=timeout),
        }
