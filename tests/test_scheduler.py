"""SchedulerActor through its proxy: the queue, one task at a time, retries, cancel, resume."""

from __future__ import annotations

from actors.store import TaskStore, open_database
from actors.task import COMPLETED, FAILED, QUEUED, RETRY_WAIT, RUNNING, Task
from tests.conftest import spec, task_of, wait_status, wait_until


def test_queued_task_runs_every_step_with_context(engine, fleet):
    queued = engine.scheduler.enqueue(spec(["plan", "generate_content", "post"])).get()
    assert queued["queuePosition"] == 1
    record = wait_status(engine, queued["taskId"], COMPLETED)
    assert [s["status"] for s in record["steps"]] == [COMPLETED] * 3
    assert record["steps"][0]["output"]["plan"]["angles"]
    calls = fleet.calls()
    assert [c.service for c in calls] == ["strategy", "creativeSuite", "hands"]
    assert [c.key for c in calls] == [f"{queued['taskId']}:{i}" for i in range(3)]
    # Dependency tracking: each step sees the outputs of the steps before it.
    assert set(calls[2].body["context"]) == {"plan", "generate_content"}
    assert calls[0].body["llm"]["provider"] == "openai"


def test_one_queued_task_at_a_time_and_run_beside(engine, fleet):
    fleet.set("strategy", latency=0.3)
    first = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    second = engine.scheduler.enqueue(spec(["plan"])).get()
    assert second["queuePosition"] == 1  # the first left the queue for its run
    snap = engine.scheduler.snapshot().get()
    assert snap["activeTask"]["taskId"] == first
    assert [q["taskId"] for q in snap["queue"]] == [second["taskId"]]
    fleet.set("strategy", latency=0)
    immediate = engine.scheduler.run_now(spec(["generate_content"])).get()["taskId"]
    wait_status(engine, immediate, COMPLETED)
    assert task_of(engine, second["taskId"])["status"] in (QUEUED, RUNNING, COMPLETED)
    wait_status(engine, second["taskId"], COMPLETED)


def test_backoff_schedule_is_exact_and_fourth_failure_is_final(engine, fleet, clock):
    fleet.set("strategy", mode="down")
    task_id = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    for retries, delay in enumerate([10, 30, 60], start=1):
        record = wait_status(engine, task_id, RETRY_WAIT)
        assert record["retries"] == retries
        clock.advance(delay - 0.001)
        engine.scheduler.tick().get()
        assert task_of(engine, task_id)["status"] == RETRY_WAIT
        clock.advance(0.001)
        engine.scheduler.tick().get()
        wait_until(lambda: task_of(engine, task_id)["steps"][0]["attempts"] == retries + 1)
    record = wait_status(engine, task_id, FAILED)
    assert record["retries"] == 3
    assert "after 3 retries" in record["error"] and "Strategy answered 503" in record["error"]
    assert len(fleet.calls("strategy")) == 4


def test_retry_resumes_at_failed_step_with_same_key(engine, fleet, clock):
    fleet.set("vision", mode="down")
    fleet.set("hands", mode="down")  # vision's fallback, so the step really fails
    task_id = engine.scheduler.enqueue(spec(["plan", "content_edit"])).get()["taskId"]
    wait_status(engine, task_id, RETRY_WAIT)
    fleet.set("vision", mode="up")
    clock.advance(10)
    engine.scheduler.tick().get()
    record = wait_status(engine, task_id, COMPLETED)
    assert record["steps"][0]["attempts"] == 1 and record["steps"][1]["attempts"] == 2
    assert len(fleet.calls("strategy")) == 1
    keys = [c.key for c in fleet.calls("vision")]
    assert keys == [f"{task_id}:1", f"{task_id}:1"]


def test_waiting_retry_does_not_block_the_queue(engine, fleet, clock):
    fleet.set("simulation", mode="down")
    failing = engine.scheduler.enqueue(spec(["simulate"])).get()["taskId"]
    behind = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    wait_status(engine, failing, RETRY_WAIT)
    wait_status(engine, behind, COMPLETED)


def test_scheduler_wakes_for_a_due_retry(engine, fleet):
    fleet.set("simulation", mode="down")
    task_id = engine.scheduler.enqueue(spec(["simulate"])).get()["taskId"]
    wait_status(engine, task_id, RETRY_WAIT)
    # tick() answers how long until it next wants to run: the retry, not the 60 s interval.
    assert engine.scheduler.tick().get() == 10


def test_client_error_fails_at_once(engine, fleet):
    fleet.set("strategy", mode="reject")
    task_id = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    record = wait_status(engine, task_id, FAILED)
    assert record["retries"] == 0 and "not retryable" in record["error"]
    assert "422" in record["steps"][0]["error"]


def test_per_task_retry_override(engine, fleet, clock):
    fleet.set("strategy", mode="down")
    task_id = engine.scheduler.enqueue(
        spec(["plan"], retry={"limit": 1, "backoff": [2]})).get()["taskId"]
    wait_status(engine, task_id, RETRY_WAIT)
    clock.advance(2)
    engine.scheduler.tick().get()
    assert wait_status(engine, task_id, FAILED)["retries"] == 1


def test_cancel_queued_waiting_and_running(engine, fleet, clock):
    fleet.set("strategy", latency=0.3)
    running = engine.scheduler.enqueue(spec(["plan", "plan"])).get()["taskId"]
    queued = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    assert engine.scheduler.cancel(queued, "not needed").get()["status"] == "CANCELLED"
    record = task_of(engine, queued)
    assert record["status"] == "CANCELLED" and record["cancelReason"] == "not needed"
    assert record["cancelledAt"]
    assert engine.scheduler.cancel(running).get()["status"] == RUNNING
    record = wait_status(engine, running, "CANCELLED")
    assert record["steps"][1]["attempts"] == 0  # cancelled before its next step
    assert engine.scheduler.snapshot().get()["queueLength"] == 0


def test_restart_resumes_running_task_at_unfinished_step(make_engine, make_config, tmp_path, fleet):
    db = str(tmp_path / "crash.db")
    conn = open_database(db)
    engine_cfg = make_config()
    task = Task(id="ops-crashed001", task="t", mode="queue", status=RUNNING, params={},
                session_id="s", created_at="2025-11-22T22:00:00.000Z",
                updated_at="2025-11-22T22:00:00.000Z",
                steps=[])
    from actors.task import Step
    task.steps = [Step("plan", "strategy", status=COMPLETED, attempts=1, output={"done": 1}),
                  Step("generate_content", "creativeSuite", status=RUNNING, attempts=1),
                  Step("post", "hands")]
    TaskStore(conn).save(task, 1)
    conn.close()
    engine = make_engine(engine_cfg, db=db)
    record = wait_status(engine, "ops-crashed001", COMPLETED)
    assert record["crashResumes"] == 1
    assert [c.service for c in fleet.calls()] == ["creativeSuite", "hands"]
    assert fleet.calls("creativeSuite")[0].body["context"] == {"plan": {"done": 1}}


def test_submissions_in_a_burst_are_answered_after_one_commit(engine, fleet, tmp_path):
    import inspect

    from actors.reply import Reply
    from actors.scheduler import SchedulerActor

    fleet.set("simulation", mode="hang", hang_seconds=5)
    engine.scheduler.enqueue(spec(["simulate"])).get()  # holds the queue
    replies = [Reply() for _ in range(20)]
    for reply in replies:
        engine.scheduler.submit.defer(spec(["plan"]), reply)
    answers = [reply.get(timeout=5) for reply in replies]
    assert [a["queuePosition"] for a in answers] == list(range(1, 21))
    # Every answered task is on disk: a second connection sees all of them.
    conn = open_database(str(tmp_path / "ops.db"))
    store = TaskStore(conn)
    assert all(store.get(a["taskId"]).status == QUEUED for a in answers)
    conn.close()
    # Every message handler ends by settling, so no burst can leave a commit pending.
    for name, member in vars(SchedulerActor).items():
        if inspect.isfunction(member) and not name.startswith(("_", "on_")):
            assert "_settle(" in inspect.getsource(member), name


def test_engine_submit_is_an_ask(engine):
    answer = engine.submit(spec(["plan"]), timeout=5)
    assert answer["taskId"].startswith("ops-") and answer["queuePosition"] == 1


def test_a_refused_message_still_commits_the_burst_before_it(engine, fleet):
    import pytest

    from actors.errors import TaskNotFound
    from actors.reply import Reply

    fleet.set("simulation", mode="hang", hang_seconds=5)
    engine.scheduler.enqueue(spec(["simulate"])).get()
    reply = Reply()
    engine.scheduler.submit.defer(spec(["plan"]), reply)
    with pytest.raises(TaskNotFound):  # queued right behind the submission, and refused
        engine.scheduler.cancel("ops-nothing").get(timeout=5)
    assert reply.get(timeout=1)["queuePosition"] == 1
