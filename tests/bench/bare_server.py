"""The baseline: a bare Falcon route on Waitress, same threads and logging as the engine.

``python -m tests.bench.bare_server PORT THREADS stock|yielding``: Waitress's own event loop,
or the engine's (web.server.YieldingLoop).
"""

from __future__ import annotations

import json
import logging
import sys

import falcon

from web.server import make_server


class Sized:
    """A bare route answering as many bytes as /ops/status does, to show what the size costs.

    Encoded once, as /ops/status's service details are: encoding 5 KB of JSON per request
    would cost more than sending it.
    """

    BODY = {"ok": True, "details": [{"service": f"Service {i}", "key": f"service{i}",
                                     "port": 4000 + i, "healthy": True, "latency": 12,
                                     "priority": 2, "critical": False,
                                     "lastCheck": "2026-12-04T21:10:56.503Z",
                                     "consecutiveFailures": 0, "lastError": None}
                                    for i in range(24)]}

    RAW = json.dumps(BODY, separators=(",", ":")).encode()

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.RAW


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
    port, threads, loop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = make_server(app, "127.0.0.1", port, threads, yielding=loop == "yielding")
    print("ready", flush=True)
    server.run()
