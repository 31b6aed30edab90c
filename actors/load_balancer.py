"""LoadBalancerActor: LLM provider rotation with cool-downs, and account selection by risk tier."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import requests

from actors.actor import Actor
from actors.clock import Clock
from actors.config import BalancerConfig
from actors.service_map import Service, service_session

log = logging.getLogger(__name__)

TIERS = ("SAFE", "MEDIUM", "EXPERIMENT")  # best first


class LoadBalancerActor(Actor):
    """Round-robin over the providers; accounts from Account Safety, safest tier first."""

    def __init__(self, config: BalancerConfig, account_safety: Service, clock: Clock) -> None:
        super().__init__()
        self._config = config
        self._accounts = account_safety
        self._clock = clock
        self._providers = list(config.providers)
        self._cursor = 0
        self._failed_at: dict[str, float] = {}
        self._tier_cursor: dict[tuple[str, str], int] = {}

    def on_start(self) -> None:
        self._session = service_session()

    def on_stop(self) -> None:
        self._session.close()

    # -- LLM providers -----------------------------------------------------------------------

    def next_provider(self) -> dict[str, str]:
        """The next provider in turn that is not cooling down (``{"provider", "model"}``).

        If every provider is cooling, the one that failed longest ago is used.
        """
        now = self._clock.monotonic()
        count = len(self._providers)
        for offset in range(count):
            name, model = self._providers[(self._cursor + offset) % count]
            failed = self._failed_at.get(name)
            if failed is None or now - failed >= self._config.cooldown:
                self._cursor = (self._cursor + offset + 1) % count
                return {"provider": name, "model": model}
        name, model = min(self._providers, key=lambda p: self._failed_at[p[0]])
        return {"provider": name, "model": model}

    def provider_failed(self, provider: str) -> None:
        """Cool ``provider`` down: it is skipped until the cool-down has passed."""
        if any(name == provider for name, _ in self._providers):
            log.warning("LLM provider %s failed; cooling it down for %gs", provider,
                        self._config.cooldown)
            self._failed_at[provider] = self._clock.monotonic()

    def providers(self) -> list[dict[str, Any]]:
        """Each provider with the seconds of cool-down it has left."""
        now = self._clock.monotonic()
        return [
            {"provider": name, "model": model,
             "coolingFor": max(0.0, round(self._failed_at[name] + self._config.cooldown - now, 3))
             if name in self._failed_at else 0.0}
            for name, model in self._providers
        ]

    # -- accounts ----------------------------------------------------------------------------

    def select_account(self, platform: str, min_tier: str = "EXPERIMENT") -> dict[str, Any]:
        """The safest usable account for ``platform``, never below ``min_tier``.

        Banned, flagged and recently banned accounts are never chosen. With none left, or with
        Account Safety unreachable, an ad-hoc account is made up and marked as such.
        """
        floor = TIERS.index(min_tier) if min_tier in TIERS else len(TIERS) - 1
        accounts, why = self._fetch(platform)
        usable = [a for a in accounts if _usable(a)]
        for tier in TIERS[: floor + 1]:
            candidates = [a for a in usable if a.get("tier") == tier]
            if candidates:
                # Rotate within a tier so one account does not carry all the traffic.
                turn = self._tier_cursor.get((platform, tier), 0)
                self._tier_cursor[(platform, tier)] = turn + 1
                chosen = candidates[turn % len(candidates)]
                return {"accountId": chosen["accountId"], "tier": tier, "platform": platform}
        return {"accountId": f"adhoc-{platform}-{secrets.token_hex(4)}", "tier": "ADHOC",
                "platform": platform, "adhoc": True,
                "reason": why or f"no account of tier {min_tier} or safer is usable"}

    def select_accounts(self, platforms: list[str], min_tier: str = "EXPERIMENT") -> dict[str, Any]:
        """One account per platform."""
        return {p: self.select_account(p, min_tier) for p in platforms}

    def _fetch(self, platform: str) -> tuple[list[dict[str, Any]], str | None]:
        try:
            resp = self._session.get(
                self._accounts.url(self._config.accounts_path), params={"platform": platform},
                timeout=self._config.accounts_timeout)
            resp.raise_for_status()
            data = resp.json()
        except (requests.RequestException, ValueError) as exc:
            return [], f"Account Safety unavailable: {type(exc).__name__}"
        accounts = data.get("accounts") if isinstance(data, dict) else data
        if not isinstance(accounts, list):
            return [], "Account Safety answered without an account list"
        return [a for a in accounts if isinstance(a, dict) and "accountId" in a], None


def _usable(account: dict[str, Any]) -> bool:
    return not (account.get("banned") or account.get("flagged")
                or (account.get("recentBans") or 0) > 0)
