"""BrainLoggerActor: streams ops events to Brain in batches (recovery events also to Telemetry).

Events gather in memory for at most ``flush_interval`` (or until a batch is full) and are then
sent. While nothing older waits, a batch goes straight to Brain; whatever Brain does not take is
written to the durable outbox (SQLite) and delivered from there, oldest first, when it answers
again. So Brain being down or slow never slows a task, and its backlog survives a restart. The
price of not writing every event to disk on the hot path: a ``kill -9`` loses the events of the
last ``flush_interval`` that were not yet sent (a clean stop loses none).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests

from actors.actor import Actor
from actors.clock import Clock, iso
from actors.config import BrainConfig
from actors.outbox import Outbox
from actors.service_map import Service, service_session
from actors.store import open_database

log = logging.getLogger(__name__)

BRAIN, TELEMETRY = "brain", "telemetry"
_MAX_BATCHES_PER_FLUSH = 20  # keep the mailbox moving while a large backlog drains


class BrainLoggerActor(Actor):
    """The event outbox and its delivery."""

    use_daemon_thread = True

    def __init__(self, config: BrainConfig, brain: Service, telemetry: Service, db_path: str,
                 clock: Clock, publish: Callable[[dict[str, Any]], None] = lambda stats: None
                 ) -> None:
        super().__init__()
        self._publish = publish
        self._config = config
        self._targets = {BRAIN: (brain, config.path), TELEMETRY: (telemetry, config.telemetry_path)}
        self._db_path = db_path
        self._clock = clock
        self._delivered = 0
        self._last_error: str | None = None
        self._last_delivery: str | None = None
        self._retry_after = 0.0
        self._buffer: list[tuple[list[str], dict[str, Any]]] = []

    def on_start(self) -> None:
        self._conn = open_database(self._db_path)
        self._outbox = Outbox(self._conn, self._config.outbox_limit)
        self._session = service_session()
        self.publish()

    def on_stop(self) -> None:
        self._persist()
        self._session.close()
        self._conn.close()

    def log(self, events: list[dict[str, Any]], telemetry: bool = False) -> None:
        """Keep ``events`` for Brain (and Telemetry); deliver once a batch is full."""
        targets = [BRAIN, TELEMETRY] if telemetry else [BRAIN]
        self._buffer.extend((targets, event) for event in events)
        if len(self._buffer) >= self._config.batch_size:
            self.flush()

    def flush(self, force: bool = False) -> dict[str, Any]:
        """Deliver waiting events in order; stop at the first refusal and keep the rest.

        After a failure, deliveries pause for ``flush_interval`` unless ``force`` is given, so a
        Brain that is down is not hammered on every event.
        """
        if not force and self._clock.monotonic() < self._retry_after:
            self._persist()  # Brain is refusing: what waits must be on disk
            self.publish()
            return self.stats()
        if self._buffer and len(self._outbox) == 0:
            self._deliver_buffer()
        self._persist()
        for target in (BRAIN, TELEMETRY):
            for _ in range(_MAX_BATCHES_PER_FLUSH):
                batch = self._outbox.peek(target, self._config.batch_size)
                if not batch or not self._send(target, [event for _, event in batch]):
                    break
                self._outbox.remove([row_id for row_id, _ in batch])
        self.publish()
        return self.stats()

    def _deliver_buffer(self) -> None:
        """Send the buffered events straight away; keep in the buffer only what was refused."""
        left: list[tuple[list[str], dict[str, Any]]] = []
        size = self._config.batch_size
        for target in (BRAIN, TELEMETRY):
            events = [event for targets, event in self._buffer if target in targets]
            for start in range(0, len(events), size):
                if not self._send(target, events[start:start + size]):
                    left.extend(([target], event) for event in events[start:])
                    break
        self._buffer = left

    def _persist(self) -> None:
        if self._buffer:
            self._outbox.add(self._buffer)
            self._buffer = []

    def publish(self) -> None:
        """Push the delivery counts to the monitor."""
        self._publish(self.stats())

    def stats(self) -> dict[str, Any]:
        """Pending, delivered and dropped counts, and the last delivery error."""
        waiting = sum(len(targets) for targets, _ in self._buffer)
        return {"pending": len(self._outbox) + waiting, "delivered": self._delivered,
                "dropped": self._outbox.dropped, "lastError": self._last_error,
                "lastDeliveryAt": self._last_delivery}

    def _send(self, target: str, events: list[dict[str, Any]]) -> bool:
        service, path = self._targets[target]
        try:
            resp = self._session.post(service.url(path), timeout=self._config.timeout,
                                      json={"sessionId": self._config.session, "events": events})
        except requests.RequestException as exc:
            return self._failed(f"{service.name} unreachable: {type(exc).__name__}")
        if not 200 <= resp.status_code < 300:
            return self._failed(f"{service.name} answered {resp.status_code}")
        self._delivered += len(events)
        self._last_error = None
        self._last_delivery = iso(self._clock.now())
        return True

    def _failed(self, error: str) -> bool:
        if error != self._last_error:
            log.warning("event delivery paused: %s", error)
        self._last_error = error
        self._retry_after = self._clock.monotonic() + self._config.flush_interval
        return False
