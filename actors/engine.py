"""The Engine: builds the actor tree from a Config, supervises it, and stops it in order.

It is also what a REPL user holds: ``engine.scheduler.snapshot().get()``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pykka

from actors import health_board
from actors.boot_manager import BootManager
from actors.brain_logger import BrainLoggerActor
from actors.clock import Clock, SystemClock
from actors.config import Config
from actors.executor import ExecutorActor
from actors.health import HealthActor
from actors.load_balancer import LoadBalancerActor
from actors.monitor import MonitorActor
from actors.recovery import RecoveryActor
from actors.reply import Reply
from actors.scheduler import SchedulerActor
from actors.service_map import Service
from actors.slot import Slot
from actors.store import open_database
from actors.ticker import Ticker

log = logging.getLogger(__name__)

VERSION = "1.0.0-ULTRA"


class Engine:
    """Owns every actor of one Ops Engine process."""

    def __init__(self, config: Config | None = None, db_path: str = "ops.db",
                 clock: Clock | None = None, timers: bool = True) -> None:
        """``timers=False`` leaves ticking to the caller (tests call ``tick()`` themselves)."""
        self.config = config or Config()
        self.db_path = db_path
        self.clock = clock or SystemClock()
        self._timers = timers
        self._tickers: list[Ticker] = []
        self._started_at = 0.0
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None
        cfg, services = self.config, self.config.services
        self.boot_manager = BootManager(cfg.recovery.boot_manager_url,
                                        cfg.recovery.boot_manager_command,
                                        cfg.recovery.restart_timeout)
        self._monitor = Slot("MonitorActor", lambda: MonitorActor.start(
            services, self.clock, self.emit), on_restart=self._republish)
        self._brain = Slot("BrainLoggerActor", lambda: BrainLoggerActor.start(
            cfg.brain, services["brain"], services["telemetry"], db_path, self.clock,
            self._teller(self._monitor, "events")))
        self._recovery = Slot("RecoveryActor", lambda: RecoveryActor.start(
            cfg, db_path, self.clock, self.emit, self.boot_manager, self._publish_overrides))
        self._balancer = Slot("LoadBalancerActor", lambda: LoadBalancerActor.start(
            cfg.balancer, services["accountSafety"], self.clock))
        self._health = {svc.key: Slot(f"HealthActor-{svc.key}", self._health_factory(svc))
                        for svc in services}
        self._health_turns = itertools.cycle(list(self._health))
        self._scheduler = Slot("SchedulerActor", lambda: SchedulerActor.start(
            cfg, db_path, self.clock, self._spawn_executor, self.emit, self._wake_scheduler,
            self._teller(self._monitor, "queue")))
        self._slots = [self._monitor, self._brain, self._recovery, self._balancer,
                       *self._health.values(), self._scheduler]

    # -- life --------------------------------------------------------------------------------

    def start(self) -> Engine:
        """Create the database, start every actor (scheduler last), then the timers."""
        open_database(self.db_path).close()
        self._started_at = self.clock.monotonic()
        for slot in self._slots:
            slot.start()
        self._supervisor = threading.Thread(target=self._supervise, name="Supervisor", daemon=True)
        self._supervisor.start()
        if self._timers:
            self._check_all()  # a first picture at once; after that the round is spread out
            self._tickers = [
                Ticker("scheduler", lambda: self.scheduler.tick().get(timeout=10), self.clock),
                Ticker("health", self.check_next, self.clock),
                Ticker("brain", self._flush_events, self.clock),
            ]
            for ticker in self._tickers:
                ticker.start()
        return self

    def stop(self) -> None:
        """Stop timers, then the scheduler (and its executors), then the rest; flush events last."""
        self._stopping.set()
        for ticker in self._tickers:
            ticker.stop()
        self._scheduler.stop()  # its on_stop hands its last events to the Brain logger
        for slot in [*self._health.values(), self._balancer, self._recovery, self._monitor]:
            slot.stop()
        try:
            self._brain.proxy.flush(force=True).get(timeout=2)
        except (pykka.Timeout, pykka.ActorDeadError):
            log.warning("events still waiting at stop are kept in the outbox")
        self._brain.stop()
        if self._supervisor is not None:
            self._supervisor.join(2)

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- what callers reach ------------------------------------------------------------------

    @property
    def scheduler(self) -> Any:
        return self._scheduler.proxy

    @property
    def recovery(self) -> Any:
        return self._recovery.proxy

    @property
    def balancer(self) -> Any:
        return self._balancer.proxy

    @property
    def brain(self) -> Any:
        return self._brain.proxy

    @property
    def health(self) -> dict[str, Any]:
        """Each service's HealthActor proxy, by service key."""
        return {key: slot.proxy for key, slot in self._health.items()}

    @property
    def slots(self) -> dict[str, Slot]:
        """Every supervised slot by actor name (for operators and tests)."""
        return {slot.name: slot for slot in self._slots}

    def uptime(self) -> int:
        return int(self.clock.monotonic() - self._started_at)

    def ask(self, actor: str, method: str, *args: Any, timeout: float | None = None) -> Any:
        """Ask ``actor`` ("scheduler" or "monitor") to run ``method``, with a lighter reply.

        Like a Pykka ask (which builds a queue per call), for the API's hot paths; raises the
        actor's error, pykka.Timeout, or pykka.ActorDeadError.
        """
        slot = {"scheduler": self._scheduler, "monitor": self._monitor}[actor]
        reply = Reply()
        slot.proxy.answer.defer(reply, method, *args)
        return reply.get(timeout=self.config.web.ask_timeout if timeout is None else timeout)

    def submit(self, spec: Any, timeout: float) -> dict[str, Any]:
        """Queue a task and wait until it is committed: an ask, answered after the group commit.

        Raises pykka.Timeout if no answer comes within ``timeout`` (nothing was acknowledged).
        """
        reply = Reply()
        self.scheduler.submit.defer(spec, reply)
        return reply.get(timeout=timeout)

    def board(self, max_age: float | None = None) -> dict[str, Any]:
        """The MonitorActor's picture, with every service checked within ``max_age`` seconds.

        Services whose last check is older are checked now, in parallel.
        """
        cfg = self.config.health
        age = cfg.freshness if max_age is None else max_age
        board = self.ask("monitor", "board", age)
        if board["stale"]:
            reports = {r["key"]: r for r in board["reports"]}
            pairs = [(self._health[key], reports[key]) for key in board["stale"]]
            # A little over the check timeout: a hanging service answers "unhealthy" in ≈ 2 s.
            for report in health_board.gather(pairs, age, cfg.timeout * 1.1 + 0.05):
                reports[report["key"]] = report
            board["reports"] = list(reports.values())
            board.update(health_board.summarize(board["reports"]))
        return board

    def health_report(self, max_age: float | None = None) -> list[dict[str, Any]]:
        """Every service's health, checked in parallel unless fresher than ``max_age``."""
        return self.board(max_age)["reports"]

    @staticmethod
    def _teller(slot: Slot, method: str) -> Any:
        """A function that tells ``method`` to the actor in ``slot``, dropping it if that is down."""

        def tell(*args: Any) -> None:
            try:
                getattr(slot.proxy, method).defer(*args)
            except pykka.ActorDeadError:
                pass  # restarting: the owners republish once it is back (_republish)

        return tell

    def _publish_overrides(self, overrides: dict[str, Any]) -> None:
        # Both need them: the monitor to show, the scheduler to attach to each step.
        self._teller(self._monitor, "overrides")(overrides)
        self._teller(self._scheduler, "overrides")(overrides)

    def _republish(self) -> None:
        """After the monitor restarts, have every owner push its piece again."""
        for slot in (self._scheduler, self._recovery, self._brain):
            self._teller(slot, "publish")()
        self._check_all()

    def emit(self, events: list[dict[str, Any]], telemetry: bool = False) -> None:
        """Hand events to the Brain logger; never raises into the caller's handler."""
        try:
            self._brain.proxy.log.defer(events, telemetry)
        except pykka.ActorDeadError:
            log.warning("Brain logger restarting; %d event(s) not kept", len(events))

    # -- internals ---------------------------------------------------------------------------

    def _health_factory(self, service: Service) -> Callable[[], pykka.ActorRef[Any]]:
        def start() -> pykka.ActorRef[Any]:
            return HealthActor.start(service, self.config.health, self.clock, self.emit,
                                     self._teller(self._monitor, "health"))

        return start

    def _spawn_executor(self) -> pykka.ActorRef[Any]:
        return ExecutorActor.start(self.config, self.clock, self._recovery, self._balancer)

    def _wake_scheduler(self) -> None:
        if self._tickers:
            self._tickers[0].poke()

    def _check_all(self) -> None:
        """Have every HealthActor check now (they push their reports to the monitor)."""
        for slot in self._health.values():
            self._teller(slot, "check")()

    def check_next(self) -> float:
        """The health ticker's step: have the next service's HealthActor check now.

        Returns the wait before the next one: the round is spread over ``health.interval``, so
        each service is still checked once per interval, but 21 checks never land on a busy
        core at once (a round at once showed as a burst in the API's p99 under load).
        """
        self._teller(self._health[next(self._health_turns)], "check")()
        return self.config.health.interval / len(self._health)

    def flush_events(self, force: bool = False) -> dict[str, Any]:
        """Move the scheduler's gathered events to the Brain logger and have it deliver them.

        Returns the delivery stats. ``force`` retries a refusing Brain without waiting.
        """
        # An ask, so the scheduler's events are in the Brain logger's mailbox before the flush.
        self.scheduler.flush_events().get(timeout=5)
        return self.brain.flush(force).get(timeout=30)

    def _flush_events(self) -> float:
        self.flush_events()
        return self.config.brain.flush_interval

    def _supervise(self) -> None:
        """Restart any actor that died (an exception in a tell stops a Pykka actor)."""
        while not self._stopping.wait(self.config.supervise_interval):
            for slot in self._slots:
                if not slot.alive() and not self._stopping.is_set():
                    try:
                        slot.restart()
                    except Exception:
                        log.exception("could not restart %s", slot.name)
                        time.sleep(0.5)

