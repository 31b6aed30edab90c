"""End to end: a real Waitress server, the simulated fleet, and a real engine process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.conftest import wait_until
from web.app import create_app
from web.server import bound_port, make_server

ROOT = Path(__file__).resolve().parent.parent

SEED_REQUESTS = [
    ("/ops/queue", {"task": "ecomm_product_launch",
                    "steps": ["plan", "generate_content", "content_edit", "distribute", "post",
                              "engage", "track_metrics"],
                    "params": {"product": "Smart Bottle Pro", "niche": "home fitness",
                               "platforms": ["tiktok", "youtube", "instagram"]},
                    "sessionId": "launch-campaign-001"}),
    ("/ops/queue", {"task": "viral_content_cycle", "steps": ["plan", "generate_content", "post"],
                    "params": {"topic": "viral TikTok pet products", "count": 3},
                    "sessionId": "viral-campaign-1"}),
    ("/ops/queue", {"task": "product_launch_ultra",
                    "steps": ["plan", "generate_content", "content_edit", "simulate",
                              "distribute", "post", "engage", "track_metrics"],
                    "params": {"product": "Smart Bottle Pro", "niche": "home fitness",
                               "budget": 5000, "platforms": ["tiktok", "youtube", "instagram"]},
                    "sessionId": "launch-sb-001"}),
    ("/ops/run", {"sessionId": "test-1", "task": "health_check", "steps": ["plan"]}),
    ("/ops/run", {"sessionId": "test-session-1", "task": "quick_test",
                  "steps": ["plan", "generate_content"],
                  "params": {"product": "Smart Bottle Pro", "niche": "home fitness"}}),
]


@pytest.fixture
def server(engine):
    srv = make_server(create_app(engine), "127.0.0.1", 0, 4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{bound_port(srv)}"
    srv.close()


def test_seed_examples_run_to_completion_over_http(server):
    ids = []
    for path, body in SEED_REQUESTS:
        # Sent as the seed's curl sends them: a JSON body, no Content-Type needed.
        resp = requests.post(server + path, data=__import__("json").dumps(body))
        assert resp.status_code == 200, resp.text
        ids.append(resp.json()["taskId"])
        assert resp.json()["status"] == ("QUEUED" if path == "/ops/queue" else "RUNNING")

    def finished():
        records = [requests.get(f"{server}/ops/tasks/{i}").json()["task"] for i in ids]
        return all(r["status"] == "COMPLETED" for r in records) and records

    for record in wait_until(finished, timeout=20):
        assert all(s["status"] == "COMPLETED" and s["output"] for s in record["steps"])
    assert requests.get(server + "/ops/health").json()["status"] == "GREEN"
    unknown = requests.post(server + "/ops/queue", data='{"task": "full_campaign", '
                            '"steps": ["plan", "generate", "edit", "distribute", "post"]}')
    assert unknown.status_code == 400 and "unknown step 'generate'" in unknown.text


def _config_for(fleet, path: Path) -> Path:
    lines = [f'[services.{key}]\nhost = "{host}"\nport = {port}\n'
             for key, (host, port) in fleet.addresses().items()]
    path.write_text("\n".join(lines))
    return path


def _start_engine(db: Path, config: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "--db", str(db), "--config", str(config),
         "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    lines: list[str] = []

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    found = wait_until(lambda: next((m for ln in lines if (m := re.search(
        r"listening on (http://\S+)", ln))), None), timeout=20)
    assert any("[OPS SCHEDULER] Started" in ln for ln in lines)
    return proc, found.group(1)


def test_kill_9_mid_task_resumes_without_resending_done_steps(fleet, tmp_path):
    config = _config_for(fleet, tmp_path / "ops.toml")
    db = tmp_path / "ops.db"
    fleet.set("strategy", latency=2.0)
    proc, url = _start_engine(db, config)
    try:
        task_id = requests.post(url + "/ops/queue", data='{"task": "crashy", "steps": '
                                '["generate_content", "plan", "post"]}').json()["taskId"]
        wait_until(lambda: fleet.calls("strategy"), timeout=10)  # step 2 is in flight
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        fleet.set("strategy", latency=0)
        proc, url = _start_engine(db, config)
        record = wait_until(lambda: (r := requests.get(f"{url}/ops/tasks/{task_id}").json()[
            "task"])["status"] == "COMPLETED" and r, timeout=20)
        assert record["crashResumes"] == 1
        keys = [c.key for c in fleet.calls() if c.path != "/events"]
        # Done steps are not sent again; only the step in flight at the crash is, same key.
        assert keys == [f"{task_id}:0", f"{task_id}:1", f"{task_id}:1", f"{task_id}:2"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
