"""``POST /ops/recover`` (restart, fallback, skip, reset) and ``GET /ops/recover`` (overrides)."""

from __future__ import annotations

import falcon

from actors.engine import Engine
from actors.errors import ValidationError
from web.body import read_json


class RecoverResource:
    """Operator-driven recovery; the RecoveryActor decides and records."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._timeout = engine.config.web.ask_timeout + engine.config.recovery.restart_timeout

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_json(req, self._engine.config.web.max_body)
        if not isinstance(body, dict):
            raise ValidationError("request body must be a JSON object")
        service, action = body.get("service"), body.get("action")
        if not isinstance(service, str) or not service.strip():
            raise ValidationError("'service' is required and must be a non-empty string")
        if not isinstance(action, str):
            raise ValidationError("'action' is required: restart, fallback, skip or reset")
        result = self._engine.recovery.recover(service, action).get(timeout=self._timeout)
        resp.media = {"ok": True, **result}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        overrides = self._engine.recovery.overrides().get(timeout=self._timeout)
        resp.media = {"ok": True, "overrides": overrides}
