"""The seven figures of the benchmark issue; each returns rows of (measure, value, baseline, ratio)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from actors.clock import parse_iso
from tests.bench import harness as h

TASK = json.dumps({"task": "bench", "steps": ["plan", "generate_content", "post"],
                   "params": {"product": "Smart Bottle Pro"}})


@dataclass
class Row:
    figure: str
    measure: str
    value: float
    baseline: float | None
    ratio: float | None
    target: str
    met: bool | None
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _ratio_row(fig: str, measure: str, value: float, baseline: float, op: str, bound: float,
               unit: str = "") -> Row:
    ratio = value / baseline if baseline else float("inf")
    met = ratio >= bound if op == ">=" else ratio <= bound
    return Row(fig, measure, round(value, 3), round(baseline, 3), round(ratio, 3),
               f"{op} {bound}", met, unit)


def _wait_drained(url: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    session = requests.Session()
    while time.monotonic() < deadline:
        body = session.get(url + "/ops/queue", params={"limit": 1}).json()
        if body["queueLength"] == 0 and body["activeTask"] is None and not body["running"]:
            return
        time.sleep(0.02)
    raise RuntimeError("queue did not drain")


# With _block_queue: the parked step outlasts the run (by default its read would time out after
# 30 s, the task would wait for a retry and the queue would start draining).
HOLD = "[executor]\nread_timeout = 3600\nstep_deadline = 3600\n"


def _block_queue(url: str, ctl: h.FleetControl) -> None:
    """Park one task on a hanging service so the queue only grows (start the engine with HOLD)."""
    ctl.set("simulation", mode="hang", hang_seconds=3600)
    requests.post(url + "/ops/queue", data=json.dumps({"task": "blocker", "steps": ["simulate"]}))


# 1 -------------------------------------------------------------------------------------------

def api_throughput(runs: int, seconds: float) -> list[Row]:
    """GET /ops/queue, /ops/health, /ops/status and POST /ops/queue against a bare route.

    The targets' baseline is the bare route on Waitress's own event loop; the same route on the
    engine's loop (web.server.YieldingLoop) is measured too and reported beside it.
    """
    rows: list[Row] = []
    samples: dict[str, list[dict[str, float]]] = {}
    with h.fleet() as (addresses, ctl):
        config = HOLD + h.services_toml(addresses)
        for _ in range(runs):
            for loop in ("stock", "yielding"):
                with h.bare(loop=loop) as (url, _proc):
                    samples.setdefault(f"bare GET {loop}", []).append(h.wrk(url + "/bare", seconds))
                    samples.setdefault(f"bare POST {loop}", []).append(
                        h.wrk(url + "/bare", seconds, body=TASK))
                    if loop == "stock":
                        samples.setdefault("bare GET 5 KB", []).append(
                            h.wrk(url + "/bare-sized", seconds))
            with h.engine(config) as (url, _proc):
                _block_queue(url, ctl)
                requests.get(url + "/ops/status")  # first checks, then cached for the run
                for path in ("/ops/queue", "/ops/health", "/ops/status"):
                    samples.setdefault(f"GET {path}", []).append(h.wrk(url + path, seconds))
                samples.setdefault("POST /ops/queue", []).append(
                    h.wrk(url + "/ops/queue", seconds, body=TASK))
            ctl.set("simulation", mode="up")
    med = {k: {m: h.median([s[m] for s in v]) for m in v[0]} for k, v in samples.items()}
    fig = "1 API throughput"
    for name, bound in (("GET /ops/queue", 0.6), ("GET /ops/health", 0.6),
                        ("GET /ops/status", 0.6), ("POST /ops/queue", 0.4)):
        method = name.split()[0]
        rows.append(_ratio_row(fig, f"{name} req/s vs bare {method}", med[name]["rps"],
                               med[f"bare {method} stock"]["rps"], ">=", bound, "req/s"))
    for name in ("GET /ops/queue", "GET /ops/health", "GET /ops/status", "POST /ops/queue"):
        p99 = med[name]["p99_ms"]
        rows.append(Row(fig, f"{name} p99 at 64 connections", round(p99, 2),
                        None, None, "<= 30 ms", p99 <= 30, "ms"))
    for method, name in (("GET", "GET /ops/status"), ("POST", "POST /ops/queue")):
        value, base = med[name]["rps"], med[f"bare {method} yielding"]["rps"]
        rows.append(Row(fig, f"{name} vs bare {method} on the engine's yielding loop",
                        round(value, 1), round(base, 1), round(value / base, 3), "report", None,
                        "req/s"))
    status, sized = med["GET /ops/status"]["rps"], med["bare GET 5 KB"]["rps"]
    rows.append(Row(fig, "GET /ops/status vs a bare route sending the same 5 KB",
                    round(status, 1), round(sized, 1), round(status / sized, 3), "report", None,
                    "req/s"))
    return rows


# 2 -------------------------------------------------------------------------------------------

def no_collapse(runs: int, seconds: float) -> list[Row]:
    """The engine started as the README says (unpinned, wrk unpinned) against pinned."""
    pinned, as_started = [], []
    for _ in range(runs):
        with h.engine(demo=True) as (url, _proc):
            pinned.append(h.wrk(url + "/ops/queue", seconds)["rps"])
        with h.engine(demo=True, core=None, affinity=None) as (url, _proc):
            as_started.append(h.wrk(url + "/ops/queue", seconds, core=None)["rps"])
    return [_ratio_row("2 No collapse", "GET /ops/queue as started vs pinned",
                       h.median(as_started), h.median(pinned), ">=", 0.8, "req/s")]


# 3 -------------------------------------------------------------------------------------------

def health_fanout(runs: int, seconds: float) -> list[Row]:
    """GET /ops/health with fresh checks: one service hanging; all up."""
    hang, fanout, single = [], [], []
    with h.fleet() as (addresses, ctl):
        # Every request checks every service (freshness 0); the background loop stays out.
        # fall = 1: this figure times the checks, not the flapping protection.
        config = ("[health]\nfreshness = 0\ninterval = 3600\nfall = 1\n"
                  + h.services_toml(addresses))
        for key in addresses:
            ctl.set(key, latency=0.02)  # a service's own time to answer its health check
        with h.engine(config) as (url, _proc):
            session = requests.Session()
            for _ in range(runs):
                for key in addresses:
                    started = time.perf_counter()
                    session.get(ctl.url(addresses, key, "/health"), timeout=5)
                    single.append((key, time.perf_counter() - started))
                started = time.perf_counter()
                session.get(url + "/ops/health", timeout=30).raise_for_status()
                fanout.append(time.perf_counter() - started)
            ctl.set("video", mode="hang", hang_seconds=30)
            for _ in range(runs):
                started = time.perf_counter()
                body = session.get(url + "/ops/health", timeout=30).json()
                hang.append(time.perf_counter() - started)
                assert body["status"] == "YELLOW", body["status"]
            ctl.set("video", mode="up")
    slowest = max(t for _, t in single)
    return [
        _ratio_row("3 Health fan-out", "one service hanging: answer vs the 2 s timeout",
                   h.median(hang), 2.0, "<=", 1.15, "s"),
        _ratio_row("3 Health fan-out", "21 fresh checks vs the slowest single check",
                   h.median(fanout), slowest, "<=", 3.0, "s"),
    ]


# 4 -------------------------------------------------------------------------------------------

def executor_overhead(runs: int, tasks: int = 200) -> list[Row]:
    """Time per 3-step task through the engine vs a plain loop of the same POSTs.

    The engine's time is its execution: from the first task's start to the last one's finish,
    read from the task records, with all 200 submitted while a blocker task holds the queue (so
    the submissions' own HTTP work is not counted here; figure 1 measures it). Enqueue-to-done,
    submissions overlapping execution, is reported beside it.
    """
    engine_t, submit_t, plain_t = [], [], []
    with h.fleet() as (addresses, ctl):
        urls = [ctl.url(addresses, s, p) for s, p in
                (("strategy", "/plan"), ("creativeSuite", "/generate_content"), ("hands", "/post"))]
        with h.engine(h.services_toml(addresses)) as (url, _proc):
            _through_engine(url, 20)  # warm: executors, connections
            for _ in range(runs):
                plain_t.append(_plain_loop(urls, tasks) / tasks)
                submit_t.append(_through_engine(url, tasks) / tasks)
                ids = _submit_behind_blocker(url, ctl, tasks)
                _wait_drained(url)
                engine_t.append(_execution_span(url, ids) / tasks)
    plain = h.median(plain_t) * 1000
    return [
        _ratio_row("4 Executor overhead", f"execution time per task, {tasks} tasks of 3 steps",
                   h.median(engine_t) * 1000, plain, "<=", 1.25, "ms"),
        Row("4 Executor overhead", "enqueue-to-done per task, HTTP submissions overlapping",
            round(h.median(submit_t) * 1000, 3), round(plain, 3),
            round(h.median(submit_t) * 1000 / plain, 3), "report", None, "ms"),
    ]


def _submit_behind_blocker(url: str, ctl: h.FleetControl, tasks: int) -> list[str]:
    """Queue ``tasks`` behind a task held by a hanging service, then let it go (it fails for
    good at once, retry limit 0, and the queue runs)."""
    ctl.set("simulation", mode="hang", hang_seconds=60)
    session = requests.Session()
    session.post(url + "/ops/queue", data=json.dumps(
        {"task": "blocker", "steps": ["simulate"], "retry": {"limit": 0}})).raise_for_status()
    ids = [session.post(url + "/ops/queue", data=TASK).json()["taskId"] for _ in range(tasks)]
    if session.get(f"{url}/ops/tasks/{ids[0]}").json()["task"]["status"] != "QUEUED":
        raise RuntimeError("the blocker let tasks through before all were submitted")
    ctl.set("simulation", mode="up")  # lets go of the held step
    return ids


def _execution_span(url: str, ids: list[str]) -> float:
    session = requests.Session()
    records = [session.get(f"{url}/ops/tasks/{task_id}").json()["task"] for task_id in ids]
    start = min(parse_iso(r["startedAt"]) for r in records)
    end = max(parse_iso(r["finishedAt"]) for r in records)
    return (end - start).total_seconds()


def _plain_loop(urls: list[str], tasks: int) -> float:
    # Pinned to the engine's core, as the engine is.
    code = (
        "import requests,sys,time,json\n"
        "s=requests.Session(); urls=json.loads(sys.argv[1]); n=int(sys.argv[2])\n"
        "t=time.perf_counter()\n"
        "for i in range(n):\n"
        "    for j,u in enumerate(urls):\n"
        "        r=s.post(u,json={'taskId':f'p-{i}','stepIndex':j,'params':{}},"
        "headers={'Idempotency-Key':f'p-{i}:{j}'},timeout=10); r.raise_for_status(); r.json()\n"
        "print(time.perf_counter()-t)\n")
    out = subprocess.run(["taskset", "-c", h.SERVER_CORE, sys.executable, "-c", code,
                          json.dumps(urls), str(tasks)], capture_output=True, text=True,
                         check=True).stdout
    return float(out)


def _through_engine(url: str, tasks: int) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for _ in range(tasks):
        session.post(url + "/ops/queue", data=TASK).raise_for_status()
    _wait_drained(url)
    return time.perf_counter() - started


# 5 -------------------------------------------------------------------------------------------

def queue_scale(runs: int, seconds: float, big: int = 100_000) -> list[Row]:
    """Enqueue rate, first-page latency and memory with 1,000 and ``big`` tasks queued.

    Each repetition is a fresh engine filled to 1,000 and then to ``big`` (~45 s), so at most 3
    are taken (medians); a single probe per side moved the rate ratio by ±0.15 run to run.
    """
    samples: list[dict[str, float]] = []
    with h.fleet() as (addresses, ctl):
        for _ in range(max(1, min(runs, 3))):
            samples.append(_scale_once(addresses, ctl, seconds, big))
    med = {k: h.median([s[k] for s in samples]) for k in samples[0]}
    return [
        _ratio_row("5 Queue scale", f"enqueue rate at {big:,} vs 1,000", med["large_post"],
                   med["small_post"], ">=", 0.8, "req/s"),
        _ratio_row("5 Queue scale", f"first page latency at {big:,} vs 1,000",
                   med["large_page_ms"], med["small_page_ms"], "<=", 1.5, "ms"),
        Row("5 Queue scale", f"resident memory per queued task ({med['queued']:,.0f} queued)",
            round(med["per_task"], 1), None, None, "<= 1024 B", med["per_task"] <= 1024, "B"),
    ]


def _scale_once(addresses: dict[str, tuple[str, int]], ctl: h.FleetControl, seconds: float,
                big: int) -> dict[str, float]:
    with h.engine(HOLD + h.services_toml(addresses)) as (url, proc):
        _block_queue(url, ctl)
        time.sleep(0.5)
        base_rss = h.rss_mib(proc.pid)
        _fill(url, 1000)
        h.wait_idle(proc.pid)
        small = _queue_probe(url, seconds)
        _fill(url, big)
        h.wait_idle(proc.pid)  # the fill's events delivered, nothing else running
        queued = requests.get(url + "/ops/queue", params={"limit": 1}).json()["queueLength"]
        rss = h.rss_mib(proc.pid)
        large = _queue_probe(url, seconds)
        ctl.set("simulation", mode="up")
    return {"small_post": small["post"], "small_page_ms": small["page_ms"],
            "large_post": large["post"], "large_page_ms": large["page_ms"],
            "queued": queued, "per_task": (rss - base_rss) * 1024 * 1024 / queued}


def _fill(url: str, upto: int) -> None:
    session = requests.Session()
    while True:
        length = session.get(url + "/ops/queue", params={"limit": 1}).json()["queueLength"]
        if length >= upto:
            return
        missing = upto - length
        if missing > 2000:
            h.wrk(url + "/ops/queue", max(1.0, min(20.0, missing / 2500)), body=TASK)
        else:
            for _ in range(missing):
                session.post(url + "/ops/queue", data=TASK)


def _queue_probe(url: str, seconds: float) -> dict[str, float]:
    page = h.wrk(url + "/ops/queue", seconds, connections=1)
    post = h.wrk(url + "/ops/queue", seconds, connections=8, body=TASK)
    return {"page_ms": page["mean_ms"], "post": post["rps"]}


# 6 -------------------------------------------------------------------------------------------

def huey_peer(runs: int, tasks: int = 200) -> list[Row]:
    """Tasks/s from enqueue to done: the engine against SqliteHuey with one worker thread."""
    ours, theirs = [], []
    with h.fleet() as (addresses, ctl):
        urls = [ctl.url(addresses, s, p) for s, p in
                (("strategy", "/plan"), ("creativeSuite", "/generate_content"), ("hands", "/post"))]
        with h.engine(h.services_toml(addresses)) as (url, _proc):
            for _ in range(runs):
                ours.append(tasks / _through_engine(url, tasks))
                with tempfile.TemporaryDirectory() as tmp:
                    out = subprocess.run(
                        ["taskset", "-c", h.SERVER_CORE, sys.executable, "-m",
                         "tests.bench.huey_peer", str(Path(tmp) / "huey.db"), str(tasks), *urls],
                        capture_output=True, text=True, check=True, cwd=h.ROOT).stdout
                theirs.append(tasks / json.loads(out.strip().splitlines()[-1])["seconds"])
    return [_ratio_row("6 Peer", "tasks/s enqueue-to-done vs Huey (SqliteHuey, 1 thread)",
                       h.median(ours), h.median(theirs), ">=", 1.0, "tasks/s")]


# 7 -------------------------------------------------------------------------------------------

def footprint() -> list[Row]:
    """Resident memory of an idle engine against a bare Falcon+Waitress process."""
    with h.fleet() as (addresses, _ctl):
        with h.engine(h.services_toml(addresses)) as (url, proc):
            requests.get(url + "/ops/status")
            time.sleep(1.0)
            ours = h.rss_mib(proc.pid)
    with h.bare() as (url, proc):
        requests.get(url + "/bare")
        bare = h.rss_mib(proc.pid)
    return [Row("7 Footprint", "idle engine RSS vs bare Falcon+Waitress", round(ours, 1),
                round(bare, 1), round(ours / bare, 2), "report", None, "MiB")]


FIGURES: dict[str, Callable[..., list[Row]]] = {
    "1": api_throughput, "2": no_collapse, "3": health_fanout, "4": executor_overhead,
    "5": queue_scale, "6": huey_peer, "7": footprint,
}
