"""MonitorActor: the operational picture that the health and status endpoints read in one ask.

The actors that own each piece push it here with a ``tell`` when it changes: every HealthActor its
last check, the scheduler its queue summary, the recovery actor its overrides, the Brain logger its
delivery counts. So ``GET /ops/health`` costs one ask instead of one per service (asks are the
dominant cost of a request), and it never waits on an actor that is busy with I/O.
"""

from __future__ import annotations

from typing import Any

from actors import events as ev
from actors.actor import Actor
from actors.clock import Clock
from actors.events import Emit
from actors.health_board import colour, summarize
from actors.reply import Answering
from actors.service_map import ServiceMap


class MonitorActor(Answering, Actor):
    """Keeps the latest report of everything an operator's status view shows."""

    def __init__(self, services: ServiceMap, clock: Clock, emit: Emit) -> None:
        super().__init__()
        self._clock = clock
        self._emit = emit
        self._order = services.keys()
        self._reports: dict[str, dict[str, Any]] = {
            svc.key: _unchecked(svc.key, svc.name, svc.port, svc.priority, svc.critical)
            for svc in services
        }
        self._checked_at: dict[str, float] = {}
        self._colour: str | None = None
        self._summary: dict[str, Any] | None = None  # summarize(reports), None when stale
        self._queue: dict[str, Any] = {"queueLength": 0, "activeTask": None, "running": 0,
                                       "retryWait": 0}
        self._overrides: dict[str, Any] = {}
        self._events: dict[str, Any] = {}

    # -- pushed by the owners (tells) --------------------------------------------------------

    def health(self, key: str, report: dict[str, Any]) -> None:
        """A HealthActor's latest check."""
        self._reports[key] = report
        self._checked_at[key] = self._clock.monotonic()
        self._summary = None
        if len(self._checked_at) == len(self._reports):
            self._note_colour()

    def queue(self, summary: dict[str, Any]) -> None:
        """The scheduler's queue length, active task and counts."""
        self._queue = summary

    def overrides(self, overrides: dict[str, Any]) -> None:
        """The recovery overrides in force."""
        self._overrides = overrides

    def events(self, stats: dict[str, Any]) -> None:
        """The Brain logger's delivery counts."""
        self._events = stats

    # -- read (asks) -------------------------------------------------------------------------

    def board(self, max_age: float) -> dict[str, Any]:
        """Everything, plus which services have no check younger than ``max_age`` seconds."""
        if self._summary is None:
            reports = [self._reports[k] for k in self._order]
            oldest = min((self._checked_at.get(k, -1e18) for k in self._order), default=0.0)
            self._summary = {"reports": reports, "oldest": oldest, **summarize(reports)}
        now = self._clock.monotonic()
        stale: list[str] = []
        if now - self._summary["oldest"] >= max_age:  # the common case skips the scan
            stale = [k for k in self._order if now - self._checked_at.get(k, -1e18) >= max_age]
        return {"stale": stale, "queue": self._queue, "overrides": self._overrides,
                "events": self._events, **self._summary}

    def _note_colour(self) -> None:
        status = colour(self._reports.values())
        if status != self._colour:
            if self._colour is not None:
                down = [r["key"] for r in self._reports.values() if not r["healthy"]]
                self._emit([ev.make_event(self._clock.now(), ev.HEALTH_STATUS, status,
                                          status.lower(), previous=self._colour, down=down)], False)
            self._colour = status


def _unchecked(key: str, name: str, port: int, priority: int, critical: bool) -> dict[str, Any]:
    return {"service": name, "key": key, "port": port, "healthy": False, "latency": None,
            "priority": priority, "critical": critical, "lastCheck": None,
            "consecutiveFailures": 0, "lastError": "not checked yet"}
