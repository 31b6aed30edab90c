"""What the scheduler tells others, sparing tells: every tell wakes another thread, which costs
about as much as handling a submission.

Events go to the Brain logger in batches (or when the Engine asks each ``brain.flush_interval``);
the queue summary goes to the monitor when it changed and no burst of messages is under way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actors.events import Emit, Publish


class Reporter:
    """The scheduler's outgoing news."""

    def __init__(self, emit: Emit, publish: Publish, batch: int = 100) -> None:
        self._emit = emit
        self._publish = publish
        self._batch = batch
        self._events: list[dict[str, Any]] = []
        self._dirty = False  # state changed since the monitor last heard
        self._published: dict[str, Any] | None = None

    def event(self, event: dict[str, Any]) -> None:
        self._events.append(event)

    def changed(self) -> None:
        """Note that the queue summary may have changed."""
        self._dirty = True

    def hand_over_events(self) -> None:
        """Send the gathered events to the Brain logger now."""
        if self._events:
            events, self._events = self._events, []
            self._emit(events, False)

    def settle(self, burst: bool, force: bool, summary: Callable[[], dict[str, Any]]) -> None:
        """End of a message: a full batch of events goes; the summary goes if it changed and no
        burst is under way (``force``: goes regardless)."""
        if len(self._events) >= self._batch:
            self.hand_over_events()
        if not (force or self._dirty) or (burst and not force):
            return
        current = summary()
        self._dirty = False
        if force or current != self._published:
            self._published = current
            self._publish(current)
