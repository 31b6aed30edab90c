"""LoadBalancerActor: provider round-robin and cool-downs, account selection by tier."""

from __future__ import annotations

import pytest

from actors.task import RETRY_WAIT
from tests.conftest import spec, wait_status, wait_until


def _names(engine, n):
    return [engine.balancer.next_provider().get()["provider"] for _ in range(n)]


def test_round_robin_in_the_seeds_order(engine):
    assert _names(engine, 5) == ["openai", "claude", "gemini", "grok", "openai"]
    assert engine.balancer.next_provider().get() == {"provider": "claude",
                                                     "model": "claude-3-5-sonnet-20241022"}


def test_failed_provider_cools_down(engine, clock):
    engine.balancer.provider_failed("claude").get()
    assert _names(engine, 4) == ["openai", "gemini", "grok", "openai"]
    clock.advance(60)
    assert "claude" in _names(engine, 4)


def test_all_cooling_uses_least_recently_failed(engine, clock):
    for name in ["gemini", "openai", "grok", "claude"]:
        engine.balancer.provider_failed(name).get()
        clock.advance(1)
    assert _names(engine, 2) == ["gemini", "gemini"]


@pytest.mark.parametrize(("accounts", "min_tier", "expected"), [
    (None, "EXPERIMENT", "tiktok-safe-1"),  # safe-2 has a recent ban
    ([{"accountId": "m", "tier": "MEDIUM"}, {"accountId": "e", "tier": "EXPERIMENT"}],
     "EXPERIMENT", "m"),
    ([{"accountId": "e", "tier": "EXPERIMENT"},
      {"accountId": "f", "tier": "SAFE", "flagged": True}], "EXPERIMENT", "e"),
    ([{"accountId": "e", "tier": "EXPERIMENT"}], "MEDIUM", None),
    ([{"accountId": "b", "tier": "SAFE", "banned": True}], "EXPERIMENT", None),
])
def test_account_selection(engine, fleet, accounts, min_tier, expected):
    if accounts is not None:
        fleet.accounts["tiktok"] = accounts
    chosen = engine.balancer.select_account("tiktok", min_tier).get()
    if expected is None:
        assert chosen["adhoc"] is True and chosen["tier"] == "ADHOC"
        assert chosen["accountId"].startswith("adhoc-tiktok-")
    else:
        assert chosen["accountId"] == expected


def test_adhoc_when_account_safety_is_down(engine, fleet):
    fleet.set("accountSafety", mode="down")
    chosen = engine.balancer.select_account("youtube").get()
    assert chosen["adhoc"] is True and "Account Safety unavailable" in chosen["reason"]


def test_executor_attaches_accounts_and_reports_provider_failure(engine, fleet):
    task_id = engine.scheduler.enqueue(
        spec(["post"], params={"platforms": ["tiktok", "youtube"]})).get()["taskId"]
    wait_status(engine, task_id, "COMPLETED")
    body = fleet.calls("hands")[0].body
    assert body["account"]["tiktok"]["tier"] == "SAFE" and "youtube" in body["account"]
    assert "llm" not in body
    fleet.set("strategy", mode="provider_error")
    task_id = engine.scheduler.enqueue(spec(["plan"])).get()["taskId"]
    wait_status(engine, task_id, RETRY_WAIT)
    blamed = fleet.calls("strategy")[-1].body["llm"]["provider"]
    wait_until(lambda: any(p["provider"] == blamed and p["coolingFor"] > 0
                           for p in engine.balancer.providers().get()))
