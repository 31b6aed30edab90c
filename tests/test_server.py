"""The HTTP server's set-up: Waitress with the engine's yielding event loop."""

from __future__ import annotations

import threading
from typing import Any

import falcon
import pytest
import requests
from waitress import wasyncore

from web import server as web_server
from web.server import YieldingLoop, bound_port, make_server


class _Ping:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"ok": True}


class _FakeBase:
    """Stands in for wasyncore: records which poll ran and with what."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.dispatcher = "the base's dispatcher"

    def poll(self, timeout: float, map: Any) -> None:
        self.calls.append(("select", timeout))

    def poll2(self, timeout: float, map: Any) -> None:
        self.calls.append(("poll", timeout))


def test_loop_yields_the_core_after_every_round(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    base = _FakeBase()
    monkeypatch.setattr(web_server.os, "sched_yield", lambda: order.append("yield"))
    base_poll = base.poll

    def poll(timeout: float, map: Any) -> None:
        order.append("round")
        base_poll(timeout, map)

    monkeypatch.setattr(base, "poll", poll)
    loop = YieldingLoop(base)
    loop.loop(timeout=2.5, map={1: object()}, count=3)
    assert order == ["round", "yield"] * 3
    assert base.calls == [("select", 2.5)] * 3
    loop.loop(timeout=1.0, use_poll=True, map={1: object()}, count=1)
    assert base.calls[-1] == ("poll", 1.0)
    assert loop.dispatcher == "the base's dispatcher"  # the rest of wasyncore passes through


def test_loop_ends_when_its_map_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _FakeBase()
    channels = {1: object()}
    monkeypatch.setattr(web_server.os, "sched_yield", lambda: channels.clear())
    YieldingLoop(base).loop(timeout=1.0, map=channels)  # no count: runs until the map empties
    assert len(base.calls) == 1


def test_server_uses_the_yielding_loop_unless_asked_not_to() -> None:
    app = falcon.App()
    app.add_route("/ping", _Ping())
    stock = make_server(app, "127.0.0.1", 0, 2, yielding=False)
    assert stock.asyncore is wasyncore
    stock.close()
    srv = make_server(app, "127.0.0.1", 0, 2)
    assert isinstance(srv.asyncore, YieldingLoop)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        session = requests.Session()
        for _ in range(20):  # requests keep being served round after round
            assert session.get(f"http://127.0.0.1:{bound_port(srv)}/ping", timeout=5).json() == {
                "ok": True}
    finally:
        srv.close()  # as with Waitress's own loop, the daemon thread is left to the process
