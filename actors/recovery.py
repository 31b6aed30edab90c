"""RecoveryActor: per-service overrides (fallback, skip), the restart hook, automatic recovery."""

from __future__ import annotations

import logging
from typing import Any

from actors import events as ev
from actors.actor import Actor
from actors.boot_manager import BootManager
from actors.clock import Clock, iso
from actors.config import Config
from actors.errors import OpsError, ValidationError
from actors.events import Emit, Publish
from actors.store import OverrideStore, open_database

log = logging.getLogger(__name__)

ACTIONS = ("restart", "fallback", "skip", "reset")


class RecoveryActor(Actor):
    """Decides how a failing service is worked around, by operator order or by policy."""

    def __init__(self, config: Config, db_path: str, clock: Clock, emit: Emit,
                 boot_manager: BootManager, publish: Publish = lambda overrides: None) -> None:
        super().__init__()
        self._publish = publish
        self._config = config
        self._db_path = db_path
        self._clock = clock
        self._emit = emit
        self._boot = boot_manager

    def on_start(self) -> None:
        self._conn = open_database(self._db_path)
        self._store = OverrideStore(self._conn)
        self._overrides = self._store.all()  # survive a restart of the actor or the engine
        self.publish()

    def on_stop(self) -> None:
        self._conn.close()

    def recover(self, service: str, action: str) -> dict[str, Any]:
        """An operator's ``POST /ops/recover``; raises ValidationError for unknown names."""
        key = self._service_key(service)
        if action not in ACTIONS:
            raise ValidationError(f"unknown action {action!r}; valid actions: {', '.join(ACTIONS)}")
        if action == "restart":
            message = self._restart(key, auto=False)
        elif action == "fallback":
            target = self._fallback_of(key)
            if target is None:
                with_fallback = ", ".join(sorted(self._config.recovery.fallbacks))
                raise ValidationError(f"{key} has no fallback; services with one: {with_fallback}")
            self._set(key, "fallback", target)
            message = f"Using {target} as fallback for {key}"
        elif action == "skip":
            self._set(key, "skip", None)
            message = f"Skipping {key}: later steps for it complete as SKIPPED without a call"
        else:
            had = self._overrides.pop(key, None)
            self._store.delete(key)
            message = (f"Cleared {had['action']} override for {key}" if had
                       else f"No override was in force for {key}")
            self.publish()
        self._record(key, action, message, auto=False)
        return {"service": key, "action": action, "message": message}

    def publish(self) -> None:
        """Push the overrides in force to the monitor."""
        self._publish(dict(self._overrides))

    def resolve(self, service: str) -> dict[str, Any] | None:
        """The override in force for ``service`` (``{"action", "target"}``), if any."""
        return self._overrides.get(service)

    def overrides(self) -> dict[str, dict[str, Any]]:
        """Every override in force."""
        return dict(self._overrides)

    def step_failed(self, service: str, tried: str, error: str | None) -> dict[str, Any]:
        """Choose what the executor does about a failed step, by the service's policy.

        ``auto`` (the default) falls back where the seed's map has a fallback, else leaves the task
        to its retries.
        """
        cfg = self._config.recovery
        policy = cfg.policy.get(service, cfg.default_policy)
        fallback = self._fallback_of(service)
        if policy == "auto":
            policy = "fallback" if fallback else "retry"
        if policy == "fallback" and fallback and fallback != tried:
            message = f"Using {fallback} as fallback for {service}"
            self._record(service, "fallback", message, auto=True, error=error)
            return {"action": "fallback", "target": fallback, "message": message}
        if policy == "skip":
            message = f"Skipping {service} after a failed step"
            self._record(service, "skip", message, auto=True, error=error)
            return {"action": "skip", "target": None, "message": message}
        if policy == "restart":
            message = self._restart(service, auto=True, error=error)
            return {"action": "restart", "target": None, "message": message}
        return {"action": "retry", "target": None, "message": "left to the task's retries"}

    # -- internals ---------------------------------------------------------------------------

    def _service_key(self, name: Any) -> str:
        key = self._config.services.resolve(name) if isinstance(name, str) else None
        if key is None:
            valid = ", ".join(self._config.services.keys())
            raise ValidationError(f"unknown service {name!r}; valid services: {valid}")
        return key

    def _fallback_of(self, key: str) -> str | None:
        return self._config.recovery.fallbacks.get(key)

    def _set(self, key: str, action: str, target: str | None) -> None:
        since = iso(self._clock.now()) or ""
        self._store.put(key, action, target, since)
        self._overrides[key] = {"action": action, "target": target, "since": since}
        self.publish()

    def _restart(self, key: str, *, auto: bool, error: str | None = None) -> str:
        try:
            message = self._boot.restart(key)
        except OpsError as exc:
            self._record(key, "restart", str(exc), auto=auto, result="failure", error=error)
            if auto:
                return str(exc)
            raise
        if not auto:
            return message
        self._record(key, "restart", message, auto=True, error=error)
        return message

    def _record(self, key: str, action: str, message: str, *, auto: bool,
                result: str = "success", error: str | None = None) -> None:
        log.info("recovery %s of %s (%s): %s", action, key, "auto" if auto else "manual", message)
        event = ev.make_event(self._clock.now(), ev.RECOVERY, f"{action}:{key}", result,
                              service_key=key, auto=auto, message=message, error=error)
        self._emit([event], True)
