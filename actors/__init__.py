"""The Ops Engine's actor runtime: every subsystem is a Pykka actor; the Engine wires the tree."""

from actors.clock import Clock, ManualClock, SystemClock
from actors.config import Config, load_config
from actors.engine import VERSION, Engine
from actors.errors import ConfigError, Conflict, OpsError, TaskNotFound, ValidationError

__all__ = [
    "VERSION",
    "Clock",
    "Config",
    "ConfigError",
    "Conflict",
    "Engine",
    "ManualClock",
    "OpsError",
    "SystemClock",
    "TaskNotFound",
    "ValidationError",
    "load_config",
]
