"""The restart hook: a Boot Manager URL or a command, whichever the config names."""

from __future__ import annotations

import shlex
import subprocess

import requests

from actors.errors import OpsError


class NotConfigured(OpsError):
    """Raised when a restart is asked for but no Boot Manager is configured."""

    code = "no_boot_manager"


class RestartFailed(OpsError):
    """Raised when the Boot Manager (or the restart command) did not restart the service."""

    code = "restart_failed"


class BootManager:
    """Restarts a service through ``POST <url> {"service": key}`` or by running a command."""

    def __init__(self, url: str = "", command: str = "", timeout: float = 10.0) -> None:
        self._url = url
        self._command = command
        self._timeout = timeout

    @property
    def configured(self) -> bool:
        return bool(self._url or self._command)

    def restart(self, service: str) -> str:
        """Restart ``service``; return what the Boot Manager said, or raise."""
        if self._url:
            try:
                resp = requests.post(self._url, json={"service": service}, timeout=self._timeout)
            except requests.RequestException as exc:
                raise RestartFailed(f"Boot Manager at {self._url} unreachable: {exc}") from exc
            if not 200 <= resp.status_code < 300:
                raise RestartFailed(f"Boot Manager answered {resp.status_code} for {service}")
            return f"Boot Manager restarted {service}"
        if self._command:
            argv = [part.replace("{service}", service) for part in shlex.split(self._command)]
            try:
                done = subprocess.run(argv, capture_output=True, timeout=self._timeout, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise RestartFailed(f"restart command failed for {service}: {exc}") from exc
            if done.returncode != 0:
                raise RestartFailed(f"restart command exited {done.returncode} for {service}: "
                                    f"{done.stderr.decode(errors='replace')[:200]}")
            return f"Restart command ran for {service}"
        raise NotConfigured(
            f"No Boot Manager is configured (recovery.boot_manager_url or "
            f"recovery.boot_manager_command): {service} was not restarted")
