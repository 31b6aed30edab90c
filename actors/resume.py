"""What a starting scheduler finds in the store, sorted into what it must do with each task."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from actors.task import RETRY_WAIT, RUNNING, Task

Row = tuple[int, Task]  # (seq, task)


@dataclass
class Resume:
    """Unfinished tasks by what happens to them, each list in queue order."""

    queued: list[Row] = field(default_factory=list)  # back into the queue as they were
    waiting: list[Row] = field(default_factory=list)  # RETRY_WAIT: their retry still comes
    interrupted: list[Row] = field(default_factory=list)  # RUNNING at the stop: resume them
    given_up: list[Row] = field(default_factory=list)  # RUNNING at too many stops: fail them


def sort_unfinished(rows: Iterable[Row], resume_limit: int) -> Resume:
    """Sort the store's unfinished tasks; counts a resume on every task that was RUNNING.

    A task that was RUNNING at more than ``resume_limit`` engine stops is given up, so a task
    that crashes the engine cannot make it crash forever.
    """
    found = Resume()
    for seq, task in rows:
        if task.status == RUNNING:
            task.crash_resumes += 1
            bucket = found.given_up if task.crash_resumes > resume_limit else found.interrupted
            bucket.append((seq, task))
        elif task.status == RETRY_WAIT:
            found.waiting.append((seq, task))
        else:
            found.queued.append((seq, task))
    return found
