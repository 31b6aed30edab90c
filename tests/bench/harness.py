"""Processes, load and measurements shared by the figures."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from actors.config import Config

ROOT = Path(__file__).resolve().parents[2]
SERVER_CORE, LOAD_CORE = "0", "1"  # the facts' set-up: server on one core, wrk on the other
POST_LUA = Path(__file__).with_name("post.lua")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, busy: float = 0.05, timeout: float = 60.0) -> None:
    """Wait until the process uses under ``busy`` of a core over half a second (after a load,
    the engine still delivers events and checkpoints its database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - before < busy * 0.5:
            return
    raise RuntimeError("process did not go idle")


def _taskset(core: str | None) -> list[str]:
    return ["taskset", "-c", core] if core is not None else []


class Proc:
    """A child process that is killed on exit."""

    def __init__(self, argv: list[str], core: str | None = None, **kw: Any) -> None:
        self.popen = subprocess.Popen(_taskset(core) + argv, cwd=ROOT, **kw)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@contextmanager
def fleet() -> Iterator[tuple[dict[str, tuple[str, int]], "FleetControl"]]:
    """The simulated fleet in its own process (on the load core, away from the server)."""
    proc = Proc([sys.executable, "-m", "tests.bench.fleet_server"], core=LOAD_CORE,
                stdout=subprocess.PIPE, text=True)
    try:
        line = proc.popen.stdout.readline()  # type: ignore[union-attr]
        addresses = {k: (h, p) for k, (h, p) in json.loads(line).items()}
        yield addresses, FleetControl(addresses)
    finally:
        proc.stop()


class FleetControl:
    """Sets a simulated service's behaviour over the fleet's HTTP control route."""

    def __init__(self, addresses: dict[str, tuple[str, int]]) -> None:
        host, port = addresses["bridge"]
        self._base = f"http://{host}:{port}/_fleet"

    def set(self, service: str, **behaviour: Any) -> None:
        requests.post(f"{self._base}/{service}", json=behaviour, timeout=5).raise_for_status()

    def url(self, addresses: dict[str, tuple[str, int]], service: str, path: str) -> str:
        host, port = addresses[service]
        return f"http://{host}:{port}{path}"


def services_toml(addresses: dict[str, tuple[str, int]]) -> str:
    """Config lines pointing every service at the fleet."""
    return "\n".join(f'[services.{k}]\nhost = "{h}"\nport = {p}\n' for k, (h, p) in addresses.items())


@contextmanager
def engine(config: str = "", core: str | None = SERVER_CORE, demo: bool = False,
           affinity: str | None = "off") -> Iterator[tuple[str, Proc]]:
    """``run.py`` on a fresh database with ``config`` (TOML text, no [web] table).

    ``core`` pins it from outside (taskset) and ``affinity`` sets its own ``web.cpu_affinity``;
    ``core=None, affinity=None`` starts it exactly as the README says.
    """
    tmp = tempfile.mkdtemp(prefix="bench-db-")
    port = free_port()
    toml = Path(tmp) / "ops.toml"
    toml.write_text((f"[web]\ncpu_affinity = \"{affinity}\"\n" if affinity else "") + config)
    argv = [sys.executable, "run.py", "--port", str(port), "--db", f"{tmp}/ops.db",
            "--log-level", "WARNING", "--config", str(toml)] + (["--demo"] if demo else [])
    proc = Proc(argv, core=core, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/ops/queue")
        yield url, proc
    finally:
        proc.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def bare(threads: int | None = None, core: str | None = SERVER_CORE, loop: str = "stock"
         ) -> Iterator[tuple[str, Proc]]:
    """The bare route's server with the engine's default thread count unless ``threads`` says
    otherwise; ``loop`` is "stock" (Waitress's own) or "yielding" (the engine's)."""
    threads = Config().web.threads if threads is None else threads
    port = free_port()
    proc = Proc([sys.executable, "-m", "tests.bench.bare_server", str(port), str(threads), loop],
                core=core, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/bare")
        yield url, proc
    finally:
        proc.stop()


def wrk(url: str, seconds: float, connections: int = 64, core: str | None = LOAD_CORE,
        body: str | None = None) -> dict[str, float]:
    """Run wrk; return requests/s, p99 (ms) and errors."""
    argv = _taskset(core) + ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                             "--timeout", "10s"]
    env = dict(os.environ)
    if body is not None:
        argv += ["-s", str(POST_LUA)]
        env["WRK_BODY"] = body
    out = subprocess.run(argv + [url], capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    mean = _ms(re.search(r"Latency\s+([\d.]+\w+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99, "mean_ms": mean,
            "errors": errors + (int(non2xx.group(1)) if non2xx else 0)}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def median(values: list[float]) -> float:
    return statistics.median(values)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None and shutil.which("taskset") is not None
