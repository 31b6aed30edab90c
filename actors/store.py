"""Durable state in SQLite (WAL): task records, recovery overrides, counters.

Each actor opens its own connection (SQLite connections belong to one thread). WAL with
``synchronous=NORMAL`` makes every committed transaction survive ``kill -9`` of the engine; only a
power loss can take the last few. The interface is small so PostgreSQL can stand behind it later.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

from actors.task import FINAL_STATES, Task

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_live ON tasks (status, seq);
CREATE TABLE IF NOT EXISTS overrides (
    service TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    target TEXT,
    set_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


def open_database(path: str) -> sqlite3.Connection:
    """A connection with the engine's pragmas; creates the schema on first use."""
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(SCHEMA)
    return conn


class Counters:
    """Named integers that must outlive a restart (dropped events, …)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return 0 if row is None else int(row[0])

    def add(self, key: str, amount: int) -> None:
        self._conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
            (key, amount),
        )


class TaskStore:
    """Task records; ``seq`` orders the queue."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def save(self, task: Task, seq: int) -> None:
        """Insert or replace the whole record in one committed statement."""
        self._conn.execute(
            "INSERT INTO tasks (id, seq, status, record) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, status = excluded.status, "
            "record = excluded.record",
            (task.id, seq, task.status, json.dumps(task.to_dict(), separators=(",", ":"))),
        )

    def get(self, task_id: str) -> Task | None:
        row = self._conn.execute("SELECT record FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return None if row is None else Task.from_dict(json.loads(row[0]))

    def live(self) -> Iterator[tuple[int, Task]]:
        """Every unfinished task with its seq, in queue order."""
        marks = ",".join("?" * len(FINAL_STATES))
        cur = self._conn.execute(
            f"SELECT seq, record FROM tasks WHERE status NOT IN ({marks}) ORDER BY seq",
            FINAL_STATES,
        )
        for seq, record in cur:
            yield seq, Task.from_dict(json.loads(record))


class OverrideStore:
    """Recovery overrides in force (fallback or skip per service)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def all(self) -> dict[str, dict[str, Any]]:
        rows = self._conn.execute("SELECT service, action, target, set_at FROM overrides")
        return {s: {"action": a, "target": t, "since": at} for s, a, t, at in rows}

    def put(self, service: str, action: str, target: str | None, set_at: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO overrides (service, action, target, set_at) VALUES (?, ?, ?, ?)",
            (service, action, target, set_at),
        )

    def delete(self, service: str) -> None:
        self._conn.execute("DELETE FROM overrides WHERE service = ?", (service,))
