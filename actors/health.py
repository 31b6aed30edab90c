"""HealthActor: one per service; its last check, latency and consecutive failures.

Flapping protection: once a service has a state, it is reported down only after ``fall``
consecutive failed checks and up again after ``rise`` good ones. Its first check decides at once.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from actors import events as ev
from actors.actor import Actor
from actors.clock import Clock, iso
from actors.config import HealthConfig
from actors.events import Emit, Publish
from actors.service_map import Service, service_session


class HealthActor(Actor):
    """Checks one service's health path."""

    use_daemon_thread = True  # a check stuck on a socket must not hold the process open

    def __init__(self, service: Service, config: HealthConfig, clock: Clock, emit: Emit,
                 publish: Publish = lambda key, report: None) -> None:
        super().__init__()
        self._publish = publish
        self._service = service
        self._config = config
        self._clock = clock
        self._emit = emit
        self._healthy: bool | None = None
        self._streak = 0  # consecutive checks that disagree with the reported state
        self._failures = 0  # consecutive failed checks
        self._latency: int | None = None
        self._checked_at: float | None = None
        self._checked_wall: str | None = None
        self._error: str | None = None

    def on_start(self) -> None:
        self._session = service_session()

    def on_stop(self) -> None:
        self._session.close()

    def check(self) -> dict[str, Any]:
        """GET the health path now (2 s timeout by default) and report."""
        started = time.monotonic()
        ok, error = self._probe()
        self._latency = int((time.monotonic() - started) * 1000)
        self._checked_at = self._clock.monotonic()
        self._checked_wall = iso(self._clock.now())
        self._failures = 0 if ok else self._failures + 1
        self._error = error
        self._apply(ok)
        report = self.last()
        self._publish(self._service.key, report)
        return report

    def fresh(self, max_age: float) -> dict[str, Any]:
        """The last report if younger than ``max_age`` seconds, else a new check."""
        if self._checked_at is not None and self._clock.monotonic() - self._checked_at < max_age:
            return self.last()
        return self.check()

    def last(self) -> dict[str, Any]:
        """The last report, without checking."""
        svc = self._service
        return {
            "service": svc.name,
            "key": svc.key,
            "port": svc.port,
            "healthy": bool(self._healthy),
            "latency": self._latency,
            "priority": svc.priority,
            "critical": svc.critical,
            "lastCheck": self._checked_wall,
            "consecutiveFailures": self._failures,
            "lastError": self._error,
        }

    def _probe(self) -> tuple[bool, str | None]:
        timeout = self._config.timeout
        try:
            resp = self._session.get(self._service.url(self._service.health_path),
                                     timeout=(timeout, timeout))
        except requests.Timeout:
            return False, f"no answer within {timeout:g} s"
        except requests.RequestException as exc:
            return False, f"unreachable: {type(exc).__name__}"
        if 200 <= resp.status_code < 300:
            return True, None
        return False, f"answered {resp.status_code}"

    def _apply(self, ok: bool) -> None:
        if self._healthy is None:
            self._healthy = ok
            return
        if ok == self._healthy:
            self._streak = 0
            return
        self._streak += 1
        needed = self._config.rise if ok else self._config.fall
        if self._streak >= needed:
            self._healthy = ok
            self._streak = 0
            self._emit([ev.make_event(self._clock.now(), ev.HEALTH_CHANGE, self._service.key,
                                      "up" if ok else "down", latency=self._latency or 0,
                                      service_key=self._service.key, error=self._error)], False)
