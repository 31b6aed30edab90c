"""GroupCommit and TaskQueue, the scheduler's two helpers."""

from __future__ import annotations

import sys

import pytest

from actors.group_commit import GroupCommit
from actors.reply import Reply
from actors.store import open_database
from actors.task import Task
from actors.task_queue import TaskQueue


@pytest.fixture
def conn(tmp_path):
    conn = open_database(str(tmp_path / "g.db"))
    yield conn
    conn.close()


def _count(path):
    other = open_database(str(path))
    try:
        return other.execute("SELECT COUNT(*) FROM meta").fetchone()[0]
    finally:
        other.close()


def test_waits_while_messages_keep_coming_then_commits_once(conn, tmp_path):
    group = GroupCommit(conn, max_messages=3)
    done: list[str] = []
    reply = Reply()
    for i in range(2):
        group.write()
        conn.execute("INSERT INTO meta (key, value) VALUES (?, 1)", (f"k{i}",))
        group.after(lambda i=i: done.append(f"step{i}"))
        group.end_of_message(more_waiting=True)
    group.reply(reply, "answer")
    assert _count(tmp_path / "g.db") == 0 and done == []  # nothing released before the commit
    group.end_of_message(more_waiting=False)
    assert _count(tmp_path / "g.db") == 2
    assert done == ["step0", "step1"] and reply.get(timeout=1) == "answer"


def test_a_steady_stream_still_commits_every_few_messages(conn, tmp_path):
    group = GroupCommit(conn, max_messages=3)
    for i in range(3):
        group.write()
        conn.execute("INSERT INTO meta (key, value) VALUES (?, 1)", (f"k{i}",))
        group.end_of_message(more_waiting=True)
    assert _count(tmp_path / "g.db") == 3


def test_abort_rolls_back_and_fails_the_replies(conn, tmp_path):
    group = GroupCommit(conn)
    reply = Reply()
    group.write()
    conn.execute("INSERT INTO meta (key, value) VALUES ('x', 1)")
    group.reply(reply, "never")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        group.abort(sys.exc_info())
    with pytest.raises(RuntimeError, match="boom"):
        reply.get(timeout=1)
    assert _count(tmp_path / "g.db") == 0


def _task(task_id: str) -> Task:
    return Task(id=task_id, task="t", steps=[], params={}, session_id=None, mode="queue",
                status="QUEUED", created_at="2025-11-22T22:00:00.000Z", updated_at="")


def test_task_queue_order_and_seqs():
    queue = TaskQueue()
    queue.seen(5)
    assert queue.next_seq() == 6
    assert queue.append(_task("a"), 6) == 1 and queue.append(_task("b"), 7) == 2
    front = queue.front_seq()
    assert front < 5
    queue.appendleft(_task("c"), front)
    assert [e["taskId"] for e in queue.page(0, 10)] == ["c", "a", "b"]
    assert queue.remove("a").seq == 6 and queue.remove("zzz") is None
    assert queue.popleft().task_id == "c" and len(queue) == 1


def test_sort_unfinished_counts_resumes_and_gives_up():
    from actors.resume import sort_unfinished

    def task(task_id, status, resumes=0):
        t = _task(task_id)
        t.status, t.crash_resumes = status, resumes
        return t

    rows = [(1, task("a", "RUNNING")), (2, task("b", "RETRY_WAIT")), (3, task("c", "QUEUED")),
            (4, task("d", "RUNNING", resumes=3))]
    found = sort_unfinished(rows, resume_limit=3)
    assert [t.id for _, t in found.interrupted] == ["a"] and rows[0][1].crash_resumes == 1
    assert [t.id for _, t in found.waiting] == ["b"]
    assert [t.id for _, t in found.queued] == ["c"]
    assert [t.id for _, t in found.given_up] == ["d"]
