"""The baseline: a bare Falcon route on Waitress, same threads and logging as the engine."""

from __future__ import annotations

import logging
import sys

import falcon

from web.server import make_server


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
    port, threads = int(sys.argv[1]), int(sys.argv[2])
    server = make_server(app, "127.0.0.1", port, threads)
    print("ready", flush=True)
    server.run()
