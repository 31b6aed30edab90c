"""A one-shot answer from an actor: the cheapest cross-thread hand-off Python has (one lock).

Pykka's ask builds a ``queue.Queue`` per call; a read served thousands of times a second pays
for it. ``Reply`` is what ``Engine.board`` and ``Engine.submit`` pass with a tell instead: the
actor sets it, the caller waits with a timeout, and a timeout raises ``pykka.Timeout`` exactly
like an ask would.
"""

from __future__ import annotations

import threading
from typing import Any

import pykka


class Reply:
    """Set once by an actor, waited for once by the caller."""

    __slots__ = ("_lock", "_value", "_error")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()  # released by set(): the waiter's acquire() returns
        self._value: Any = None
        self._error: BaseException | None = None

    def set(self, value: Any) -> None:
        self._value = value
        self._lock.release()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._lock.release()

    def get(self, timeout: float) -> Any:
        """The value, or the actor's error; ``pykka.Timeout`` if none came within ``timeout``."""
        if not self._lock.acquire(timeout=timeout):
            raise pykka.Timeout(f"no answer within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value


class Answering:
    """Actor mixin: any public method, answered through a :class:`Reply` (see Engine.ask)."""

    def answer(self, reply: Reply, method: str, *args: Any) -> None:
        """Call ``method`` with ``args`` and put its result (or its error) in ``reply``."""
        if method.startswith("_"):
            reply.fail(AttributeError(f"{method} is not a message"))
            return
        try:
            value = getattr(self, method)(*args)
        except Exception as exc:  # the caller gets it, as from an ask; the actor lives on
            reply.fail(exc)
            return
        reply.set(value)
