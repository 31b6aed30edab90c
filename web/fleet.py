"""The simulated Codex fleet: one small app per service, standing in for the real ones.

Every service of the map gets its own loopback port (one Waitress server listens on all of them
and tells them apart by port). Each answers ``/health`` and its steps with plausible JSON for its
role; its latency, failure rate and mode (up, down, garbage, hang, reject, provider_error) can be
set from Python or over HTTP (``POST /_fleet/<service>`` on any of its ports), so tests and the
demo can make a service slow, down, or answer nonsense. Brain and Telemetry keep the events they
are sent; Account Safety answers accounts per platform.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import falcon
import waitress

from actors.service_map import Service

MODES = ("up", "down", "garbage", "hang", "reject", "provider_error")


@dataclass
class Behaviour:
    """How one simulated service behaves."""

    latency: float = 0.0  # seconds added to every answer
    failure_rate: float = 0.0  # share of step calls answered 503
    mode: str = "up"
    hang_seconds: float = 30.0  # how long "hang" holds a request before giving up


@dataclass(frozen=True)
class Call:
    """One step call a simulated service received."""

    service: str
    path: str
    key: str | None
    body: Any
    at: float


DEFAULT_ACCOUNTS: dict[str, list[dict[str, Any]]] = {
    platform: [
        {"accountId": f"{platform}-safe-1", "tier": "SAFE", "recentBans": 0, "flagged": False},
        {"accountId": f"{platform}-safe-2", "tier": "SAFE", "recentBans": 1, "flagged": False},
        {"accountId": f"{platform}-medium-1", "tier": "MEDIUM", "recentBans": 0, "flagged": False},
        {"accountId": f"{platform}-exp-1", "tier": "EXPERIMENT", "recentBans": 0, "flagged": False},
    ]
    for platform in ("tiktok", "youtube", "instagram")
}


class Fleet:
    """Runs every simulated service on loopback until :meth:`stop`."""

    def __init__(self, services: Iterable[Service], seed: int = 7, threads: int = 32) -> None:
        self._services = {s.key: s for s in services}
        self._behaviour = {key: Behaviour() for key in self._services}
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._events: dict[str, list[dict[str, Any]]] = {"brain": [], "telemetry": []}
        self.accounts = {k: [dict(a) for a in v] for k, v in DEFAULT_ACCOUNTS.items()}
        self._release = threading.Event()
        # Per service, set to let go of the requests it holds in "hang" (then replaced).
        self._unhang = {key: threading.Event() for key in self._services}
        self._hanging: dict[int, int] = {}
        self._generation = 0
        self.peak_hanging = 0  # most requests held by "hang" at one time (shows parallel callers)
        self._threads = threads
        self._by_port: dict[int, str] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1") -> Fleet:
        sockets = []
        for key in self._services:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            self._by_port[sock.getsockname()[1]] = key
            sockets.append(sock)
        self.host = host
        self._server = waitress.create_server(self.app(), sockets=sockets, threads=self._threads,
                                              channel_timeout=60)
        self._thread = threading.Thread(target=self._serve, name="Fleet", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        with self._lock:
            self._let_go_all()
        if self._server is not None:
            server, self._server = self._server, None
            server.close()

    def _serve(self) -> None:
        server = self._server
        try:
            server.run()
        except (OSError, ValueError):
            if self._server is not None:  # not a stop: a real failure
                raise

    def addresses(self) -> dict[str, tuple[str, int]]:
        """Where each service listens, for ``Config.with_services``."""
        return {key: (self.host, port) for port, key in self._by_port.items()}

    # -- control -----------------------------------------------------------------------------

    def set(self, key: str, **changes: Any) -> Behaviour:
        """Change one service's behaviour (``latency=``, ``failure_rate=``, ``mode=``).

        Taking a service out of "hang" lets go of the requests it holds (they get the 503 a hang
        ends with), so a long hang does not keep the fleet's threads after it is over.
        """
        if key not in self._behaviour:
            raise KeyError(f"no simulated service {key!r}")
        if "mode" in changes and changes["mode"] not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self._lock:
            current = asdict(self._behaviour[key])
            current.update(changes)
            self._behaviour[key] = Behaviour(**current)
            if self._behaviour[key].mode != "hang":
                self._let_go(key)
            return self._behaviour[key]

    def reset(self) -> None:
        with self._lock:
            self._behaviour = {key: Behaviour() for key in self._services}
            self._let_go_all()
            self._calls.clear()
            self._generation += 1
            self.peak_hanging = 0
            self.accounts = {k: [dict(a) for a in v] for k, v in DEFAULT_ACCOUNTS.items()}
            for kept in self._events.values():
                kept.clear()

    def calls(self, service: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if service is None or c.service == service]

    def events(self, target: str = "brain") -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events[target])

    # -- the app -----------------------------------------------------------------------------

    def app(self) -> falcon.App:
        app = falcon.App()
        app.add_sink(self._handle, prefix="/")
        return app

    def _handle(self, req: falcon.Request, resp: falcon.Response, **_: Any) -> None:
        if req.path.startswith("/_fleet"):
            return self._control(req, resp)
        key = self._by_port.get(int(req.env.get("SERVER_PORT", 0)))
        if key is None:
            raise falcon.HTTPNotFound()
        with self._lock:
            behaviour = self._behaviour[key]
        body = _read_json(req)
        is_health = req.path == self._services[key].health_path
        if not is_health and req.method == "POST" and body is not _BAD:
            with self._lock:
                self._calls.append(Call(key, req.path, req.get_header("Idempotency-Key"), body,
                                        time.monotonic()))
        if behaviour.latency:
            self._release.wait(behaviour.latency)
        if behaviour.mode == "hang":
            self._hold(key, behaviour.hang_seconds)
            raise falcon.HTTPServiceUnavailable(description="gave up hanging")
        if behaviour.mode == "down":
            raise falcon.HTTPServiceUnavailable(description=f"{key} is down")
        if is_health:
            resp.media = {"ok": True, "service": key}
            return
        if behaviour.mode == "garbage":
            resp.content_type = "text/html"
            resp.text = "<html>502 Bad Gateway from a confused proxy</html>"
            return
        if behaviour.mode == "reject":
            resp.status = falcon.HTTP_422
            resp.media = {"ok": False, "error": {"code": "rejected", "message": "bad input"}}
            return
        if behaviour.mode == "provider_error":
            provider = (body.get("llm") or {}).get("provider") if isinstance(body, dict) else None
            resp.status = falcon.HTTP_502
            resp.media = {"ok": False, "error": {"code": "llm_provider_error",
                                                 "provider": provider, "message": "LLM failed"}}
            return
        if req.method == "POST" and behaviour.failure_rate and self._roll(behaviour.failure_rate):
            raise falcon.HTTPServiceUnavailable(description="random failure")
        resp.media = self._answer(key, req, body)

    def _hold(self, key: str, seconds: float) -> None:
        with self._lock:
            generation = self._generation  # requests held since before a reset do not count
            self._hanging[generation] = self._hanging.get(generation, 0) + 1
            self.peak_hanging = max(self.peak_hanging, self._hanging[generation])
            unhang = self._unhang[key]
        try:
            unhang.wait(seconds)
        finally:
            with self._lock:
                self._hanging[generation] -= 1

    def _let_go(self, key: str) -> None:
        # Under self._lock: wake what waits on the service's event; later holds wait on a new one.
        self._unhang[key].set()
        self._unhang[key] = threading.Event()

    def _let_go_all(self) -> None:
        for key in self._unhang:
            self._let_go(key)

    def _roll(self, rate: float) -> bool:
        with self._lock:
            return self._rng.random() < rate

    def _answer(self, key: str, req: falcon.Request, body: Any) -> Any:
        if key == "accountSafety" and req.method == "GET":
            platform = req.get_param("platform") or ""
            return {"platform": platform, "accounts": self.accounts.get(platform, [])}
        if key in ("brain", "telemetry") and req.path == "/events":
            events = body.get("events", []) if isinstance(body, dict) else []
            with self._lock:
                self._events[key].extend(events)
            return {"ok": True, "received": len(events)}
        if body is _BAD or not isinstance(body, dict):
            raise falcon.HTTPBadRequest(description="expected a JSON object")
        return role_output(key, body)

    def _control(self, req: falcon.Request, resp: falcon.Response) -> None:
        parts = [p for p in req.path.split("/") if p][1:]
        if req.method == "GET" and not parts:
            with self._lock:
                resp.media = {k: asdict(b) for k, b in self._behaviour.items()}
            return
        body = _read_json(req)
        if req.method != "POST" or len(parts) != 1 or not isinstance(body, dict):
            raise falcon.HTTPBadRequest(description="POST /_fleet/<service> with a JSON object")
        try:
            resp.media = asdict(self.set(parts[0], **body))
        except (KeyError, TypeError, ValueError) as exc:
            raise falcon.HTTPBadRequest(description=str(exc)) from exc


_BAD = object()


def _read_json(req: falcon.Request) -> Any:
    raw = req.bounded_stream.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _BAD


def role_output(key: str, body: dict[str, Any]) -> dict[str, Any]:
    """A plausible answer of service ``key`` to one step."""
    params = body.get("params") or {}
    product = params.get("product") or params.get("topic") or "the product"
    platforms = params.get("platforms") or ["tiktok"]
    count: int = params["count"] if isinstance(params.get("count"), int) else 3
    step = body.get("step")
    base: dict[str, Any] = {"ok": True, "service": key, "step": step, "taskId": body.get("taskId")}
    if key == "strategy":
        base["plan"] = {"product": product, "niche": params.get("niche"),
                        "angles": ["problem-solution", "before-after", "day-in-the-life"],
                        "competitors": 4, "trend": "rising"}
    elif key in ("creativeSuite", "creative"):
        base["concepts"] = [{"id": f"concept-{i + 1}", "hook": f"{product}: idea {i + 1}"}
                            for i in range(count)]
    elif key == "vision":
        base["timeline"] = [{"clip": i + 1, "cut": f"{i * 3}s-{i * 3 + 3}s"} for i in range(4)]
    elif key in ("distribution", "campaign"):
        base["calendar"] = [{"day": d + 1, "slot": s + 1, "platform": platforms[(d + s) % len(platforms)]}
                            for d in range(7) for s in range(6)]
    elif key == "hands":
        base["posts"] = [{"platform": p, "postId": f"{p}-{body.get('taskId')}-{body.get('stepIndex')}",
                          "account": (body.get("account") or {}).get(p)} for p in platforms]
    elif key == "engagement":
        base["engagement"] = {"replies": 12, "dms": 3, "platforms": platforms}
    elif key == "telemetry":
        base["metrics"] = {"views": 10400, "ctr": 0.031, "conversions": 27}
    elif key == "simulation":
        base["prediction"] = {"reach": 52000, "roi": 2.4, "confidence": 0.7}
    if "llm" in body:
        base["llm"] = body["llm"]
    return base
