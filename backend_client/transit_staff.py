"""`TransitStaffClient`: the transit tile's staff routes (docs/transit-feeds.md, "Staff"):
every feed with its versions, import reports and live-data state, and a GTFS-JP zip
uploaded as a feed. Answers stay plain JSON objects checked for their shape here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from backend_client.client import BackendClient, _bearer
from backend_client.errors import BackendProtocolError

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class TransitStaffClient:
    def __init__(self, backend: BackendClient) -> None:
        self._backend = backend

    async def feeds(self, access_token: str) -> Mapping[str, Any]:
        data = await self._backend._get_json("/staff/transit/feeds",
                                             headers=_bearer(access_token))
        if not isinstance(data, Mapping) or not isinstance(data.get("feeds"), list):
            raise BackendProtocolError("staff transit feeds: expected {'feeds': [...]}")
        return data

    async def upload(self, access_token: str, feed_id: str, filename: str, body: bytes,
                     form: Mapping[str, str] | None = None) -> Mapping[str, Any]:
        """Imports the zip as `feed_id`; a broken feed raises `BackendRejected` (422) whose
        `info` holds the report."""
        if len(body) > MAX_UPLOAD_BYTES:
            raise ValueError("the file is larger than 200 MB")
        response = await self._backend._request_checked(
            "POST", f"/staff/transit/feeds/{quote(feed_id, safe='')}/import",
            headers=_bearer(access_token), data=dict(form or {}),
            files={"file": (filename, body, "application/zip")})
        try:
            data = response.json()
        except ValueError as exc:
            raise BackendProtocolError(f"staff transit import: {exc}") from exc
        if not isinstance(data, Mapping) or "outcome" not in data:
            raise BackendProtocolError("staff transit import: expected an import result")
        return data
