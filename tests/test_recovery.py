"""RecoveryActor and recovery applied by the executor: fallback, skip, restart, reset."""

from __future__ import annotations

import pytest

from actors.boot_manager import NotConfigured, RestartFailed
from actors.errors import ValidationError
from actors.task import COMPLETED, RETRY_WAIT, SKIPPED
from tests.conftest import spec, wait_status, wait_until


def test_manual_fallback_routes_later_steps(engine, fleet):
    answer = engine.recovery.recover("Vision", "fallback").get()
    assert answer == {"service": "vision", "action": "fallback",
                      "message": "Using hands as fallback for vision"}
    task_id = engine.scheduler.enqueue(spec(["content_edit"])).get()["taskId"]
    record = wait_status(engine, task_id, COMPLETED)
    assert record["steps"][0]["servedBy"] == "hands"
    assert fleet.calls("vision") == [] and len(fleet.calls("hands")) == 1
    assert record["recoveries"][0]["action"] == "fallback"
    engine.recovery.recover("vision", "reset").get()
    task_id = engine.scheduler.enqueue(spec(["content_edit"])).get()["taskId"]
    assert wait_status(engine, task_id, COMPLETED)["steps"][0]["servedBy"] == "vision"


def test_manual_skip_completes_step_without_a_call(engine, fleet):
    engine.recovery.recover("telemetry", "skip").get()
    task_id = engine.scheduler.enqueue(spec(["plan", "track_metrics"])).get()["taskId"]
    record = wait_status(engine, task_id, COMPLETED)
    assert record["steps"][1]["status"] == SKIPPED
    assert fleet.calls("telemetry") == []
    assert engine.recovery.overrides().get()["telemetry"]["action"] == "skip"


def test_overrides_survive_an_actor_restart(engine):
    engine.recovery.recover("creativeSuite", "fallback").get()
    slot = engine.slots["RecoveryActor"]
    slot.ref.stop()
    wait_until(lambda: slot.alive() and slot.restarts == 1)
    assert engine.recovery.resolve("creativeSuite").get()["target"] == "creative"


def test_unknown_service_action_and_missing_fallback(engine):
    with pytest.raises(ValidationError, match="valid services: bridge"):
        engine.recovery.recover("nosuch", "skip").get()
    with pytest.raises(ValidationError, match="valid actions: restart, fallback, skip, reset"):
        engine.recovery.recover("vision", "explode").get()
    with pytest.raises(ValidationError, match="strategy has no fallback"):
        engine.recovery.recover("strategy", "fallback").get()
    assert engine.recovery.overrides().get() == {}


def test_restart_without_boot_manager_says_so(engine, fleet):
    with pytest.raises(NotConfigured, match="No Boot Manager is configured"):
        engine.recovery.recover("video", "restart").get()


def test_restart_through_boot_manager(make_engine, fleet):
    boot = fleet.addresses()["bridge"]
    engine = make_engine(recovery={"boot_manager_url": f"http://{boot[0]}:{boot[1]}/restart"})
    answer = engine.recovery.recover("video", "restart").get()
    assert answer["message"] == "Boot Manager restarted video"
    assert [c.body for c in fleet.calls("bridge")] == [{"service": "video"}]
    fleet.set("bridge", mode="down")
    with pytest.raises(RestartFailed, match="503"):
        engine.recovery.recover("video", "restart").get()


def test_restart_through_command(make_engine, tmp_path):
    marker = tmp_path / "restarted"
    engine = make_engine(recovery={"boot_manager_command": f"touch {marker}-{{service}}"})
    engine.recovery.recover("voice", "restart").get()
    assert (tmp_path / "restarted-voice").exists()


def test_automatic_fallback_on_failure(engine, fleet):
    fleet.set("vision", mode="down")
    task_id = engine.scheduler.enqueue(spec(["content_edit"])).get()["taskId"]
    record = wait_status(engine, task_id, COMPLETED)
    assert record["steps"][0]["servedBy"] == "hands"
    assert record["recoveries"][0]["auto"] is True
    assert record["recoveries"][0]["message"] == "Using hands as fallback for vision"


def test_policy_skip_and_retry(make_engine, fleet):
    engine = make_engine(recovery={"policy": {"engagement": "skip", "vision": "retry"}})
    fleet.set("engagement", mode="down")
    fleet.set("vision", mode="down")
    skipped = engine.scheduler.enqueue(spec(["engage"])).get()["taskId"]
    assert wait_status(engine, skipped, COMPLETED)["steps"][0]["status"] == SKIPPED
    retried = engine.scheduler.enqueue(spec(["content_edit"])).get()["taskId"]
    wait_status(engine, retried, RETRY_WAIT)
    assert fleet.calls("hands") == []
