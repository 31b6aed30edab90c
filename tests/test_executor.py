"""ExecutorActor through its proxy: one step per message, reported with a tell."""

from __future__ import annotations

import threading

import pykka
import pytest

from actors.executor import ExecutorActor, StepJob
from actors.task import COMPLETED, FAILED
from tests.conftest import wait_until


class Collector(pykka.ThreadingActor):
    """Stands in for the scheduler: keeps what executors report."""

    def __init__(self) -> None:
        super().__init__()
        self.reports: list = []
        self.seen = threading.Event()

    def step_done(self, task_id, token, index, outcome) -> None:
        self.reports.append((task_id, token, index, outcome))

    def get_reports(self) -> list:
        return list(self.reports)


@pytest.fixture
def rig(engine, make_config):
    collector = Collector.start()
    executor = ExecutorActor.start(engine.config, engine.clock, engine.slots["RecoveryActor"],
                                   engine.slots["LoadBalancerActor"])
    yield executor.proxy(), collector.proxy()
    executor.stop()
    collector.stop()


def _job(step="plan", service="strategy", index=0, **kw):
    return StepJob(task_id="ops-x", token=7, index=index, step=step, service=service, task="t",
                   session_id="s", params=kw.pop("params", {}), context=kw.pop("context", {}),
                   attempt=1)


def _outcomes(collector, n=1):
    return wait_until(lambda: len(r := collector.get_reports().get()) >= n and r)


def test_step_is_sent_with_contract_and_reported(rig, fleet):
    executor, collector = rig
    executor.run_step(_job(context={"prev": 1}, params={"product": "p"}), collector).get()
    task_id, token, index, outcome = _outcomes(collector)[0]
    assert (task_id, token, index, outcome.status) == ("ops-x", 7, 0, COMPLETED)
    assert outcome.output["plan"]["product"] == "p" and outcome.served_by == "strategy"
    call = fleet.calls("strategy")[0]
    assert call.path == "/plan" and call.key == "ops-x:0"
    assert {"taskId", "task", "step", "stepIndex", "sessionId", "params", "context",
            "llm"} <= set(call.body)


@pytest.mark.parametrize(("mode", "fragment", "permanent"), [
    ("down", "answered 503", False),
    ("garbage", "not JSON", False),
    ("reject", "answered 422: bad input", True),
])
def test_failures_become_reasons(rig, fleet, mode, fragment, permanent):
    executor, collector = rig
    fleet.set("strategy", mode=mode)
    executor.run_step(_job(), collector).get()
    outcome = _outcomes(collector)[0][3]
    assert outcome.status == FAILED and fragment in outcome.error
    assert outcome.permanent is permanent


def test_unreachable_service(rig, engine):
    executor, collector = rig
    executor.run_step(_job(service="nowhere"), collector).get()
    outcome = _outcomes(collector)[0][3]
    assert outcome.status == FAILED and outcome.permanent


def test_hanging_service_fails_within_its_timeout(make_engine, fleet):
    engine = make_engine(executor={"read_timeout": 0.3, "step_deadline": 0.5})
    fleet.set("strategy", mode="hang", hang_seconds=5)
    collector = Collector.start()
    executor = ExecutorActor.start(engine.config, engine.clock, engine.slots["RecoveryActor"],
                                   engine.slots["LoadBalancerActor"])
    try:
        executor.proxy().run_step(_job(), collector.proxy()).get(timeout=3)
        outcome = _outcomes(collector.proxy())[0][3]
        assert outcome.status == FAILED and "timed out" in outcome.error
    finally:
        executor.stop()
        collector.stop()
