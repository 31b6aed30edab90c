"""The engine's error tree: one base, one class per failure a caller can act on."""

from __future__ import annotations


class OpsError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "ops_error"


class ConfigError(OpsError):
    """Raised when the configuration is invalid; the message names the key."""

    code = "invalid_config"


class ValidationError(OpsError):
    """Raised when a request or task spec is malformed or names something unknown."""

    code = "invalid_request"


class TaskNotFound(OpsError):
    """Raised when a task id is not known to the engine."""

    code = "task_not_found"


class Conflict(OpsError):
    """Raised when an action does not fit the task's current state (e.g. cancelling a finished task)."""

    code = "conflict"
