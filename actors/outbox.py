"""The durable, bounded event outbox: events wait here until Brain (or Telemetry) takes them."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from actors.store import Counters

DROPPED = "outbox_dropped"


class Outbox:
    """FIFO of events per target in SQLite; past ``limit`` the oldest are dropped and counted."""

    def __init__(self, conn: sqlite3.Connection, limit: int) -> None:
        self._conn = conn
        self._limit = limit
        self._counters = Counters(conn)
        self._size = int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def __len__(self) -> int:
        return self._size

    @property
    def dropped(self) -> int:
        return self._counters.get(DROPPED)

    def add(self, items: list[tuple[list[str], dict[str, Any]]]) -> None:
        """Keep each ``(targets, event)`` for its targets, in one transaction."""
        rows: list[tuple[str, str]] = []
        for targets, event in items:
            text = json.dumps(event, separators=(",", ":"))
            rows.extend((t, text) for t in targets)
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT INTO outbox (target, event) VALUES (?, ?)", rows)
            self._size += len(rows)
            over = self._size - self._limit
            if over > 0:
                self._conn.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
                    (over,))
                self._counters.add(DROPPED, over)
                self._size -= over

    def peek(self, target: str, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """The oldest ``limit`` events for ``target``, with their ids."""
        rows = self._conn.execute(
            "SELECT id, event FROM outbox WHERE target = ? ORDER BY id LIMIT ?", (target, limit))
        return [(row_id, json.loads(text)) for row_id, text in rows]

    def remove(self, ids: list[int]) -> None:
        """Forget events that were delivered."""
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        cur = self._conn.execute(f"DELETE FROM outbox WHERE id IN ({marks})", ids)
        self._size -= cur.rowcount
