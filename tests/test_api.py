"""Every endpoint through falcon.testing, and every bad input the API refuses."""

from __future__ import annotations

import json

import falcon.testing
import pytest

from actors.task import COMPLETED
from tests.conftest import wait_status
from web.app import create_app


@pytest.fixture
def client(engine):
    return falcon.testing.TestClient(create_app(engine))


SEED_QUEUE = {
    "task": "daily_ecomm_cycle",
    "steps": ["plan", "generate_content", "content_edit", "distribute", "engage", "track_metrics"],
    "params": {"product": "Smart Bottle Pro"},
    "sessionId": "campaign-123",
}


def _post(client, path, body, **kw):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.simulate_post(path, body=raw, **kw)


def test_queue_answers_the_seeds_shape(client, engine):
    resp = _post(client, "/ops/queue", SEED_QUEUE)  # no Content-Type, as the seed's curl
    assert resp.status_code == 200
    body = resp.json
    assert set(body) == {"ok", "status", "taskId", "queuePosition", "message"}
    assert body["ok"] is True and body["status"] == "QUEUED"
    assert body["taskId"].startswith("ops-") and body["queuePosition"] == 1
    assert body["message"] == "Task queued for execution"
    record = wait_status(engine, body["taskId"], COMPLETED)
    assert all(s["output"] for s in record["steps"])


def test_get_queue_shape_and_paging(client, engine, fleet):
    fleet.set("strategy", latency=0.5)
    ids = [_post(client, "/ops/queue", SEED_QUEUE).json["taskId"] for _ in range(4)]
    body = client.simulate_get("/ops/queue").json
    assert body["ok"] is True and body["queueLength"] == 3
    assert body["activeTask"] == {"taskId": ids[0], "task": "daily_ecomm_cycle",
                                  "status": "RUNNING", "currentStep": 1, "totalSteps": 6}
    item = body["queue"][0]
    assert set(item) == {"taskId", "task", "status", "steps", "retries", "createdAt"}
    assert item["status"] == "QUEUED" and item["steps"] == 6 and item["retries"] == 0
    assert item["createdAt"].endswith("Z") and "T" in item["createdAt"]
    page = client.simulate_get("/ops/queue", params={"limit": 1, "offset": 1}).json
    assert [q["taskId"] for q in page["queue"]] == [ids[2]] and page["queueLength"] == 3
    for bad in ({"limit": 0}, {"limit": "x"}, {"offset": -1}):
        resp = client.simulate_get("/ops/queue", params=bad)
        assert resp.status_code == 400 and resp.json["ok"] is False


def test_run_answers_the_seeds_shape(client, engine):
    resp = _post(client, "/ops/run", {"sessionId": "test-session-1", "task": "quick_test",
                                      "steps": ["plan", "generate_content"],
                                      "params": {"product": "Smart Bottle Pro",
                                                 "niche": "home fitness"}})
    assert resp.json == {"ok": True, "status": "RUNNING", "taskId": resp.json["taskId"],
                         "message": "Task executing immediately"}
    wait_status(engine, resp.json["taskId"], COMPLETED)


def test_task_record_and_cancel(client, engine, fleet):
    fleet.set("strategy", latency=0.3)
    first = _post(client, "/ops/queue", {"task": "a", "steps": ["plan"]}).json["taskId"]
    second = _post(client, "/ops/queue", {"task": "b", "steps": ["plan"]}).json["taskId"]
    resp = _post(client, f"/ops/tasks/{second}/cancel", {"reason": "duplicate"})
    assert resp.json["status"] == "CANCELLED"
    again = _post(client, f"/ops/tasks/{second}/cancel", {})
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"
    record = wait_status(engine, first, COMPLETED)
    got = client.simulate_get(f"/ops/tasks/{first}").json["task"]
    assert got["status"] == COMPLETED and got["steps"][0]["service"] == "strategy"
    assert {"status", "retries", "createdAt", "startedAt", "finishedAt", "steps"} <= set(got)
    assert {"step", "service", "status", "attempts", "latency", "output", "error"} <= set(
        got["steps"][0])
    assert record["taskId"] == first
    missing = client.simulate_get("/ops/tasks/ops-nothere")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "task_not_found"
    assert _post(client, "/ops/tasks/ops-nothere/cancel", {}).status_code == 404


@pytest.mark.parametrize(("body", "fragment"), [
    ("{not json", "not valid JSON"),
    ("", "empty"),
    ("[1, 2]", "must be a JSON object"),
    ({"steps": ["plan"]}, "'task' is required"),
    ({"task": "  ", "steps": ["plan"]}, "'task' is required"),
    ({"task": 5, "steps": ["plan"]}, "'task' is required"),
    ({"task": "t"}, "'steps' is required"),
    ({"task": "t", "steps": []}, "'steps' is required"),
    ({"task": "t", "steps": "plan"}, "'steps' is required"),
    ({"task": "t", "steps": ["plan", "generate"]}, "unknown step 'generate'; known steps: analyze"),
    ({"task": "t", "steps": [1]}, "must hold step names"),
    ({"task": "t", "steps": ["plan"], "params": []}, "'params' must be a JSON object"),
    ({"task": "t", "steps": ["plan"], "sessionId": 5}, "'sessionId' must be a string"),
    ({"task": "t", "steps": ["plan"], "retry": {"limit": -1}}, "retry.limit"),
])
@pytest.mark.parametrize("path", ["/ops/queue", "/ops/run"])
def test_bad_input_is_refused_and_changes_nothing(client, engine, path, body, fragment):
    resp = _post(client, path, body)
    assert resp.status_code == 400
    assert resp.json["ok"] is False and fragment in resp.json["error"]["message"]
    snap = engine.scheduler.snapshot().get()
    assert snap["queueLength"] == 0 and snap["activeTask"] is None and snap["running"] == []


def test_oversized_body_is_413(client, engine):
    big = json.dumps({"task": "t", "steps": ["plan"], "params": {"x": "a" * (1024 * 1024)}})
    resp = _post(client, "/ops/queue", big)
    assert resp.status_code == 413 and resp.json["error"]["code"] == "too_large"
    assert engine.scheduler.snapshot().get()["queueLength"] == 0


def test_unknown_route_and_method_are_json(client):
    resp = client.simulate_get("/ops/nothing")
    assert resp.status_code == 404 and resp.json["ok"] is False
    resp = client.simulate_delete("/ops/queue")
    assert resp.status_code == 405 and resp.json["error"]["code"] == "method_not_allowed"


def test_health_shape(client, fleet):
    body = client.simulate_get("/ops/health").json
    assert set(body) == {"ok", "status", "version", "services", "queueLength", "activeTask",
                         "uptime"}
    assert body["status"] == "GREEN" and body["version"] == "1.0.0-ULTRA"
    assert body["services"][0] == {"service": "Bridge", "port": fleet.addresses()["bridge"][1],
                                   "healthy": True, "latency": body["services"][0]["latency"]}
    assert isinstance(body["uptime"], int)


def test_status_counts(make_engine, fleet):
    client = falcon.testing.TestClient(create_app(make_engine(health={"fall": 1})))
    fleet.set("video", mode="down")
    body = client.simulate_get("/ops/status").json
    assert body["opsStatus"] == "YELLOW" and body["version"] == "1.0.0-ULTRA"
    assert body["services"] == {"total": 21, "healthy": 20, "unhealthy": 1}
    assert body["queue"]["length"] == 0 and body["queue"]["activeTask"] is None
    video = next(d for d in body["details"] if d["key"] == "video")
    assert video["consecutiveFailures"] == 1 and video["priority"] == 3
    assert video["lastError"] == "answered 503" and video["lastCheck"]
    assert body["events"]["dropped"] == 0


def test_recover_endpoint(client, engine):
    resp = _post(client, "/ops/recover", {"service": "vision", "action": "fallback"})
    assert resp.json == {"ok": True, "service": "vision", "action": "fallback",
                         "message": "Using hands as fallback for vision"}
    assert client.simulate_get("/ops/recover").json["overrides"]["vision"]["target"] == "hands"
    resp = _post(client, "/ops/recover", {"service": "video", "action": "restart"})
    assert resp.status_code == 501 and resp.json["error"]["code"] == "no_boot_manager"
    for body, fragment in [({"service": "nope", "action": "skip"}, "unknown service"),
                           ({"service": "vision", "action": "nuke"}, "unknown action"),
                           ({"service": "strategy", "action": "fallback"}, "has no fallback"),
                           ({"action": "skip"}, "'service' is required"),
                           ({"service": "vision"}, "'action' is required")]:
        resp = _post(client, "/ops/recover", body)
        assert resp.status_code == 400 and fragment in resp.json["error"]["message"]
    assert list(client.simulate_get("/ops/recover").json["overrides"]) == ["vision"]


def test_dead_actor_gives_503_then_recovers(client, engine):
    from tests.conftest import wait_until

    slot = engine.slots["SchedulerActor"]
    slot.ref.stop()
    resp = client.simulate_get("/ops/queue")
    assert resp.status_code == 503 and resp.json["error"]["code"] == "actor_unavailable"
    wait_until(slot.alive, timeout=2)
    assert client.simulate_get("/ops/queue").status_code == 200
