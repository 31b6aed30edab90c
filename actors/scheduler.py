"""SchedulerActor: the queue, every task's state, retries with backoff, one queued task at a time.

It never blocks: it persists a change, tells an executor what to send next, and answers. Executors
report each step back with ``step_done``; a ticker thread calls ``tick()`` (every ``interval`` and
whenever a retry falls due). Tests call ``tick()`` themselves after moving a ManualClock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from actors import events as ev
from actors.actor import Actor
from actors.backoff import next_retry
from actors.clock import Clock, iso, monotonic_at
from actors.config import Config
from actors.errors import Conflict, TaskNotFound
from actors.events import Emit, Publish
from actors.executor import StepJob, StepOutcome
from actors.executor_pool import ExecutorFactory, ExecutorPool
from actors.group_commit import GroupCommit
from actors.reply import Answering, Reply
from actors.reporter import Reporter
from actors.resume import sort_unfinished
from actors.store import OverrideStore, TaskStore, open_database
from actors.task import (
    CANCELLED,
    COMPLETED,
    FAILED,
    FINAL_STATES,
    QUEUED,
    RETRY_WAIT,
    RUNNING,
    RetryPolicy,
    Task,
    TaskSpec,
)
from actors.task_queue import TaskQueue

log = logging.getLogger(__name__)

@dataclass(slots=True)
class _Live:
    """A running or retry-waiting task, held whole."""

    task: Task
    seq: int
    token: int = 0
    executor: Any = None  # ActorRef while running
    proxy: Any = None
    due: float = 0.0  # clock.monotonic() at which a RETRY_WAIT task runs again
    cancel_requested: bool = False


class SchedulerActor(Answering, Actor):
    """Owns the queue and the state of every task."""

    def __init__(self, config: Config, db_path: str, clock: Clock, executors: ExecutorFactory,
                 emit: Emit, wake: Callable[[], None] = lambda: None,
                 publish: Publish = lambda summary: None) -> None:
        super().__init__()
        self._news = Reporter(emit, publish)
        self._config = config
        self._db_path = db_path
        self._clock = clock
        self._executors = ExecutorPool(executors)
        self._wake = wake
        self._queue = TaskQueue()
        self._live: dict[str, _Live] = {}
        self._active: str | None = None  # the one RUNNING task taken from the queue
        self._tokens = 0
        self._next_tick = 0.0

    # -- life --------------------------------------------------------------------------------

    def on_start(self) -> None:
        self._conn = open_database(self._db_path)
        self._store = TaskStore(self._conn)
        self._commits = GroupCommit(self._conn)
        # The RecoveryActor tells every change (see overrides()); the store has them at start.
        self._overrides = OverrideStore(self._conn).all()
        self._self = self.actor_ref.proxy()
        self._next_tick = self._clock.monotonic() + self._config.scheduler.interval
        self._recover_state()
        log.info("[OPS SCHEDULER] Started (interval %gs, %d queued, %d live)",
                 self._config.scheduler.interval, len(self._queue), len(self._live))
        self._dispatch()
        self._settle()

    def on_stop(self) -> None:
        self._commits.drop_actions()  # steps not sent yet are resumed at the next start
        self._commits.commit()
        self.flush_events()
        self._executors.stop_all()
        self._conn.close()

    def on_failure(self, *exc_info: Any) -> None:
        # Nothing uncommitted is acknowledged: submitters waiting get the error (a 503), and
        # the restarted scheduler starts again from what was committed.
        self._commits.abort(exc_info)
        self._news.hand_over_events()
        self._executors.stop_all()
        self._conn.close()

    def _recover_state(self) -> None:
        """Rebuild the queue from the store; resume what a stop left RUNNING."""
        rows = list(self._store.live())
        for seq, _ in rows:
            self._queue.seen(seq)
        limit = self._config.scheduler.crash_resume_limit
        found = sort_unfinished(rows, limit)
        for seq, task in found.given_up:
            self._finish(_Live(task, seq), FAILED, f"the engine stopped {limit + 1} times "
                         "while running this task; not resuming it again")
        for seq, task in found.waiting:
            self._live[task.id] = _Live(task, seq, due=monotonic_at(self._clock, task.next_retry_at))
        for seq, task in found.queued:
            self._queue.append(task, seq)
        # An interrupted task goes back to the head of the queue (or straight back to work if it
        # came through /ops/run), keeping its order among the others.
        for seq, task in reversed(found.interrupted):
            log.warning("resuming %s at step %s after a restart", task.id, (task.next_step or 0) + 1)
            if task.mode == "run":
                self._start(_Live(task, seq))
            else:
                task.status = QUEUED
                self._save(task, seq)
                self._queue.appendleft(task, seq)

    # -- messages ----------------------------------------------------------------------------

    def enqueue(self, spec: TaskSpec) -> dict[str, Any]:
        """Accept a task into the queue (committed before this returns)."""
        accepted = self._accept(spec)
        self._settle(commit=True)
        return accepted

    def submit(self, spec: TaskSpec, reply: Reply) -> None:
        """Accept a task into the queue and set ``reply`` once it is committed (a tell).

        Submissions that arrive together are committed together: one SQLite commit per burst
        instead of one per task. ``Engine.submit`` wraps this as an ask.
        """
        self._commits.reply(reply, self._accept(spec))
        self._settle()

    def _accept(self, spec: TaskSpec) -> dict[str, Any]:
        seq = self._queue.next_seq()
        stamp = self._stamp()
        task = Task.from_spec(spec, "queue", self._config.routing, stamp)
        self._save(task, seq, stamp)
        position = self._queue.append(task, seq)
        self._event(task, ev.TASK_QUEUED, task.task, "queued", queuePosition=position)
        self._dispatch()
        return {"taskId": task.id, "queuePosition": position}

    def run_now(self, spec: TaskSpec) -> dict[str, Any]:
        """Start a task at once, beside the queue."""
        task = Task.from_spec(spec, "run", self._config.routing, self._stamp())
        self._start(_Live(task, self._queue.next_seq()))
        self._settle(commit=True)
        return {"taskId": task.id}

    def snapshot(self, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """The ``GET /ops/queue`` view: one page of the queue and the active task."""
        active = self._live.get(self._active) if self._active else None
        self._settle()
        return {
            "queueLength": len(self._queue),
            "activeTask": active.task.summary() if active else None,
            "queue": self._queue.page(offset, limit),
            "limit": limit,
            "offset": offset,
            "running": [lv.task.summary() for lv in self._live.values()
                        if lv.task.status == RUNNING and lv.task.id != self._active],
            "retryWait": [dict(lv.task.summary(), retries=lv.task.retries,
                               nextRetryAt=lv.task.next_retry_at)
                          for lv in self._live.values() if lv.task.status == RETRY_WAIT],
        }

    def overrides(self, overrides: dict[str, Any]) -> None:
        """The recovery overrides in force, told by the RecoveryActor when they change.

        Each step carries its service's override to the executor, which saves it an ask per step.
        """
        self._overrides = overrides
        self._settle()

    def publish(self) -> None:
        """Push the queue summary to the monitor now (after the monitor restarted)."""
        self._settle(force=True)

    def flush_events(self) -> None:
        """Hand the events gathered so far to the Brain logger (the Engine calls this each second)."""
        self._news.hand_over_events()
        self._settle()

    def _settle(self, force: bool = False, commit: bool = False) -> None:
        """End of every message: commit, and report (see Reporter).

        While more messages wait in the mailbox (a burst of submissions) the commit waits for
        them (group commit). ``commit`` is for answers that promise durability; ``force``
        pushes the summary anyway.
        """
        burst = not self.actor_inbox.empty()
        self._commits.end_of_message(burst, commit=commit or force)
        self._news.settle(burst, force, self._summary)

    def summary(self) -> dict[str, Any]:
        """Queue length and active task id, for the health and status endpoints."""
        self._settle()
        return self._summary()

    def _summary(self) -> dict[str, Any]:
        return {"queueLength": len(self._queue), "activeTask": self._active,
                "running": sum(1 for lv in self._live.values() if lv.task.status == RUNNING),
                "retryWait": sum(1 for lv in self._live.values() if lv.task.status == RETRY_WAIT)}

    def task(self, task_id: str) -> dict[str, Any]:
        """The whole record of one task."""
        self._settle()
        live = self._live.get(task_id)
        task = live.task if live else self._store.get(task_id)
        if task is None:
            raise TaskNotFound(f"no task {task_id!r}")
        return task.to_dict()

    def cancel(self, task_id: str, reason: str | None = None) -> dict[str, Any]:
        """Cancel a queued or waiting task now, a running one before its next step."""
        try:
            return self._cancel(task_id, reason)
        finally:
            # Even when refused: a burst before this message may be waiting for its commit.
            self._settle(commit=True)

    def _cancel(self, task_id: str, reason: str | None) -> dict[str, Any]:
        live = self._live.get(task_id)
        if live is None:
            task = self._store.get(task_id)
            if task is None:
                raise TaskNotFound(f"no task {task_id!r}")
            if task.status in FINAL_STATES:
                raise Conflict(f"task {task_id} is already {task.status}")
            entry = self._queue.remove(task_id)
            if entry is None:  # cannot happen unless the database was edited under us
                raise Conflict(f"task {task_id} is {task.status} but not in the queue")
            live = _Live(task, entry.seq)
        live.task.cancel_reason = reason
        if live.task.status == RUNNING:
            live.cancel_requested = True
            self._save(live.task, live.seq)
            return {"taskId": task_id, "status": RUNNING,
                    "message": "Task will be cancelled before its next step"}
        self._finish(live, CANCELLED, None)
        return {"taskId": task_id, "status": CANCELLED, "message": "Task cancelled"}

    def tick(self) -> float:
        """One pass: run due retries, notice dead executors, start queued work if idle.

        Returns the seconds until this actor next wants a tick.
        """
        now = self._clock.monotonic()
        for live in list(self._live.values()):
            status = live.task.status
            if status == RETRY_WAIT and live.due <= now:
                self._retry_due(live)
            elif status == RUNNING and live.executor is not None and not live.executor.is_alive():
                self._step_failed(live, live.task.next_step or 0,
                                  StepOutcome(FAILED, error="the executor stopped mid-step"))
        if now >= self._next_tick:
            self._next_tick = now + self._config.scheduler.interval
        self._dispatch()
        self._settle()
        return self._seconds_to_next(now)

    def step_done(self, task_id: str, token: int, index: int, outcome: StepOutcome) -> None:
        """An executor's report of one step (a tell)."""
        live = self._live.get(task_id)
        if live is None or live.token != token or live.task.status != RUNNING:
            self._settle()
            return  # a late report from an executor this task no longer uses
        step = live.task.steps[index]
        step.latency = outcome.latency
        step.finished_at = self._stamp()
        live.task.recoveries.extend(outcome.recoveries)
        if outcome.status == FAILED:
            self._step_failed(live, index, outcome)
            self._settle()
            return
        step.status = outcome.status
        step.output = outcome.output
        step.error = outcome.error
        step.served_by = outcome.served_by
        kind = ev.STEP_COMPLETE if outcome.status == COMPLETED else ev.STEP_SKIPPED
        self._event(live.task, kind, step.name, "success" if outcome.status == COMPLETED
                    else "skipped", latency=outcome.latency or 0, step=index, service=step.service)
        self._advance(live)
        self._settle()

    # -- internals ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        """Start the head of the queue if no queued task is running."""
        while self._active is None and self._queue:
            item = self._queue.popleft()
            task = self._store.get(item.task_id)
            if task is None:  # cannot happen unless the database was edited under us
                log.error("queued task %s has no record; dropping it", item.task_id)
                continue
            self._active = task.id
            self._start(_Live(task, item.seq))

    def _start(self, live: _Live) -> None:
        task = live.task
        task.status = RUNNING
        task.started_at = task.started_at or self._stamp()
        task.next_retry_at = None
        self._live[task.id] = live
        self._tokens += 1
        live.token = self._tokens
        live.executor, live.proxy = self._executors.acquire()
        self._event(task, ev.TASK_START, task.task, "running", mode=task.mode)
        self._advance(live)

    def _advance(self, live: _Live) -> None:
        """Send the next unfinished step, or finish the task."""
        task = live.task
        index = task.next_step
        if live.cancel_requested:
            return self._finish(live, CANCELLED, None)
        if index is None:
            return self._finish(live, COMPLETED, None)
        step = task.steps[index]
        step.status = RUNNING
        step.attempts += 1
        step.started_at = self._stamp()
        self._save(task, live.seq)
        job = StepJob(task_id=task.id, token=live.token, index=index, step=step.name,
                      service=step.service, task=task.task, session_id=task.session_id,
                      params=task.params, context=task.context(index), attempt=step.attempts,
                      override=self._overrides.get(step.service))
        # Sent once committed: a step goes out only when the results before it are durable.
        proxy = live.proxy
        self._commits.after(lambda: proxy.run_step.defer(job, self._self))

    def _step_failed(self, live: _Live, index: int, outcome: StepOutcome) -> None:
        task = live.task
        step = task.steps[index]
        step.status = FAILED
        step.error = outcome.error
        self._event(task, ev.STEP_FAILED, step.name, "failure", latency=outcome.latency or 0,
                    step=index, service=step.service, error=outcome.error)
        reason = f"step {index + 1} ({step.name}) failed: {outcome.error}"
        if live.cancel_requested:
            return self._finish(live, CANCELLED, None)
        if outcome.permanent:
            return self._finish(live, FAILED, reason + " (not retryable)")
        cfg = self._config.scheduler
        policy = task.retry or RetryPolicy(cfg.retry_limit, cfg.backoff)
        delay = next_retry(task.retries, policy.limit, policy.backoff, cfg.jitter)
        if delay is None:
            return self._finish(live, FAILED, reason + f" (after {task.retries} retries)")
        task.retries += 1
        task.status = RETRY_WAIT
        task.error = reason
        task.next_retry_at = iso(self._clock.now() + timedelta(seconds=delay))
        live.due = self._clock.monotonic() + delay
        self._release(live)
        self._save(task, live.seq)
        self._event(task, ev.RETRY_SCHEDULED, task.task, "retry", delay=delay,
                    attempt=task.retries)
        self._dispatch()
        self._wake()

    def _retry_due(self, live: _Live) -> None:
        task = live.task
        if task.mode == "run":
            return self._start(live)
        # A due retry goes to the head of the queue: it was there before the tasks behind it.
        del self._live[task.id]
        task.status = QUEUED
        live.seq = self._queue.front_seq()
        self._save(task, live.seq)
        self._queue.appendleft(task, live.seq)

    def _finish(self, live: _Live, status: str, error: str | None) -> None:
        task = live.task
        task.status = status
        task.finished_at = self._stamp()
        task.next_retry_at = None
        if error is not None:
            task.error = error
        if status == COMPLETED:
            task.error = None
        if status == CANCELLED:
            task.cancelled_at = task.finished_at
            for step in task.steps:
                if step.status == RUNNING:
                    step.status = CANCELLED
        self._release(live)
        self._live.pop(task.id, None)
        self._save(task, live.seq)
        kind = {COMPLETED: ev.TASK_COMPLETE, FAILED: ev.TASK_FAILED, CANCELLED: ev.TASK_CANCELLED}
        result = {COMPLETED: "success", FAILED: "failure", CANCELLED: "cancelled"}[status]
        self._event(task, kind[status], task.task, result, latency=task.elapsed_ms(self._clock.now()),
                    error=task.error, reason=task.cancel_reason)
        self._dispatch()

    def _release(self, live: _Live) -> None:
        """Free the executor and the queue's running slot."""
        if live.executor is not None:
            self._executors.release(live.executor, live.proxy)
            live.executor = live.proxy = None
        if self._active == live.task.id:
            self._active = None

    def _save(self, task: Task, seq: int, stamp: str | None = None) -> None:
        self._commits.write()
        self._news.changed()
        task.updated_at = stamp or self._stamp()
        self._store.save(task, seq)

    def _seconds_to_next(self, now: float) -> float:
        dues = [lv.due for lv in self._live.values() if lv.task.status == RETRY_WAIT]
        return max(0.0, min([self._next_tick, *dues]) - now)

    def _stamp(self) -> str:
        return iso(self._clock.now()) or ""

    def _event(self, task: Task, kind: str, subject: str, result: str, *, latency: int = 0,
               **metadata: Any) -> None:
        self._news.event(ev.make_event(
            self._clock.now(), kind, subject, result, latency=latency, retries=task.retries,
            session_id=task.session_id, taskId=task.id, **metadata))
