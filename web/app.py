"""``create_app(engine)``: the Falcon app that serves the Ops Engine's endpoints."""

from __future__ import annotations

import falcon

from actors.engine import Engine
from web import errors
from web.monitor import HealthResource, StatusResource
from web.recover import RecoverResource
from web.tasks import CancelResource, QueueResource, RunResource, TaskResource


def create_app(engine: Engine) -> falcon.App:
    """The app for ``engine``; every responder validates, asks an actor, renders."""
    app = falcon.App()
    # Bodies are read as JSON by the responders whatever the Content-Type (see web.body).
    app.req_options.strip_url_path_trailing_slash = True
    app.add_route("/ops/health", HealthResource(engine))
    app.add_route("/ops/status", StatusResource(engine))
    app.add_route("/ops/run", RunResource(engine))
    app.add_route("/ops/queue", QueueResource(engine))
    app.add_route("/ops/tasks/{task_id}", TaskResource(engine))
    app.add_route("/ops/tasks/{task_id}/cancel", CancelResource(engine))
    app.add_route("/ops/recover", RecoverResource(engine))
    errors.install(app)
    return app
