"""A thread that drives one periodic pass (a scheduler tick, a round of health checks, a flush).

The pass itself lives in an actor; this only decides when to call it, by the injected clock, so
tests can drive time or call the pass directly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from actors.clock import Clock

log = logging.getLogger(__name__)


class Ticker:
    """Calls ``step()`` repeatedly; ``step`` returns the seconds to wait before the next call."""

    def __init__(self, name: str, step: Callable[[], float], clock: Clock) -> None:
        self._name = name
        self._step = step
        self._clock = clock
        self._poke = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name=f"Ticker-{name}", daemon=True)

    def start(self) -> Ticker:
        self._thread.start()
        return self

    def poke(self) -> None:
        """Call ``step()`` now rather than at the end of the current wait."""
        self._poke.set()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping = True
        self._poke.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stopping:
            try:
                delay = self._step()
            except Exception as exc:  # an actor restarting; the supervisor brings it back
                log.debug("%s tick failed: %r", self._name, exc)
                delay = 0.5
            if self._stopping:
                break
            self._clock.wait(self._poke, delay)
            self._poke.clear()
