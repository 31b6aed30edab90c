"""HealthActor and the health board: checks, colours, flapping, parallel fan-out."""

from __future__ import annotations

import pytest

from actors import health_board
from actors.config import HealthConfig
from actors.health import HealthActor
from actors.service_map import Service
from tests.conftest import wait_until


@pytest.fixture
def health_actor(fleet, clock):
    host, port = fleet.addresses()["trends"]
    svc = Service("trends", "Trends", port, host=host)
    events = []
    ref = HealthActor.start(svc, HealthConfig(fall=3, rise=2, timeout=0.5), clock,
                            lambda e, t: events.extend(e))
    yield ref.proxy(), events
    ref.stop()


def test_check_records_latency_and_failures(health_actor, fleet):
    proxy, _ = health_actor
    report = proxy.check().get()
    assert report["healthy"] is True and report["latency"] >= 0
    assert report["service"] == "Trends" and report["lastCheck"]
    fleet.set("trends", mode="down")
    report = proxy.check().get()
    assert report["consecutiveFailures"] == 1 and report["lastError"] == "answered 503"


def test_flapping_thresholds(health_actor, fleet):
    proxy, events = health_actor
    assert proxy.check().get()["healthy"] is True
    fleet.set("trends", mode="down")
    assert [proxy.check().get()["healthy"] for _ in range(3)] == [True, True, False]
    assert events[-1]["action"] == "health_change:trends" and events[-1]["result"] == "down"
    fleet.set("trends", mode="up")
    assert [proxy.check().get()["healthy"] for _ in range(2)] == [False, True]
    assert events[-1]["result"] == "up"


def test_fresh_reuses_a_young_check(health_actor, fleet, clock):
    proxy, _ = health_actor
    first = proxy.fresh(5).get()
    fleet.set("trends", mode="down")
    assert proxy.fresh(5).get() == first
    clock.advance(5)
    assert proxy.fresh(5).get()["consecutiveFailures"] == 1


def test_colours():
    def rep(healthy, critical):
        return {"healthy": healthy, "critical": critical}
    assert health_board.colour([rep(True, True), rep(True, False)]) == "GREEN"
    assert health_board.colour([rep(True, True), rep(False, False)]) == "YELLOW"
    assert health_board.colour([rep(False, True), rep(False, False)]) == "RED"


def test_colours_from_the_engine(make_engine, fleet):
    engine = make_engine(health={"timeout": 0.5, "fall": 1})
    assert health_board.colour(engine.health_report(0)) == "GREEN"
    fleet.set("trends", mode="down")
    assert health_board.colour(engine.health_report(0)) == "YELLOW"
    fleet.set("brain", mode="down")
    reports = engine.health_report(0)
    assert health_board.colour(reports) == "RED"
    assert len(reports) == len(engine.config.services) == 21


def test_hanging_service_costs_one_timeout_not_the_sum(make_engine, fleet):
    engine = make_engine(health={"timeout": 0.5})
    for key in ("trends", "video", "voice"):
        fleet.set(key, mode="hang", hang_seconds=3)
    reports = engine.health_report(0)
    down = {r["key"] for r in reports if not r["healthy"]}
    assert down == {"trends", "video", "voice"}
    # Checked one after another, the fleet would hold one hanging request at a time; the
    # checks run side by side, so it held all three at once (one timeout, not the sum).
    assert fleet.peak_hanging == 3


def test_background_loop_keeps_checks_fresh(make_engine, fleet, clock):
    engine = make_engine(timers=True)
    wait_until(lambda: all(r["lastCheck"] for r in
                           (engine.health[k].last().get() for k in engine.health)))


def test_background_round_is_spread_over_the_interval(make_engine, fleet):
    engine = make_engine(health={"interval": 2.1})  # timers off: the test is the ticker
    keys = list(engine.health)

    def checked() -> set[str]:
        # An ask queues behind any check told before it, so this sees every check told so far.
        return {k for k in keys if engine.health[k].last().get(timeout=5)["lastCheck"]}

    assert checked() == set()
    seen: list[str] = []
    for turn in range(len(keys)):
        assert engine.check_next() == pytest.approx(2.1 / len(keys))
        now = checked()
        assert len(now) == turn + 1, "each step checks exactly one more service"
        seen += sorted(now - set(seen))
    assert seen == keys  # every service once per round, in order
    before = engine.health[keys[0]].last().get(timeout=5)["lastCheck"]
    engine.clock.advance(1)
    engine.check_next()  # the next round starts again with the first
    assert engine.health[keys[0]].last().get(timeout=5)["lastCheck"] != before
