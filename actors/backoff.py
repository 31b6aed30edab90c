"""The retry schedule as one pure function."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence


def backoff_delay(
    retries: int,
    schedule: Sequence[float],
    jitter: float = 0.0,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``retries + 1``.

    ``retries`` is how many retries were already made (the seed's ``[10000, 30000, 60000][task.retries]``);
    past the end of the schedule its last delay repeats. ``jitter`` adds up to that fraction of the
    delay at random, so that many tasks failing together do not all return together.
    """
    if not schedule:
        return 0.0
    base = float(schedule[min(retries, len(schedule) - 1)])
    return base + base * jitter * rand() if jitter > 0 else base


def next_retry(retries: int, limit: int, schedule: Sequence[float],
               jitter: float = 0.0) -> float | None:
    """Seconds until the next retry after ``retries`` retries, or None once ``limit`` is spent."""
    if retries >= limit:
        return None
    return backoff_delay(retries, schedule, jitter)
