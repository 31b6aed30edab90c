"""One HTTP call of a step to a service, bounded by connect, read and overall deadlines.

Step calls are the engine's hot path, so they go straight through urllib3 (the transport under
requests, kept alive per executor): requests' per-call session merging, cookie and hook handling
cost more CPU than the rest of a step's bookkeeping together (measured with yappi).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, NewConnectionError, TimeoutError

from actors.config import ExecutorConfig
from actors.service_map import Service

_CHUNK = 64 * 1024
MAX_RESPONSE = 16 * 1024 * 1024


@dataclass(frozen=True)
class CallResult:
    """What a service answered, or why it did not."""

    ok: bool
    output: Any = None
    error: str | None = None
    latency: int = 0  # ms
    permanent: bool = False  # a retry cannot fix it (the service refused the request itself)
    provider_error: str | None = None  # the LLM provider the service blamed, if any


class StepCaller:
    """Sends steps over kept-alive connections (one pool per executor thread)."""

    def __init__(self, config: ExecutorConfig, retry_client_errors: bool = False) -> None:
        self._config = config
        self._retry_client_errors = retry_client_errors
        self._pool = urllib3.PoolManager(num_pools=32, maxsize=1, retries=False)
        # urllib3 bounds the connect and each socket read; the overall deadline is ours (_read).
        self._timeout = urllib3.Timeout(connect=config.connect_timeout,
                                        read=min(config.read_timeout, config.step_deadline))

    def close(self) -> None:
        self._pool.clear()

    def post(self, service: Service, path: str, body: dict[str, Any], key: str) -> CallResult:
        """POST ``body`` to ``service`` at ``path``; any failure becomes a CallResult, never raises."""
        cfg = self._config
        started = time.monotonic()
        deadline = started + cfg.step_deadline

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            resp = self._pool.request(
                "POST", service.url(path),
                body=json.dumps(body, separators=(",", ":")).encode(),
                headers={"Content-Type": "application/json", "Idempotency-Key": key},
                timeout=self._timeout, preload_content=False, redirect=False)
            try:
                raw = self._read(resp, deadline)
            finally:
                resp.release_conn()
        except TimeoutError:
            return CallResult(False, error=f"{service.name} timed out after {elapsed()} ms",
                              latency=elapsed())
        except (NewConnectionError, MaxRetryError, ConnectionError) as exc:
            return CallResult(False, error=f"{service.name} unreachable: {_short(exc)}",
                              latency=elapsed())
        except _DeadlineExceeded:
            return CallResult(False, error=f"{service.name} exceeded the step deadline of "
                              f"{cfg.step_deadline:g} s", latency=elapsed())
        except (HTTPError, OSError, ValueError) as exc:
            return CallResult(False, error=f"{service.name} call failed: {_short(exc)}",
                              latency=elapsed())
        return self._classify(service, resp.status, raw, elapsed())

    def _read(self, resp: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
        # Each socket read is bounded, not the whole body: a service that drips bytes would
        # never time out, so the overall deadline is checked between chunks.
        parts: list[bytes] = []
        size = 0
        for chunk in resp.stream(_CHUNK):
            parts.append(chunk)
            size += len(chunk)
            if time.monotonic() > deadline:
                raise _DeadlineExceeded
            if size > MAX_RESPONSE:
                raise ValueError(f"response larger than {MAX_RESPONSE} bytes")
        return b"".join(parts)

    def _classify(self, service: Service, status: int, raw: bytes, latency: int) -> CallResult:
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = _NOT_JSON
        if 200 <= status < 300:
            if data is _NOT_JSON:
                return CallResult(False, error=f"{service.name} answered {status} with a body "
                                  f"that is not JSON: {raw[:80]!r}", latency=latency)
            return CallResult(True, output=data, latency=latency)
        detail = ""
        provider = None
        if isinstance(data, dict):
            err = data.get("error")
            if isinstance(err, dict):
                detail = str(err.get("message") or err.get("code") or "")
                if err.get("code") == "llm_provider_error":
                    provider = str(err.get("provider") or "")
            elif err is not None:
                detail = str(err)
        elif raw and data is _NOT_JSON:
            detail = raw[:80].decode("utf-8", "replace")
        permanent = 400 <= status < 500 and status not in (408, 429) and not self._retry_client_errors
        message = f"{service.name} answered {status}" + (f": {detail}" if detail else "")
        return CallResult(False, error=message, latency=latency, permanent=permanent,
                          provider_error=provider or None)


class _DeadlineExceeded(Exception):
    """Raised inside a read when the step's overall deadline has passed."""


_NOT_JSON = object()


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."
