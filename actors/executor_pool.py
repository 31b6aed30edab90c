"""Executors for the scheduler's running tasks, with a few idle ones kept for reuse.

Starting an actor and building its proxy costs ~0.3 ms, a tenth of a whole 3-step task against
fast services, so an executor that finished a task serves the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pykka

# Starts an ExecutorActor and returns its ref; the Engine supplies it.
ExecutorFactory = Callable[[], pykka.ActorRef[Any]]


class ExecutorPool:
    """Hands out (ref, proxy) pairs; keeps at most ``idle`` spare ones."""

    def __init__(self, spawn: ExecutorFactory, idle: int = 4) -> None:
        self._spawn = spawn
        self._max_idle = idle
        self._idle: list[tuple[Any, Any]] = []
        self._busy: dict[int, Any] = {}

    def acquire(self) -> tuple[Any, Any]:
        while self._idle:
            ref, proxy = self._idle.pop()
            if ref.is_alive():
                self._busy[id(ref)] = ref
                return ref, proxy
        ref = self._spawn()
        self._busy[id(ref)] = ref
        return ref, ref.proxy()

    def release(self, ref: Any, proxy: Any) -> None:
        self._busy.pop(id(ref), None)
        if len(self._idle) < self._max_idle and ref.is_alive():
            self._idle.append((ref, proxy))
        else:
            ref.stop(block=False)

    def stop_all(self) -> None:
        for ref in [*self._busy.values(), *(ref for ref, _ in self._idle)]:
            ref.stop(block=False)
        self._busy.clear()
        self._idle.clear()
