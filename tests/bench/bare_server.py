"""The baseline: a bare Falcon route on Waitress, same threads and logging as the engine."""

from __future__ import annotations

import logging
import sys

import falcon

from web.server import make_server


class Sized:
    """A bare route answering as many bytes as /ops/status does, to show what the size costs."""

    BODY = {"ok": True, "details": [{"service": f"Service {i}", "key": f"service{i}",
                                     "port": 4000 + i, "healthy": True, "latency": 12,
                                     "priority": 2, "critical": False,
                                     "lastCheck": "2026-12-04T21:10:56.503Z",
                                     "consecutiveFailures": 0, "lastError": None}
                                    for i in range(24)]}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.BODY


class Bare:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"ok": True}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.bounded_stream.read()
        resp.media = {"ok": True}


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    app = falcon.App()
    app.add_route("/bare", Bare())
    app.add_route("/bare-sized", Sized())
    port, threads = int(sys.argv[1]), int(sys.argv[2])
    server = make_server(app, "127.0.0.1", port, threads)
    print("ready", flush=True)
    server.run()
