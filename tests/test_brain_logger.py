"""BrainLoggerActor: events reach Brain in order, wait out an outage, survive a restart."""

from __future__ import annotations

from actors.brain_logger import BrainLoggerActor
from actors.config import BrainConfig
from actors.task import COMPLETED
from tests.conftest import spec, wait_status, wait_until


def _actions(fleet, target="brain"):
    return [e["action"] for e in fleet.events(target)]


def test_task_events_reach_brain_in_order(engine, fleet):
    task_id = engine.scheduler.enqueue(
        spec(["plan", "post"], task="daily_ecomm_cycle", sessionId="user-session-123")).get()["taskId"]
    wait_status(engine, task_id, COMPLETED)
    wait_until(lambda: engine.flush_events()["pending"] == 0
               and "task_complete:daily_ecomm_cycle" in _actions(fleet))
    assert _actions(fleet) == [
        "task_queued:daily_ecomm_cycle", "task_start:daily_ecomm_cycle", "step_complete:plan",
        "step_complete:post", "task_complete:daily_ecomm_cycle"]
    done = fleet.events()[-1]
    assert set(done) == {"ts", "service", "action", "result", "latency", "retries", "sessionId",
                         "metadata"}
    assert done["service"] == "ops" and done["result"] == "success"
    assert done["sessionId"] == "user-session-123" and done["metadata"]["taskId"] == task_id


def test_recovery_events_also_go_to_telemetry(engine, fleet):
    engine.recovery.recover("vision", "skip").get()
    wait_until(lambda: engine.brain.flush().get()["pending"] == 0 and fleet.events("telemetry"))
    assert _actions(fleet, "telemetry") == ["recovery:skip:vision"]
    assert "recovery:skip:vision" in _actions(fleet)


def test_events_wait_out_an_outage_and_a_restart(make_engine, fleet, tmp_path, clock):
    fleet.set("brain", mode="down")
    engine = make_engine()
    for i in range(3):
        engine.brain.log([{"action": f"e{i}"}]).get()
    stats = engine.brain.flush(force=True).get()
    assert stats["pending"] == 3 and "503" in stats["lastError"]
    engine.stop()
    fleet.set("brain", mode="up")
    engine = make_engine()
    assert engine.brain.flush(force=True).get()["pending"] == 0
    assert _actions(fleet) == ["e0", "e1", "e2"]


def test_outbox_bound_drops_oldest_and_counts(make_engine, fleet, clock):
    fleet.set("brain", mode="down")
    engine = make_engine(brain={"outbox_limit": 5, "batch_size": 100})
    for i in range(8):
        engine.brain.log([{"action": f"e{i}"}]).get()
    assert engine.brain.flush(force=True).get()["dropped"] == 3
    fleet.set("brain", mode="up")
    engine.brain.flush(force=True).get()
    assert _actions(fleet) == [f"e{i}" for i in range(3, 8)]


def test_batches_are_sent_when_full(tmp_path, fleet, clock):
    host, port = fleet.addresses()["brain"]
    from actors.service_map import Service
    brain = Service("brain", "Brain", port, host=host)
    ref = BrainLoggerActor.start(BrainConfig(batch_size=2), brain, brain, str(tmp_path / "b.db"),
                                 clock)
    try:
        ref.proxy().log([{"action": "a"}]).get()
        assert fleet.events() == []
        ref.proxy().log([{"action": "b"}]).get()
        assert _actions(fleet) == ["a", "b"]
    finally:
        ref.stop()


def test_a_hanging_brain_never_slows_a_task(make_engine, fleet):
    fleet.set("brain", mode="hang", hang_seconds=10)
    engine = make_engine(brain={"batch_size": 1, "timeout": 1.0})
    task_id = engine.scheduler.enqueue(spec(["plan", "post"])).get()["taskId"]
    # The logger is stuck in a POST to Brain; the task goes on regardless (events are tells).
    wait_status(engine, task_id, COMPLETED, timeout=3)
    fleet.set("brain", mode="up")
    wait_until(lambda: engine.flush_events(force=True)["pending"] == 0, timeout=10)
    assert "task_complete:t" in _actions(fleet)
