"""Shared fixtures: one simulated fleet per session, engines on temporary databases."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from actors import Config, Engine, ManualClock
from actors.config import config_from_dict
from actors.task import parse_spec
from web.fleet import Fleet


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``predicate`` until it is truthy; fail after ``timeout`` real seconds.

    Used only to wait for real I/O between actors (an executor's HTTP call); never for a
    backoff, which tests move through with a ManualClock.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: last value {value!r}")
        time.sleep(0.005)


@pytest.fixture(scope="session")
def fleet_session() -> Iterator[Fleet]:
    fleet = Fleet(Config().services).start()
    yield fleet
    fleet.stop()


@pytest.fixture
def fleet(fleet_session: Fleet) -> Iterator[Fleet]:
    fleet_session.reset()
    yield fleet_session
    fleet_session.reset()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_config(fleet: Fleet) -> Callable[..., Config]:
    """A Config pointed at the fleet, with any TOML-shaped overrides."""

    def make(**overrides: Any) -> Config:
        return config_from_dict(overrides).with_services(fleet.addresses())

    return make


@pytest.fixture
def make_engine(tmp_path: Any, clock: ManualClock, make_config: Callable[..., Config]
                ) -> Iterator[Callable[..., Engine]]:
    """Start engines on a temporary database; all are stopped at the end of the test."""
    engines: list[Engine] = []

    def make(config: Config | None = None, timers: bool = False, db: str | None = None,
             **overrides: Any) -> Engine:
        engine = Engine(config or make_config(**overrides), db or str(tmp_path / "ops.db"),
                        clock=clock, timers=timers)
        engines.append(engine)
        return engine.start()

    yield make
    for engine in engines:
        engine.stop()


@pytest.fixture
def engine(make_engine: Callable[..., Engine]) -> Engine:
    return make_engine()


def spec(steps: list[str], task: str = "t", **body: Any) -> Any:
    """A parsed TaskSpec with the default routing."""
    return parse_spec({"task": task, "steps": steps, **body}, Config().routing)


def task_of(engine: Engine, task_id: str) -> dict[str, Any]:
    return engine.scheduler.task(task_id).get(timeout=5)


def wait_status(engine: Engine, task_id: str, *statuses: str, timeout: float = 5.0
                ) -> dict[str, Any]:
    """Wait until the task reaches one of ``statuses``; return its record."""
    return wait_until(lambda: (t := task_of(engine, task_id))["status"] in statuses and t,
                      timeout)
