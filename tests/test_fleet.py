"""The simulated fleet's control: what the tests and benchmarks rely on."""

from __future__ import annotations

import threading

import requests

from tests.conftest import wait_until


def test_leaving_hang_lets_go_of_the_held_requests(fleet):
    host, port = fleet.addresses()["simulation"]
    fleet.set("simulation", mode="hang", hang_seconds=30)
    answers: list[int] = []
    caller = threading.Thread(target=lambda: answers.append(
        requests.get(f"http://{host}:{port}/health", timeout=10).status_code))
    caller.start()
    wait_until(lambda: fleet.peak_hanging == 1)
    fleet.set("simulation", latency=0.0)  # still hanging: the request stays held
    caller.join(0.3)
    assert caller.is_alive()
    fleet.set("simulation", mode="up")
    caller.join(5)  # long before the 30 s hang would have ended
    assert not caller.is_alive() and answers == [503]
    assert requests.get(f"http://{host}:{port}/health", timeout=5).status_code == 200
