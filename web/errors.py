"""Every error the API answers, mapped in one place to ``{"ok": false, "error": {code, message}}``."""

from __future__ import annotations

import logging
import re
from typing import Any

import falcon
import pykka

from actors.boot_manager import NotConfigured, RestartFailed
from actors.errors import Conflict, OpsError, TaskNotFound, ValidationError

log = logging.getLogger(__name__)

_STATUS: dict[type[OpsError], str] = {
    ValidationError: falcon.HTTP_400,
    TaskNotFound: falcon.HTTP_404,
    Conflict: falcon.HTTP_409,
    NotConfigured: falcon.HTTP_501,
    RestartFailed: falcon.HTTP_502,
}


def install(app: falcon.App) -> None:
    """Register the handlers and the JSON error serializer on ``app``."""
    app.add_error_handler(Exception, _unexpected)
    app.add_error_handler(OpsError, _ops_error)
    app.add_error_handler(pykka.Timeout, _timeout)
    app.add_error_handler(pykka.ActorDeadError, _dead)
    app.set_error_serializer(_serialize)


def _ops_error(req: falcon.Request, resp: falcon.Response, exc: OpsError, params: Any) -> None:
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), falcon.HTTP_500)
    raise falcon.HTTPError(status, title=exc.code, description=str(exc))


def _timeout(req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any) -> None:
    raise falcon.HTTPServiceUnavailable(
        title="actor_timeout", description="the engine did not answer in time; try again")


def _dead(req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any) -> None:
    raise falcon.HTTPServiceUnavailable(
        title="actor_unavailable", description="an engine actor is restarting; try again")


def _unexpected(req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any) -> None:
    if isinstance(exc, falcon.HTTPError):
        raise exc
    log.exception("unexpected error on %s %s", req.method, req.path)
    raise falcon.HTTPInternalServerError(title="internal_error",
                                         description=f"unexpected {type(exc).__name__}")


def _serialize(req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError) -> None:
    # Our errors put their code in the title; Falcon's own say "404 Not Found" (-> not_found).
    code = _slug(exc.title or str(exc.status))
    message = exc.description or exc.title or "error"
    if exc.status_code == 404 and code == "not_found" and not exc.description:
        message = f"no route {req.path}"
    if exc.status_code == 405:
        message = f"{req.method} is not allowed on {req.path}"
    resp.content_type = falcon.MEDIA_JSON
    resp.media = {"ok": False, "error": {"code": code, "message": message}}


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"^\d+\s*", "", title.lower())).strip("_")
