"""The peer: Huey (SqliteHuey, one worker thread) running the same 3-step tasks.

Usage: ``python -m tests.bench.huey_peer DB N URL1 URL2 URL3``; prints ``{"seconds": …}`` for
enqueue-to-done of N tasks, each task POSTing to the three URLs with one kept Session per thread.
"""

from __future__ import annotations

import json
import sys
import threading
import time

import requests
from huey import SqliteHuey

huey = SqliteHuey(filename=sys.argv[1] if len(sys.argv) > 1 else "huey.db")
_local = threading.local()


@huey.task()
def three_steps(task_id: str, urls: list[str]) -> int:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    for index, url in enumerate(urls):
        resp = session.post(url, json={"taskId": task_id, "stepIndex": index, "params": {}},
                            headers={"Idempotency-Key": f"{task_id}:{index}"}, timeout=10)
        resp.raise_for_status()
        resp.json()
    return len(urls)


def main() -> None:
    count, urls = int(sys.argv[2]), sys.argv[3:]
    consumer = huey.create_consumer(workers=1, worker_type="thread", initial_delay=0.001,
                                    backoff=1.0, max_delay=0.001, periodic=False,
                                    check_worker_health=False)
    started = time.perf_counter()
    results = [three_steps(f"huey-{i}", urls) for i in range(count)]
    consumer.start()
    for result in results:
        assert result.get(blocking=True, timeout=60) == len(urls)
    elapsed = time.perf_counter() - started
    consumer.stop(graceful=True)
    print(json.dumps({"seconds": elapsed}), flush=True)


if __name__ == "__main__":
    main()
