"""`TransitClient`: the transit tile's public routes (docs/transit-feeds.md): the feeds the
city publishes, each feed's compiled timetable (downloaded with progress, revalidated by its
ETag) and the live data of a feed. No login: visitors plan trips too."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from backend_client.client import UNAVAILABLE_STATUS_CODES, BackendClient, _detail, _error_code
from backend_client.errors import BackendProtocolError, BackendRejected, BackendUnavailable

MAX_TIMETABLE_BYTES = 300 * 1024 * 1024
Progress = Callable[[int, int | None], None]  # bytes received, bytes in all (if known)


@dataclass(frozen=True)
class TransitFeed:
    id: str
    name: str
    version: str
    size: int
    imported_at: str
    feed_version: str
    service_start: str
    service_end: str
    licence: str
    attribution: str
    is_demo: bool
    realtime: bool
    stops: int
    trips: int

    @classmethod
    def from_json(cls, data: Any) -> TransitFeed:
        if not isinstance(data, Mapping):
            raise BackendProtocolError("transit feed: expected an object")
        try:
            return cls(
                id=_text(data, "id", required=True), name=_text(data, "name", required=True),
                version=_text(data, "version", required=True), size=_count(data, "size"),
                imported_at=_text(data, "imported_at"),
                feed_version=_text(data, "feed_version"),
                service_start=_text(data, "service_start"),
                service_end=_text(data, "service_end"), licence=_text(data, "licence"),
                attribution=_text(data, "attribution"), is_demo=bool(data.get("is_demo")),
                realtime=bool(data.get("realtime")), stops=_count(data, "stops"),
                trips=_count(data, "trips"))
        except (TypeError, ValueError) as exc:
            raise BackendProtocolError(f"transit feed: {exc}") from exc

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Realtime:
    """A feed's live data: `status` "live", "unreachable" (the last data, maybe old) or
    "scheduled" (the city has no live data for it)."""

    feed_id: str
    status: str
    fetched_at: str | None
    trips: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    vehicles: tuple[Mapping[str, Any], ...] = ()
    alerts: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> Realtime:
        if not isinstance(data, Mapping) or data.get("status") not in (
                "live", "unreachable", "scheduled"):
            raise BackendProtocolError("transit realtime: expected an object with a status")
        trips = data.get("trips") or {}
        vehicles = data.get("vehicles") or []
        alerts = data.get("alerts") or []
        if not (isinstance(trips, Mapping) and isinstance(vehicles, list)
                and isinstance(alerts, list)):
            raise BackendProtocolError("transit realtime: malformed trips, vehicles or alerts")
        fetched = data.get("fetched_at")
        return cls(str(data.get("feed_id", "")), data["status"],
                   fetched if isinstance(fetched, str) else None,
                   {str(k): v for k, v in trips.items() if isinstance(v, Mapping)},
                   tuple(v for v in vehicles if isinstance(v, Mapping)),
                   tuple(a for a in alerts if isinstance(a, Mapping)))


def _text(data: Mapping[str, Any], key: str, required: bool = False) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"field {key!r} should be a string")
    return value


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"field {key!r} should be a count")
    return value


class TransitClient:
    def __init__(self, backend: BackendClient) -> None:
        self._backend = backend

    async def feeds(self) -> list[TransitFeed]:
        data = await self._backend._get_json("/transit/feeds")
        if not isinstance(data, Mapping) or not isinstance(data.get("feeds"), list):
            raise BackendProtocolError("transit feeds: expected {'feeds': [...]}")
        return [TransitFeed.from_json(item) for item in data["feeds"]]

    async def realtime(self, feed_id: str) -> Realtime:
        return Realtime.from_json(await self._backend._get_json(
            "/transit/realtime", params={"feed": feed_id}))

    async def timetable(self, feed_id: str, *, etag: str | None = None,
                        progress: Progress | None = None) -> tuple[bytes, str] | None:
        """The compiled timetable and its ETag, or None when `etag` is still current (304).
        `progress` hears (bytes received, bytes in all or None) as the body arrives."""
        backend = self._backend
        path = f"/transit/feeds/{quote(feed_id, safe='')}/timetable"
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        try:
            async with backend._http.stream("GET", path, headers=headers) as response:
                if response.status_code == 304:
                    return None
                if response.status_code in UNAVAILABLE_STATUS_CODES:
                    raise BackendUnavailable(
                        f"Backend at {backend.base_url} is unavailable: "
                        f"{response.status_code} from {path}")
                if 400 <= response.status_code < 500:
                    await response.aread()
                    raise BackendRejected(response.status_code, _detail(response),
                                          _error_code(response))
                if response.status_code != 200:
                    raise BackendProtocolError(f"Unexpected status {response.status_code} "
                                               f"from {path}")
                total = _length(response)
                chunks: list[bytes] = []
                received = 0
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
                    received += len(chunk)
                    if received > MAX_TIMETABLE_BYTES:
                        raise BackendProtocolError("the timetable is too large")
                    if progress is not None:
                        progress(response.num_bytes_downloaded, total)
                return b"".join(chunks), response.headers.get("etag", "")
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"Backend at {backend.base_url} timed out ({path})") from exc
        except httpx.TransportError as exc:
            raise BackendUnavailable(
                f"Backend at {backend.base_url} is unreachable ({path}): "
                f"{str(exc) or type(exc).__name__}") from exc


def _length(response: httpx.Response) -> int | None:
    raw = response.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None
