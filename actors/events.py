"""Ops events in the seed's format, and the fixed set of their kinds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from actors.clock import iso

TASK_QUEUED = "task_queued"
TASK_START = "task_start"
STEP_COMPLETE = "step_complete"
STEP_SKIPPED = "step_skipped"
STEP_FAILED = "step_failed"
RETRY_SCHEDULED = "retry_scheduled"
TASK_COMPLETE = "task_complete"
TASK_FAILED = "task_failed"
TASK_CANCELLED = "task_cancelled"
RECOVERY = "recovery"
HEALTH_CHANGE = "health_change"
HEALTH_STATUS = "health_status"

# Where events go: (events, also to Telemetry?). The Engine wires it to the BrainLoggerActor.
# A list, so an actor that produces several events in one message sends them in one tell.
Emit = Callable[[list[dict[str, Any]], bool], None]
# Pushes a piece of the operational picture to the MonitorActor (a tell).
Publish = Callable[..., None]


def make_event(
    ts: datetime,
    kind: str,
    subject: str,
    result: str,
    *,
    latency: int = 0,
    retries: int = 0,
    session_id: str | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    """One event: ``{"ts", "service": "ops", "action": "<kind>:<subject>", "result", ...}``."""
    return {
        "ts": iso(ts),
        "service": "ops",
        "action": f"{kind}:{subject}",
        "result": result,
        "latency": latency,
        "retries": retries,
        "sessionId": session_id,
        "metadata": metadata,
    }

