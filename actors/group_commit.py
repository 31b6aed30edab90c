"""Group commit: writes made while messages keep arriving share one SQLite transaction.

What must not happen before those writes are durable waits for the commit: a submitter's reply
(a task answered 200 is on disk) and an executor's next step (a step goes out only once the
results before it are on disk, so a crash never sends a completed step again).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from actors.reply import Reply


class GroupCommit:
    """One open transaction and what waits for its commit."""

    def __init__(self, conn: sqlite3.Connection, max_messages: int = 32) -> None:
        self._conn = conn
        self._max = max_messages
        self._replies: list[tuple[Reply, Any]] = []
        self._after: list[Callable[[], None]] = []
        self._messages = 0  # messages handled since the transaction opened

    def write(self) -> None:
        """Call before a write: opens the transaction if none is open."""
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")

    def reply(self, reply: Reply, value: Any) -> None:
        """Set ``reply`` to ``value`` once committed."""
        self._replies.append((reply, value))

    def after(self, action: Callable[[], None]) -> None:
        """Run ``action`` once committed."""
        self._after.append(action)

    def end_of_message(self, more_waiting: bool, commit: bool = False) -> None:
        """Commit unless more messages wait (and fewer than ``max_messages`` have waited)."""
        if not (self._conn.in_transaction or self._replies or self._after):
            return
        self._messages += 1
        if commit or not more_waiting or self._messages >= self._max:
            self.commit()

    def commit(self) -> None:
        """Commit, then release the actions and replies that waited."""
        self._messages = 0
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")
        after, self._after = self._after, []
        for action in after:
            action()
        replies, self._replies = self._replies, []
        for reply, value in replies:
            reply.set(value)

    def drop_actions(self) -> None:
        """Forget the actions waiting (on stop: unsent steps are resumed at the next start)."""
        self._after.clear()

    def abort(self, exc_info: Any) -> None:
        """Roll back; the replies waiting get the error, the actions are dropped."""
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        for reply, _ in self._replies:
            reply.fail(exc_info[1])
        self._replies.clear()
        self._after.clear()
