"""The seed's world: every Codex service it draws with a port, its step routing and fallbacks."""

from __future__ import annotations

from dataclasses import dataclass, replace

import requests


@dataclass(frozen=True)
class Service:
    """One downstream Codex service as the engine sees it."""

    key: str
    name: str
    port: int
    priority: int = 3
    critical: bool = False
    host: str = "127.0.0.1"
    health_path: str = "/health"
    step_path: str = "/{step}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def moved(self, host: str, port: int) -> Service:
        """The same service listening somewhere else (the demo fleet, a test)."""
        return replace(self, host=host, port=port)


def _svc(key: str, name: str, port: int, priority: int = 3, critical: bool = False) -> Service:
    return Service(key=key, name=name, port=port, priority=priority, critical=critical)


# Priority: 1 critical, 2 high (a step routes to it), 3 normal.
DEFAULT_SERVICES: tuple[Service, ...] = (
    _svc("bridge", "Bridge", 4000, 1, True),
    _svc("brain", "Brain", 4100, 1, True),
    _svc("orchestrator", "Orchestrator", 4200, 1, True),
    _svc("telemetry", "Telemetry", 4950, 1, True),
    _svc("accountSafety", "Account Safety", 5090, 1, True),
    _svc("strategy", "Strategy", 5050, 2),
    _svc("trends", "Trends", 5060),
    _svc("simulation", "Simulation", 5070, 2),
    _svc("visibility", "Visibility", 5080),
    _svc("creative", "Creative", 5200, 2),
    _svc("creativeSuite", "Creative Suite", 5250, 2),
    _svc("knowledge", "Knowledge", 4500),
    _svc("ecommerce", "E-Commerce", 5100),
    _svc("engagement", "Engagement", 5110, 2),
    _svc("monetization", "Monetization", 4850),
    _svc("hands", "Hands v5", 4350, 2),
    _svc("vision", "Vision v2.6", 4650, 2),
    _svc("video", "Video", 4700),
    _svc("voice", "Voice v2", 9001),
    _svc("distribution", "Distribution", 5300, 2),
    _svc("campaign", "Campaign", 5120),
)

DEFAULT_ROUTING: dict[str, str] = {
    "plan": "strategy",
    "analyze": "strategy",
    "generate_content": "creativeSuite",
    "content_edit": "vision",
    "distribute": "distribution",
    "engage": "engagement",
    "track_metrics": "telemetry",
    "post": "hands",
    "simulate": "simulation",
}

DEFAULT_FALLBACKS: dict[str, str] = {
    "vision": "hands",
    "creativeSuite": "creative",
    "distribution": "campaign",
    "video": "hands",
}


class ServiceMap:
    """Lookup of services by key, case-insensitively, as operators type them."""

    def __init__(self, services: dict[str, Service]) -> None:
        self._services = dict(services)
        self._folded = {key.lower(): key for key in services}
        for key, svc in services.items():
            self._folded.setdefault(svc.name.lower(), key)

    def __getitem__(self, key: str) -> Service:
        return self._services[key]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)

    def keys(self) -> list[str]:
        return list(self._services)

    def resolve(self, name: str) -> str | None:
        """The canonical key for ``name`` (a key or a display name, any case), or None."""
        return self._folded.get(name.strip().lower())

    def moved(self, addresses: dict[str, tuple[str, int]]) -> ServiceMap:
        """A copy with some services pointed at other host:port pairs."""
        return ServiceMap(
            {
                key: (svc.moved(*addresses[key]) if key in addresses else svc)
                for key, svc in self._services.items()
            }
        )


def service_session() -> requests.Session:
    """A kept-alive session for talking to mapped services.

    Every address comes from the service map, so proxy and certificate settings from the
    environment do not apply (and looking them up costs ~0.1 ms a call).
    """
    session = requests.Session()
    session.trust_env = False
    return session
