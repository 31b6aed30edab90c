"""The engine's configuration: the seed's values by default, any part overridable by one TOML file.

Every key is checked at start; an invalid one raises :class:`ConfigError` naming the dotted key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from actors.errors import ConfigError
from actors.service_map import (
    DEFAULT_FALLBACKS,
    DEFAULT_ROUTING,
    DEFAULT_SERVICES,
    Service,
    ServiceMap,
)

RECOVERY_POLICIES = ("auto", "fallback", "skip", "retry", "restart")


@dataclass(frozen=True)
class SchedulerConfig:
    """The seed's scheduler: a 60 s tick, backoff 10/30/60 s, three retries."""

    interval: float = 60.0
    backoff: tuple[float, ...] = (10.0, 30.0, 60.0)
    retry_limit: int = 3
    jitter: float = 0.0  # fraction of each delay added at random; 0 keeps the seed's exact schedule
    retry_client_errors: bool = False  # a 4xx answer is a bad request: retrying cannot fix it
    crash_resume_limit: int = 3  # engine restarts a RUNNING task may survive before it is FAILED


@dataclass(frozen=True)
class ExecutorConfig:
    """Timeouts of one step call: connect, each socket read, and the whole call."""

    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    step_deadline: float = 60.0
    llm_steps: tuple[str, ...] = ("plan", "analyze", "generate_content", "content_edit", "simulate")
    account_steps: tuple[str, ...] = ("post", "engage", "distribute")


@dataclass(frozen=True)
class HealthConfig:
    """Health checks: the seed's 2 s timeout, reuse of fresh results, flapping thresholds.

    ``fall``/``rise`` follow Kubernetes probes (failureThreshold 3, successThreshold 1): one lost
    packet does not turn the board RED, and a service that answers again is trusted at once.
    """

    timeout: float = 2.0
    freshness: float = 5.0
    # interval + timeout stays under the freshness, so requests between checks reuse results
    # even while a service hangs (its result comes a timeout after its check starts).
    interval: float = 2.0
    fall: int = 3
    rise: int = 1


@dataclass(frozen=True)
class BalancerConfig:
    """LLM providers in the seed's round-robin order, and account selection."""

    providers: tuple[tuple[str, str], ...] = (
        ("openai", "gpt-4o"),
        ("claude", "claude-3-5-sonnet-20241022"),
        ("gemini", "gemini-pro"),
        ("grok", "grok-2"),
    )
    cooldown: float = 60.0
    accounts_path: str = "/accounts"
    accounts_timeout: float = 2.0


@dataclass(frozen=True)
class BrainConfig:
    """Where and how ops events are streamed."""

    session: str = "codex-ops-log"
    path: str = "/events"
    telemetry_path: str = "/events"
    batch_size: int = 200
    flush_interval: float = 1.0
    outbox_limit: int = 10000
    timeout: float = 2.0


@dataclass(frozen=True)
class RecoveryConfig:
    """Fallbacks, per-service policies on step failure, and the restart hook."""

    fallbacks: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FALLBACKS))
    policy: dict[str, str] = field(default_factory=dict)  # service -> one of RECOVERY_POLICIES
    default_policy: str = "auto"  # fallback where the map has one, else retry
    boot_manager_url: str = ""  # POSTed {"service": key} to restart a service
    boot_manager_command: str = ""  # or run with {service} substituted
    restart_timeout: float = 10.0


@dataclass(frozen=True)
class WebConfig:
    """The HTTP face: bind address, request limits, how long a responder waits for an actor."""

    host: str = "127.0.0.1"
    port: int = 5350
    threads: int = 8
    max_body: int = 1024 * 1024
    ask_timeout: float = 5.0
    page_size: int = 50
    # "auto" pins the process to one core when it has several: Waitress's I/O thread and its
    # workers fight over the GIL across cores and throughput collapses (measured: 10.7k req/s
    # pinned, 360 unpinned on 2 cores). "off" leaves it alone; "0,2" names the cores.
    cpu_affinity: str = "auto"


@dataclass(frozen=True)
class Config:
    """Everything the Engine needs to build its tree."""

    services: ServiceMap = field(default_factory=lambda: ServiceMap({s.key: s for s in DEFAULT_SERVICES}))
    routing: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ROUTING))
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    balancer: BalancerConfig = field(default_factory=BalancerConfig)
    brain: BrainConfig = field(default_factory=BrainConfig)
    recovery: RecoveryConfig = field(default_factory=RecoveryConfig)
    web: WebConfig = field(default_factory=WebConfig)
    supervise_interval: float = 0.2

    def with_services(self, addresses: dict[str, tuple[str, int]]) -> Config:
        """The same config with some services listening elsewhere."""
        return replace(self, services=self.services.moved(addresses))


def load_config(path: str | Path | None = None) -> Config:
    """The default config, overridden by the TOML file at ``path`` if given."""
    if path is None:
        return Config()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    return config_from_dict(data)


def config_from_dict(data: dict[str, Any]) -> Config:
    """Apply a parsed TOML document to the defaults, checking every key."""
    base = Config()
    data = dict(data)
    services = _services(data.pop("services", {}), base.services)
    routing = _str_map(data.pop("routing", {}), "routing", base.routing)
    sections: dict[str, Any] = {}
    for name in ("scheduler", "executor", "health", "balancer", "brain", "recovery", "web"):
        sections[name] = _section(data.pop(name, {}), name, getattr(base, name))
    supervise = _number(data.pop("supervise_interval", base.supervise_interval), "supervise_interval")
    if data:
        raise ConfigError(f"unknown config key: {sorted(data)[0]}")
    for step, key in routing.items():
        if key not in services.keys():
            raise ConfigError(f"routing.{step}: unknown service {key!r}")
    rec: RecoveryConfig = sections["recovery"]
    for src, dst in rec.fallbacks.items():
        for key in (src, dst):
            if key not in services.keys():
                raise ConfigError(f"recovery.fallbacks.{src}: unknown service {key!r}")
    for key, pol in {**rec.policy, "default_policy": rec.default_policy}.items():
        if pol not in RECOVERY_POLICIES:
            raise ConfigError(f"recovery.policy.{key}: must be one of {', '.join(RECOVERY_POLICIES)}")
    health: HealthConfig = sections["health"]
    if health.freshness and health.interval + health.timeout >= health.freshness:
        raise ConfigError("health.interval: interval + timeout must stay under freshness (or "
                          "freshness = 0), else a hanging service's result is stale before the "
                          "next one comes and requests check it themselves")
    sched: SchedulerConfig = sections["scheduler"]
    if sched.retry_limit < 0 or (sched.retry_limit and not sched.backoff):
        raise ConfigError("scheduler.backoff: needs at least one delay when retry_limit > 0")
    return Config(services=services, routing=routing, supervise_interval=supervise, **sections)


def _section(raw: Any, name: str, default: Any) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: must be a table")
    known = {f.name: f for f in fields(default)}
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{name}.{key}"
        if key not in known:
            raise ConfigError(f"unknown config key: {dotted}")
        changes[key] = _coerce(value, getattr(default, key), dotted)
    return replace(default, **changes)


def _coerce(value: Any, default: Any, dotted: str) -> Any:
    """Check ``value`` against the type of the default it replaces."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{dotted}: must be true or false")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{dotted}: must be a non-negative integer")
        return value
    if isinstance(default, float):
        return _number(value, dotted)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{dotted}: must be a string")
        return value
    if isinstance(default, dict):
        return _str_map(value, dotted, default)
    if isinstance(default, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{dotted}: must be a list")
        if dotted == "balancer.providers":
            return _providers(value, dotted)
        sample = default[0] if default else ""
        return tuple(_coerce(v, sample, f"{dotted}[{i}]") for i, v in enumerate(value))
    raise ConfigError(f"{dotted}: unsupported value")


def _number(value: Any, dotted: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{dotted}: must be a non-negative number")
    return float(value)


def _str_map(raw: Any, dotted: str, default: dict[str, str]) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{dotted}: must be a table")
    merged = dict(default)
    for key, value in raw.items():
        if not isinstance(value, str):
            raise ConfigError(f"{dotted}.{key}: must be a string")
        merged[key] = value
    return merged


def _providers(raw: list[Any], dotted: str) -> tuple[tuple[str, str], ...]:
    out = []
    for i, item in enumerate(raw):
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                and isinstance(item.get("model"), str)):
            raise ConfigError(f"{dotted}[{i}]: must be a table with string name and model")
        out.append((item["name"], item["model"]))
    if not out:
        raise ConfigError(f"{dotted}: needs at least one provider")
    return tuple(out)


def _services(raw: Any, base: ServiceMap) -> ServiceMap:
    if not isinstance(raw, dict):
        raise ConfigError("services: must be a table")
    services = {svc.key: svc for svc in base}
    for key, table in raw.items():
        dotted = f"services.{key}"
        if not isinstance(table, dict):
            raise ConfigError(f"{dotted}: must be a table")
        current = services.get(key)
        if current is None:
            if "port" not in table:
                raise ConfigError(f"{dotted}.port: a new service needs a port")
            current = Service(key=key, name=str(table.get("name", key)), port=0)
        changes: dict[str, Any] = {}
        for field_name, value in table.items():
            if field_name == "key" or field_name not in Service.__dataclass_fields__:
                raise ConfigError(f"unknown config key: {dotted}.{field_name}")
            changes[field_name] = _coerce(value, getattr(current, field_name), f"{dotted}.{field_name}")
        svc = replace(current, **changes)
        if not 0 < svc.port < 65536:
            raise ConfigError(f"{dotted}.port: must be between 1 and 65535")
        if svc.priority not in (1, 2, 3):
            raise ConfigError(f"{dotted}.priority: must be 1, 2 or 3")
        services[key] = svc
    return ServiceMap(services)
