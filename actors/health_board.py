"""The global health picture: asks every HealthActor at once and colours the result."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import pykka

GREEN, YELLOW, RED = "GREEN", "YELLOW", "RED"


def gather(actors: Iterable[tuple[Any, dict[str, Any]]], max_age: float,
           timeout: float) -> list[dict[str, Any]]:
    """Ask each ``(health actor's Slot, fallback report)`` for a report no older than ``max_age``.

    The asks run in parallel, one actor thread each, so a hanging service costs one timeout, not
    one per service. An actor that does not answer within ``timeout`` counts as unhealthy.
    """
    pending = []
    for slot, fallback in actors:
        try:
            pending.append((slot.proxy.fresh(max_age), fallback))
        except pykka.ActorDeadError:
            pending.append((None, fallback))
    reports = []
    deadline = time.monotonic() + timeout  # one deadline for all: the asks run side by side
    for future, fallback in pending:
        try:
            if future is None:
                raise pykka.ActorDeadError("health actor is restarting")
            reports.append(future.get(timeout=max(0.0, deadline - time.monotonic())))
        except (pykka.Timeout, pykka.ActorDeadError) as exc:
            reports.append(dict(fallback, healthy=False,
                                lastError=f"health check did not finish: {type(exc).__name__}"))
    return reports


def colour(reports: Iterable[dict[str, Any]]) -> str:
    """GREEN all healthy; YELLOW a non-critical service down; RED a critical one down."""
    status = GREEN
    for report in reports:
        if not report["healthy"]:
            if report["critical"]:
                return RED
            status = YELLOW
    return status


def summarize(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """Colour, counts and the two service lists, each already encoded as JSON.

    The lists change every few seconds and are read thousands of times a second, so they are
    encoded once here (by the MonitorActor) instead of on every request.
    """
    healthy = sum(1 for r in reports if r["healthy"])
    rows = [{"service": r["service"], "port": r["port"], "healthy": r["healthy"],
             "latency": r["latency"]} for r in reports]
    return {
        "colour": colour(reports),
        "total": len(reports),
        "healthy": healthy,
        "services_json": json.dumps(rows, separators=(",", ":")).encode(),
        "details_json": json.dumps(reports, separators=(",", ":")).encode(),
    }
