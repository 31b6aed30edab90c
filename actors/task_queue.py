"""The in-memory order of queued tasks: a few hundred bytes each, the records stay in the store."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any

from actors.task import QUEUED, Task


@dataclass(slots=True)
class QueueEntry:
    """What the scheduler keeps in memory of a queued task."""

    task_id: str
    task: str
    steps: int
    retries: int
    created_at: str
    seq: int

    def render(self) -> dict[str, Any]:
        """An item of ``GET /ops/queue``'s ``queue``."""
        return {"taskId": self.task_id, "task": self.task, "status": QUEUED, "steps": self.steps,
                "retries": self.retries, "createdAt": self.created_at}


class TaskQueue:
    """FIFO of queued tasks; ``seq`` (stored with each task) keeps the order across restarts."""

    def __init__(self) -> None:
        self._entries: deque[QueueEntry] = deque()
        self._head = 0  # lowest seq handed out: a task put back in front goes below it
        self._tail = 0  # highest seq handed out

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def seen(self, seq: int) -> None:
        """Account for a seq loaded from the store."""
        self._head = min(self._head, seq)
        self._tail = max(self._tail, seq)

    def next_seq(self) -> int:
        """A seq after every other (for a new task)."""
        self._tail += 1
        return self._tail

    def front_seq(self) -> int:
        """A seq before every other (for a task put back in front)."""
        self._head -= 1
        return self._head

    def append(self, task: Task, seq: int) -> int:
        """Queue ``task`` at the back; return its 1-based position."""
        self._entries.append(_entry(task, seq))
        return len(self._entries)

    def appendleft(self, task: Task, seq: int) -> None:
        """Queue ``task`` in front of all others."""
        self._entries.appendleft(_entry(task, seq))

    def popleft(self) -> QueueEntry:
        return self._entries.popleft()

    def remove(self, task_id: str) -> QueueEntry | None:
        """Take ``task_id`` out of the queue, if it is there."""
        for entry in self._entries:
            if entry.task_id == task_id:
                self._entries.remove(entry)
                return entry
        return None

    def page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Rendered entries ``offset`` to ``offset + limit``."""
        return [e.render() for e in islice(self._entries, offset, offset + limit)]


def _entry(task: Task, seq: int) -> QueueEntry:
    return QueueEntry(task.id, task.task, len(task.steps), task.retries, task.created_at, seq)
