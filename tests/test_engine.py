"""The Engine: supervision restarts a dead actor with its state from the store; clean stop."""

from __future__ import annotations

import queue

import pykka
import pytest

from actors.errors import TaskNotFound
from actors.task import COMPLETED, QUEUED
from tests.conftest import spec, task_of, wait_status, wait_until


def test_dead_scheduler_is_restarted_with_its_queue(engine, fleet):
    fleet.set("strategy", latency=0.2)
    running = engine.scheduler.enqueue(spec(["plan", "post"])).get()["taskId"]
    waiting = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    slot = engine.slots["SchedulerActor"]
    # An exception in a tell stops a Pykka actor: the way an actor dies of a bug.
    engine.scheduler.task.defer("ops-unknown")
    wait_until(lambda: slot.restarts == 1 and slot.alive(), timeout=2)
    assert task_of(engine, waiting)["status"] in (QUEUED, "RUNNING", COMPLETED)
    wait_status(engine, running, COMPLETED)
    wait_status(engine, waiting, COMPLETED)


def test_request_to_dead_actor_fails_then_next_succeeds(engine):
    slot = engine.slots["LoadBalancerActor"]
    slot.ref.stop()
    with pytest.raises(pykka.ActorDeadError):
        engine.balancer.next_provider().get(timeout=1)
    wait_until(lambda: slot.alive(), timeout=2)
    assert engine.balancer.next_provider().get(timeout=1)["provider"] == "openai"


def test_every_actor_of_the_design_runs(engine):
    names = set(engine.slots)
    assert {"SchedulerActor", "RecoveryActor", "LoadBalancerActor", "BrainLoggerActor"} <= names
    assert sum(n.startswith("HealthActor-") for n in names) == len(engine.config.services)
    assert all(slot.alive() for slot in engine.slots.values())
    # Every one has the engine's lighter mailbox (actors/actor.py), not Pykka's queue.Queue.
    assert all(type(slot.ref.actor_inbox) is queue.SimpleQueue for slot in engine.slots.values())


def test_stop_stops_every_actor(make_engine):
    engine = make_engine()
    refs = [slot.ref for slot in engine.slots.values()]
    engine.stop()
    assert not any(ref.is_alive() for ref in refs)


def test_unknown_task_is_an_error_not_a_crash(engine):
    with pytest.raises(TaskNotFound):
        engine.scheduler.task("ops-nope").get()
    assert engine.slots["SchedulerActor"].restarts == 0


def test_crash_looping_task_is_failed_after_bounded_resumes(make_engine, make_config, tmp_path):
    from actors.store import TaskStore, open_database
    from actors.task import RUNNING, Step, Task

    db = str(tmp_path / "loop.db")
    conn = open_database(db)
    task = Task(id="ops-loop", task="t", mode="queue", status=RUNNING, params={}, session_id=None,
                created_at="2025-11-22T22:00:00.000Z", updated_at="2025-11-22T22:00:00.000Z",
                steps=[Step("plan", "strategy", status=RUNNING, attempts=4)], crash_resumes=3)
    TaskStore(conn).save(task, 1)
    conn.close()
    engine = make_engine(make_config(), db=db)
    record = task_of(engine, "ops-loop")
    assert record["status"] == "FAILED" and "not resuming it again" in record["error"]


def test_ask_answers_errors_and_refuses_private_names(engine):
    assert engine.ask("scheduler", "summary")["queueLength"] == 0
    with pytest.raises(TaskNotFound):
        engine.ask("scheduler", "task", "ops-missing")
    with pytest.raises(AttributeError, match="not a message"):
        engine.ask("scheduler", "_dispatch")
    assert engine.slots["SchedulerActor"].restarts == 0


def test_ask_times_out_like_a_pykka_ask():
    from actors.reply import Reply

    with pytest.raises(pykka.Timeout):
        Reply().get(timeout=0.01)
