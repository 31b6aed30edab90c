"""Writing a JSON response from fields, some of which arrive already encoded."""

from __future__ import annotations

import json
from typing import Any

import falcon


class RawJSON(bytes):
    """A JSON value that is already encoded; :func:`compose` inserts it as is."""


def compose(resp: falcon.Response, fields: dict[str, Any]) -> None:
    """Set ``resp`` to the JSON object of ``fields`` (keys in order), RawJSON values unchanged."""
    parts = []
    for key, value in fields.items():
        encoded = value if isinstance(value, RawJSON) else json.dumps(value, separators=(",", ":")).encode()
        parts.append(b'"' + key.encode() + b'":' + encoded)
    resp.content_type = falcon.MEDIA_JSON
    resp.data = b"{" + b",".join(parts) + b"}"
