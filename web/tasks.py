"""Task endpoints: queue, run, inspect and cancel tasks (the SchedulerActor answers)."""

from __future__ import annotations

from typing import Any

import falcon

from actors.engine import Engine
from actors.task import parse_spec
from web.body import int_param, read_json


class _TaskResource:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._timeout = engine.config.web.ask_timeout
        self._max_body = engine.config.web.max_body

    def _spec(self, req: falcon.Request) -> Any:
        return parse_spec(read_json(req, self._max_body), self._engine.config.routing)


class QueueResource(_TaskResource):
    """``POST /ops/queue`` adds a task; ``GET /ops/queue`` shows a page of the queue."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = self._spec(req)
        queued = self._engine.submit(spec, self._timeout)
        resp.media = {"ok": True, "status": "QUEUED", "taskId": queued["taskId"],
                      "queuePosition": queued["queuePosition"],
                      "message": "Task queued for execution"}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = int_param(req, "limit", self._engine.config.web.page_size, 1, 1000)
        offset = int_param(req, "offset", 0, 0, 10**9)
        snap = self._engine.ask("scheduler", "snapshot", limit, offset, timeout=self._timeout)
        resp.media = {"ok": True, **snap}


class RunResource(_TaskResource):
    """``POST /ops/run`` starts a task at once, beside the queue."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = self._spec(req)
        started = self._engine.scheduler.run_now(spec).get(timeout=self._timeout)
        resp.media = {"ok": True, "status": "RUNNING", "taskId": started["taskId"],
                      "message": "Task executing immediately"}


class TaskResource(_TaskResource):
    """``GET /ops/tasks/{taskId}``: the whole record."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        record = self._engine.ask("scheduler", "task", task_id, timeout=self._timeout)
        resp.media = {"ok": True, "task": record}


class CancelResource(_TaskResource):
    """``POST /ops/tasks/{taskId}/cancel`` with an optional ``{"reason": "..."}``."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        reason = None
        if req.content_length:
            body = read_json(req, self._max_body)
            if not isinstance(body, dict) or not isinstance(body.get("reason", ""), str):
                raise falcon.HTTPBadRequest(title="invalid_request",
                                            description="body must be {\"reason\": \"...\"}")
            reason = body.get("reason")
        result = self._engine.scheduler.cancel(task_id, reason).get(timeout=self._timeout)
        resp.media = {"ok": True, **result}
