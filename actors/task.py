"""The task model: a multi-step operation, its steps, and the parsing of a submitted spec."""

from __future__ import annotations

import random
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from actors.clock import parse_iso
from actors.errors import ValidationError

# Task states (DESIGN.md "Task lifecycle").
QUEUED = "QUEUED"
RUNNING = "RUNNING"
RETRY_WAIT = "RETRY_WAIT"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
CANCELLED = "CANCELLED"
LIVE_STATES = (QUEUED, RUNNING, RETRY_WAIT)
FINAL_STATES = (COMPLETED, FAILED, CANCELLED)

# Step states.
PENDING = "PENDING"
SKIPPED = "SKIPPED"
STEP_DONE = (COMPLETED, SKIPPED)

_ALPHABET = string.digits + string.ascii_lowercase
# Seeded from os.urandom; ids need to be unique, not secret, and a system call per id costs.
_RANDOM = random.Random()
_ids_lock = threading.Lock()  # the scheduler makes ids; a REPL session may too
# The last id's millisecond, its counter, and "ops-" + that millisecond encoded (once per ms).
_last_id: tuple[int, int, str] = (0, 0, "")


def new_task_id() -> str:
    """An id like the seed's ``ops-abc123``: ``ops-``, 8 base-36 characters of the millisecond
    and 8 hex digits of a counter that starts at random each millisecond (like a ULID).

    Ids made later sort later, so the store's index on them grows at one end instead of being
    written at random pages (which made each commit of a burst of POSTs dirty a page per task).
    Within one millisecond the counter counts on from its random start, so ids made by one
    process never repeat; it starts below 2**30, leaving over 3 * 10**9 ids of room per
    millisecond in its 8 digits.
    """
    global _last_id
    now_ms = time.time_ns() // 1_000_000
    with _ids_lock:
        last_ms, last_count, prefix = _last_id
        if now_ms > last_ms:
            _last_id = (now_ms, _RANDOM.getrandbits(30), "ops-" + _base36(now_ms, 8))
        else:  # the same millisecond, or the wall clock stepped back: count on
            _last_id = (last_ms, last_count + 1, prefix)
        _, count, prefix = _last_id
    return f"{prefix}{count:08x}"


def _base36(number: int, width: int) -> str:
    chars = [""] * width
    for i in range(width - 1, -1, -1):
        number, digit = divmod(number, 36)
        chars[i] = _ALPHABET[digit]
    return "".join(chars)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and after which delays a task is retried."""

    limit: int
    backoff: tuple[float, ...]


@dataclass(frozen=True)
class TaskSpec:
    """A validated submission: what ``POST /ops/queue`` and ``POST /ops/run`` accept."""

    task: str
    steps: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    session_id: str | None = None
    retry: RetryPolicy | None = None


@dataclass
class Step:
    """One step of a task and everything the engine learned running it."""

    name: str
    service: str
    status: str = PENDING
    attempts: int = 0
    latency: int | None = None  # ms of the last attempt
    output: Any = None
    error: str | None = None
    served_by: str | None = None  # the service that answered (differs after a fallback)
    started_at: str | None = None
    finished_at: str | None = None


@dataclass
class Task:
    """A task's whole record, as stored and as ``GET /ops/tasks/{taskId}`` renders it."""

    id: str
    task: str
    steps: list[Step]
    params: dict[str, Any]
    session_id: str | None
    mode: str  # "queue" or "run"
    status: str
    created_at: str
    updated_at: str
    retries: int = 0
    retry: RetryPolicy | None = None
    started_at: str | None = None
    finished_at: str | None = None
    next_retry_at: str | None = None
    error: str | None = None
    cancel_reason: str | None = None
    cancelled_at: str | None = None
    crash_resumes: int = 0
    recoveries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_spec(cls, spec: TaskSpec, mode: str, routing: dict[str, str], stamp: str) -> Task:
        """A new task for ``spec``, each step routed to its service."""
        return cls(id=new_task_id(), task=spec.task, mode=mode, status=QUEUED,
                   steps=[Step(name=s, service=routing[s]) for s in spec.steps],
                   params=spec.params, session_id=spec.session_id, retry=spec.retry,
                   created_at=stamp, updated_at=stamp)

    def elapsed_ms(self, now: datetime) -> int:
        """Milliseconds since the task first started (0 if it never did)."""
        if not self.started_at:
            return 0
        return max(0, int((now - parse_iso(self.started_at)).total_seconds() * 1000))

    @property
    def next_step(self) -> int | None:
        """Index of the first step not yet done, or None when all are."""
        for index, step in enumerate(self.steps):
            if step.status not in STEP_DONE:
                return index
        return None

    def context(self, upto: int) -> dict[str, Any]:
        """Outputs of the steps before ``upto``, keyed by step name (dependency tracking)."""
        return {s.name: s.output for s in self.steps[:upto] if s.status == COMPLETED}

    def summary(self) -> dict[str, Any]:
        """The ``activeTask`` shape of ``GET /ops/queue``."""
        nxt = self.next_step
        return {
            "taskId": self.id,
            "task": self.task,
            "status": self.status,
            "currentStep": len(self.steps) if nxt is None else nxt + 1,
            "totalSteps": len(self.steps),
        }

    def to_dict(self) -> dict[str, Any]:
        """The stored and rendered record, with the seed's camelCase names."""
        return {
            "taskId": self.id,
            "task": self.task,
            "status": self.status,
            "mode": self.mode,
            "sessionId": self.session_id,
            "params": self.params,
            "retries": self.retries,
            "retry": None if self.retry is None else {
                "limit": self.retry.limit, "backoff": list(self.retry.backoff)},
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
            "nextRetryAt": self.next_retry_at,
            "error": self.error,
            "cancelReason": self.cancel_reason,
            "cancelledAt": self.cancelled_at,
            "crashResumes": self.crash_resumes,
            "recoveries": self.recoveries,
            "currentStep": self.summary()["currentStep"],
            "totalSteps": len(self.steps),
            "steps": [_step_dict(s) for s in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        retry = data.get("retry")
        return cls(
            id=data["taskId"],
            task=data["task"],
            status=data["status"],
            mode=data["mode"],
            session_id=data.get("sessionId"),
            params=data.get("params") or {},
            retries=data.get("retries", 0),
            retry=None if retry is None else RetryPolicy(retry["limit"], tuple(retry["backoff"])),
            created_at=data["createdAt"],
            updated_at=data["updatedAt"],
            started_at=data.get("startedAt"),
            finished_at=data.get("finishedAt"),
            next_retry_at=data.get("nextRetryAt"),
            error=data.get("error"),
            cancel_reason=data.get("cancelReason"),
            cancelled_at=data.get("cancelledAt"),
            crash_resumes=data.get("crashResumes", 0),
            recoveries=data.get("recoveries") or [],
            steps=[
                Step(
                    name=s["step"], service=s["service"], status=s["status"],
                    attempts=s["attempts"], latency=s.get("latency"), output=s.get("output"),
                    error=s.get("error"), served_by=s.get("servedBy"),
                    started_at=s.get("startedAt"), finished_at=s.get("finishedAt"),
                )
                for s in data["steps"]
            ],
        )


def _step_dict(step: Step) -> dict[str, Any]:
    # Built by hand: dataclasses.asdict deep-copies the output and costs more than the JSON.
    return {
        "step": step.name,
        "service": step.service,
        "status": step.status,
        "attempts": step.attempts,
        "latency": step.latency,
        "output": step.output,
        "error": step.error,
        "servedBy": step.served_by,
        "startedAt": step.started_at,
        "finishedAt": step.finished_at,
    }


def parse_spec(body: Any, routing: dict[str, str]) -> TaskSpec:
    """Validate a submitted body against the known steps; raise ValidationError naming the fault."""
    if not isinstance(body, dict):
        raise ValidationError("request body must be a JSON object")
    name = body.get("task")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("'task' is required and must be a non-empty string")
    if len(name) > 200:
        raise ValidationError("'task' must be at most 200 characters")
    steps = body.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ValidationError("'steps' is required and must be a non-empty list of step names")
    known = ", ".join(sorted(routing))
    for step in steps:
        if not isinstance(step, str):
            raise ValidationError(f"'steps' must hold step names (strings); known steps: {known}")
        if step not in routing:
            raise ValidationError(f"unknown step {step!r}; known steps: {known}")
    params = body.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError("'params' must be a JSON object")
    session = body.get("sessionId")
    if session is not None and not isinstance(session, str):
        raise ValidationError("'sessionId' must be a string")
    return TaskSpec(
        task=name, steps=tuple(steps), params=params, session_id=session,
        retry=_parse_retry(body.get("retry")),
    )


def _parse_retry(raw: Any) -> RetryPolicy | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"limit", "backoff"}:
        raise ValidationError("'retry' must be an object with 'limit' and/or 'backoff'")
    limit = raw.get("limit", 3)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 10:
        raise ValidationError("'retry.limit' must be an integer from 0 to 10")
    backoff = raw.get("backoff", [10, 30, 60])
    if (not isinstance(backoff, list) or (limit and not backoff) or not all(
            isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b <= 86400
            for b in backoff)):
        raise ValidationError("'retry.backoff' must be a non-empty list of seconds (0 to 86400)")
    return RetryPolicy(limit=limit, backoff=tuple(float(b) for b in backoff))
