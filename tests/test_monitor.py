"""MonitorActor: the board the health and status endpoints read, kept by its owners' tells."""

from __future__ import annotations

from actors.task import COMPLETED
from tests.conftest import spec, wait_status, wait_until


def test_board_follows_the_queue_and_overrides(engine, fleet):
    fleet.set("strategy", latency=0.3)
    first = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    engine.scheduler.enqueue(spec(["plan"])).get()
    board = wait_until(lambda: (b := engine.board())["queue"]["queueLength"] == 1 and b)
    assert board["queue"]["activeTask"] == first
    engine.recovery.recover("vision", "skip").get()
    wait_until(lambda: engine.board()["overrides"].get("vision", {}).get("action") == "skip")


def test_global_status_change_is_an_event(make_engine, fleet):
    engine = make_engine(health={"fall": 1})
    assert engine.board(0)["colour"] == "GREEN"
    fleet.set("brain", mode="down")  # Brain itself: the event waits in the outbox
    assert engine.board(0)["colour"] == "RED"
    fleet.set("brain", mode="up")
    assert engine.board(0)["colour"] == "GREEN"
    wait_until(lambda: engine.flush_events(force=True)["pending"] == 0)
    actions = [e["action"] for e in fleet.events()]
    assert actions.count("health_status:RED") == 1 and actions.count("health_status:GREEN") == 1
    red = next(e for e in fleet.events() if e["action"] == "health_status:RED")
    assert red["metadata"]["down"] == ["brain"] and red["metadata"]["previous"] == "GREEN"


def test_restarted_monitor_is_refilled_by_the_owners(engine, fleet):
    task_id = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    wait_status(engine, task_id, COMPLETED)
    engine.recovery.recover("video", "skip").get()
    engine.board(0)
    slot = engine.slots["MonitorActor"]
    slot.ref.stop()
    wait_until(lambda: slot.alive() and slot.restarts == 1, timeout=2)
    board = wait_until(lambda: (b := engine.board(60))["overrides"] and not b["stale"] and b)
    assert board["overrides"]["video"]["action"] == "skip"
    assert board["colour"] == "GREEN" and board["queue"]["queueLength"] == 0
    # The owners refilled it without dying themselves.
    assert engine.ask("scheduler", "summary")["queueLength"] == 0
    assert engine.slots["SchedulerActor"].restarts == 0
    assert engine.slots["RecoveryActor"].restarts == 0


def test_scheduler_events_wait_for_a_flush_in_order(engine, fleet):
    ids = [engine.scheduler.enqueue(spec(["plan"], task=f"t{i}")).get()["taskId"]
           for i in range(3)]
    for task_id in ids:
        wait_status(engine, task_id, COMPLETED)
    assert fleet.events() == []  # gathered, not yet handed over: one tell per batch
    wait_until(lambda: engine.flush_events()["pending"] == 0)
    completes = [e["action"] for e in fleet.events() if e["action"].startswith("task_complete")]
    assert completes == ["task_complete:t0", "task_complete:t1", "task_complete:t2"]
