"""ExecutorActor: does the I/O of one running task, one step per message.

The scheduler owns every decision (order, retries, cancel); an executor only sends the step it is
told to, applies the recovery the RecoveryActor chooses for that attempt, and reports back with a
``tell``. So a step blocked on a slow service never blocks a web request, and the scheduler never
waits on an executor (no ask cycles).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pykka

from actors.actor import Actor
from actors.clock import Clock, iso
from actors.config import Config
from actors.slot import Slot
from actors.step_call import CallResult, StepCaller
from actors.task import COMPLETED, FAILED, SKIPPED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepJob:
    """Everything an executor needs to send one step."""

    task_id: str
    token: int
    index: int
    step: str
    service: str
    task: str
    session_id: str | None
    params: dict[str, Any]
    context: dict[str, Any]
    attempt: int
    override: dict[str, Any] | None = None  # the recovery override in force for the service

    @property
    def idempotency_key(self) -> str:
        # The same for every retry of this step, so a service can drop a duplicate.
        return f"{self.task_id}:{self.index}"


@dataclass(frozen=True)
class StepOutcome:
    """What became of one attempt of a step."""

    status: str  # COMPLETED, SKIPPED or FAILED
    output: Any = None
    error: str | None = None
    latency: int | None = None
    served_by: str | None = None
    permanent: bool = False
    recoveries: tuple[dict[str, Any], ...] = field(default_factory=tuple)


class ExecutorActor(Actor):
    """Sends the steps of one task to their services."""

    use_daemon_thread = True

    def __init__(self, config: Config, clock: Clock, recovery: Slot, balancer: Slot) -> None:
        super().__init__()
        self._config = config
        self._clock = clock
        self._recovery = recovery
        self._balancer = balancer
        self._caller = StepCaller(config.executor, config.scheduler.retry_client_errors)
        # Asks to sibling actors are bounded: a restart through a Boot Manager may take a while.
        self._ask_timeout = config.recovery.restart_timeout + 5.0

    def on_stop(self) -> None:
        self._caller.close()

    def run_step(self, job: StepJob, reply_to: Any) -> None:
        """Send ``job`` and tell ``reply_to.step_done`` what became of it. Never raises."""
        try:
            outcome = self._run(job)
        except pykka.ActorDeadError as exc:  # a sibling is restarting (or the engine stopping)
            log.warning("step %s of %s: %s", job.step, job.task_id, exc)
            outcome = StepOutcome(FAILED, error=f"engine actor unavailable: {exc}")
        except Exception as exc:  # an executor must report, not die, whatever went wrong
            log.exception("step %s of %s failed inside the executor", job.step, job.task_id)
            outcome = StepOutcome(FAILED, error=f"executor error: {exc!r}")
        try:
            reply_to.step_done.defer(job.task_id, job.token, job.index, outcome)
        except pykka.ActorDeadError:
            # The scheduler is gone; its successor resumes this step from the store.
            log.info("scheduler gone; step %s of %s will be resumed", job.step, job.task_id)

    def _run(self, job: StepJob) -> StepOutcome:
        if job.service not in self._config.services.keys():
            return StepOutcome(FAILED, error=f"no service {job.service!r} in the service map "
                               f"for step {job.step!r}", permanent=True)
        override = job.override
        if override and override["action"] == "skip":
            record = self._record(job, "skip", None, auto=False,
                                  message=f"{job.service} is skipped by an operator override")
            return StepOutcome(SKIPPED, recoveries=(record,))
        target = override["target"] if override else job.service
        records: list[dict[str, Any]] = []
        if override:
            records.append(self._record(job, "fallback", target, auto=False,
                                        message=f"Using {target} as fallback for {job.service}"))
        body = self._body(job)
        result = self._send(target, job, body)
        if result.ok:
            return self._done(result, target, records)
        decision = self._recovery.proxy.step_failed(job.service, target, result.error).get(
            timeout=self._ask_timeout)
        action = decision["action"]
        if action == "skip":
            records.append(self._record(job, "skip", None, auto=True, message=decision["message"]))
            return StepOutcome(SKIPPED, error=result.error, latency=result.latency,
                               recoveries=tuple(records))
        if action == "fallback" and decision["target"] != target:
            fallback = decision["target"]
            records.append(self._record(job, "fallback", fallback, auto=True,
                                        message=decision["message"]))
            second = self._send(fallback, job, body)
            if second.ok:
                return self._done(second, fallback, records)
            return self._failed(second, f"{result.error}; fallback: {second.error}", records)
        if action == "restart":
            records.append(self._record(job, "restart", None, auto=True, message=decision["message"]))
        return self._failed(result, result.error, records)

    def _send(self, target: str, job: StepJob, body: dict[str, Any]) -> CallResult:
        service = self._config.services[target]
        result = self._caller.post(service, service.step_path.format(step=job.step), body,
                                   job.idempotency_key)
        if result.provider_error:
            self._balancer.proxy.provider_failed.defer(result.provider_error)
        return result

    def _body(self, job: StepJob) -> dict[str, Any]:
        body: dict[str, Any] = {
            "taskId": job.task_id,
            "task": job.task,
            "step": job.step,
            "stepIndex": job.index,
            "sessionId": job.session_id,
            "params": job.params,
            "context": job.context,
        }
        cfg = self._config.executor
        balancer = self._balancer.proxy
        if job.step in cfg.llm_steps:
            body["llm"] = balancer.next_provider().get(timeout=self._ask_timeout)
        platforms = job.params.get("platforms")
        if job.step in cfg.account_steps and isinstance(platforms, list) and platforms:
            min_tier = job.params.get("minTier", "EXPERIMENT")
            names = [p for p in platforms if isinstance(p, str)]
            body["account"] = balancer.select_accounts(names, min_tier).get(
                timeout=self._ask_timeout + len(names) * self._config.balancer.accounts_timeout)
        return body

    def _done(self, result: CallResult, target: str, records: list[dict[str, Any]]) -> StepOutcome:
        return StepOutcome(COMPLETED, output=result.output, latency=result.latency,
                           served_by=target, recoveries=tuple(records))

    @staticmethod
    def _failed(result: CallResult, error: str | None, records: list[dict[str, Any]]) -> StepOutcome:
        return StepOutcome(FAILED, error=error, latency=result.latency, permanent=result.permanent,
                           recoveries=tuple(records))

    def _record(self, job: StepJob, action: str, target: str | None, *, auto: bool,
                message: str) -> dict[str, Any]:
        return {"at": iso(self._clock.now()), "step": job.step, "stepIndex": job.index,
                "service": job.service, "action": action, "target": target, "auto": auto,
                "message": message}
